# The same lab, served by Gunicorn: `wsgi_server.py --engine gunicorn` (or the environment variable
# GATEWAY_TUTOR_WSGI_ENGINE=gunicorn) runs the learner's apps in Gunicorn's own master and sync
# workers, and uses Gunicorn's server hooks to speak the tutor's protocol (ready, request events
# with the worker pid and timings). The apps are not wrapped in wsgiref.validate here: this is
# the production server, as it would run them.
import os
import signal
import socket
import sys
import time

from wsgi_loader import AppLoadError, parse_mounts
from wsgi_trace import observe
from wsgi_worker import die_with_parent

OBSERVED = 'gateway_tutor.observed'     # what wsgi_trace.observe made, for post_request
APP_ERROR = 'gateway_tutor.app_error'   # what the app raised, if it did


def dispatcher(mounts, emit, report_environ):
    """One WSGI app in front of the mounts, adding X-Worker-Pid like the lab's own server, and
    reporting Gunicorn's hop of a traced request (wsgi_trace.py) as the lab's server does."""
    def app(environ, start_response):
        environ[OBSERVED] = observe(environ, emit, 'gunicorn', report_environ)
        path = environ.get('PATH_INFO', '')
        mount = next(m for m in mounts if m.matches(path))
        if mount.prefix:
            environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + mount.prefix
            environ['PATH_INFO'] = path[len(mount.prefix):]
        environ['gateway_tutor.app'] = mount.spec
        pid = str(os.getpid())

        def start_with_pid(status, headers, exc_info=None):
            return start_response(status, list(headers) + [('X-Worker-Pid', pid)], exc_info)
        try:
            inner = mount.get()
        except AppLoadError as error:
            sys.stderr.write(f'{error.summary}\n{error.text}\n')
            body = f'{error.summary}\n\n{error.text}'.encode('utf-8', 'replace')
            start_with_pid('500 Internal Server Error', [('Content-Type', 'text/plain; charset=utf-8'),
                                                         ('Content-Length', str(len(body)))])
            return [body]
        try:
            return inner(environ, start_with_pid)
        except Exception as error:
            # Gunicorn answers 500 and logs the traceback; post_request reports it, as our server does.
            environ[APP_ERROR] = f'{type(error).__name__}: {error}'
            raise
    return app


def run_gunicorn(lab, config):
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:
        lab.log(f'Gunicorn is not installed for {sys.executable}: pip install gunicorn '
                '(or apt-get install python3-gunicorn and PYTHON=/usr/bin/python3)')
        sys.exit(3)

    listener = lab.listen(config.port)           # a taken port exits 98, as for every lab server
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    lab.use_lock_fd(lab.anonymous_lock_file('gt-gunicorn-'))
    mounts = parse_mounts(config.app, config.mount, config.workspace, validate=False)
    application = dispatcher(mounts, lab.emit, config.report_environ)

    def when_ready(server):
        lab.log(f'[gunicorn {os.getpid()}] serving {config.app} from {config.workspace} '
                f'on http://127.0.0.1:{port} with {config.workers} sync workers')
        lab.watch_stdin(on_eof=lambda: os.kill(os.getpid(), signal.SIGINT))   # the tutor is gone
        lab.ready(pid=os.getpid(), port=port, workers=[], engine='gunicorn')

    def post_fork(server, worker):
        die_with_parent()

    def pre_request(worker, req):
        req.gt_started = time.time()

    def post_request(worker, req, environ, resp):
        ended = time.time()
        started = getattr(req, 'gt_started', ended)
        try:
            status = int(str(resp.status).split(' ', 1)[0])
        except ValueError:
            status = None
        if status is None and environ.get(APP_ERROR):
            status = 500        # the app raised before any response: Gunicorn sends its own 500 page
        event = {
            'event': 'request', 'conn': int(environ.get('REMOTE_PORT') or 0),
            'remote': f"{environ.get('REMOTE_ADDR')}:{environ.get('REMOTE_PORT')}",
            'method': req.method, 'target': req.uri, 'httpVersion': '%d.%d' % req.version,
            'headers': [[n, v] for n, v in req.headers],          # Gunicorn keeps names upper case
            'status': status, 'responseHeaders': [[n, v] for n, v in resp.headers],
            'durationMs': round((ended - started) * 1000, 2), 'pid': os.getpid(),
            'start': round(started * 1000, 2), 'end': round(ended * 1000, 2),
            'app': environ.get('gateway_tutor.app'), 'bytes': getattr(resp, 'sent', None),
            'engine': 'gunicorn',
        }
        if environ.get(APP_ERROR):
            event['error'] = environ[APP_ERROR]
        observed = environ.get(OBSERVED)
        if observed:
            observed.finish(event, status, environ.get(APP_ERROR))
        lab.emit(event)

    class LabGunicorn(BaseApplication):
        def load_config(self):
            settings = {
                'bind': [f'fd://{listener.fileno()}'], 'workers': config.workers,
                'worker_class': 'gthread' if config.threads > 1 else 'sync', 'threads': config.threads,
                'timeout': int(config.timeout), 'graceful_timeout': 5, 'reload': True,
                'reload_extra_files': [m.path for m in mounts], 'chdir': config.workspace,
                'errorlog': '-', 'loglevel': 'info', 'accesslog': None,
                'when_ready': when_ready, 'post_fork': post_fork,
                'pre_request': pre_request, 'post_request': post_request,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return application

    sys.argv = [sys.argv[0]]            # Gunicorn reads no options of ours
    LabGunicorn().run()
