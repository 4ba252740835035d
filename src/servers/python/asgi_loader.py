# Loading the learner's ASGI application: "app:app" means "import app.py from the workspace and
# take its attribute app", the way Uvicorn reads `uvicorn app:app`. When the file changes (the
# learner saved it) the server loads it again. A file that does not import, or that defines a WSGI
# app or a plain `def` where ASGI needs `async def`, is not the end of the server: the problem is
# kept and explained to every request until the file is fixed.
import importlib
import inspect
import os
import sys
import traceback

from asgi_cycle import AppProblem

sys.dont_write_bytecode = True     # a stale .pyc must never hide a save


class AppFile:
    def __init__(self, workspace, spec):
        module_name, _, attribute = spec.partition(':')
        self.spec = spec
        self.module_name = module_name
        self.attribute = attribute or 'app'
        self.workspace = os.path.realpath(workspace)
        self.path = os.path.join(self.workspace, *module_name.split('.')) + '.py'
        self.stamp = None
        self.watched = [self.path]
        self.app = None
        self.problem = None

    def _stamp(self):
        """The files a save to which means "load again": app.py and every other .py file beside it
        (the lifecycle app imports middleware.py and tracing.py; an edit there counts too, as it
        does for the WSGI server). Listed at load time, so a request costs a few stat calls."""
        stamps = []
        for path in self.watched:
            try:
                info = os.stat(path)
                stamps.append((path, info.st_mtime_ns, info.st_size))
            except OSError:
                stamps.append((path, None, None))
        return stamps

    def changed(self):
        return self._stamp() != self.stamp

    def changed_files(self):
        """The names of the watched files whose stamp changed since the last load."""
        before = {path: stamp for path, *stamp in self.stamp or []}
        return sorted(os.path.basename(path) for path, *stamp in self._stamp() if before.get(path) != stamp)

    def load(self):
        """Import (again). Sets .app, or .problem (an AppProblem) when it cannot be served."""
        try:
            names = sorted(name for name in os.listdir(self.workspace) if name.endswith('.py'))
        except OSError:
            names = []
        self.watched = sorted({self.path, *(os.path.join(self.workspace, name) for name in names)})
        self.stamp = self._stamp()
        self.app, self.problem = None, None
        for name, module in list(sys.modules.items()):     # forget the learner's modules
            if (getattr(module, '__file__', None) or '').startswith(self.workspace + os.sep):
                del sys.modules[name]
        if self.workspace not in sys.path:
            sys.path.insert(0, self.workspace)
        importlib.invalidate_caches()
        try:
            module = importlib.import_module(self.module_name)
            app = getattr(module, self.attribute, None)
            if app is None:
                raise AttributeError(f'{self.module_name}.py defines no "{self.attribute}": the server runs '
                                     f'{self.spec}, so {self.module_name}.py must define {self.attribute}')
        except BaseException as error:     # SyntaxError, an exception at import time, sys.exit()...
            if isinstance(error, KeyboardInterrupt):
                raise
            summary = ''.join(traceback.format_exception_only(type(error), error)).strip().split('\n')[-1]
            self.problem = AppProblem(500, f'could not load {self.spec}: {summary}', traceback.format_exc())
            return
        explanation = not_asgi(app, self.spec)
        if explanation:
            self.problem = AppProblem(500, explanation.split('\n')[0], explanation)
            return
        self.app = app


def not_asgi(app, spec):
    """A plain explanation when `app` is clearly not an ASGI 3 application, else None."""
    if not callable(app):
        return f'{spec} is a {type(app).__name__}, not a callable: ASGI needs async def app(scope, receive, send)'
    if inspect.isclass(app):
        return (f'{spec} is a class. ASGI 3 wants a callable such as async def app(scope, receive, send) '
                f'(or an instance whose __call__ is async), not a class to instantiate per request')
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, '__call__', app)
    if inspect.iscoroutinefunction(call):
        return None
    try:
        params = [p for p in inspect.signature(call).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return None        # a builtin or something wrapped: let the first call tell
    names = [p.name for p in params]
    if len(params) == 2 or 'start_response' in names:
        return (f'{spec} is a WSGI application, app({", ".join(names)}); this is an ASGI server.\n'
                'An ASGI server calls  await app(scope, receive, send)  and expects a coroutine;\n'
                'a WSGI app is called as app(environ, start_response) and returns an iterable of bytes.\n'
                'Write an ASGI app (async def app(scope, receive, send): ...), or wrap the WSGI one in an\n'
                'adapter such as asgiref.wsgi.WsgiToAsgi, which runs it in a thread.')
    if inspect.isfunction(call) or inspect.ismethod(call):
        return (f'{spec} is a plain "def {getattr(call, "__name__", "app")}(...)", not "async def".\n'
                'An ASGI server awaits the app: write  async def app(scope, receive, send):  and use\n'
                'await receive() and await send({...}) inside it.')
    return None
