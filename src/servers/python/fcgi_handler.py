# The learner's handler, as the resident FastCGI app runs it. The file is imported once and kept
# (that is the whole point of FastCGI: no new process, no new import, per request), and imported
# again only when it changes on disk.
#
# A handler is one function, as close to a CGI program as a function can be:
#
#     def handle(params, body):
#         # params: the request's PARAMS (CGI variables) as a dict of str, one character a byte
#         # (latin-1: PARAMS are bytes); body: bytes (STDIN)
#         return 'Content-Type: text/plain\r\n\r\nHello\n'     # or print() it, as a CGI script would
#
# What it returns (or prints) is a CGI response, and it travels back as STDOUT records; what it
# writes to sys.stderr travels as STDERR records and lands in the web server's log.
import contextlib
import importlib.util
import io
import os
import traceback


class HandlerFile:
    def __init__(self, workspace, name):
        self.workspace = os.path.realpath(workspace)
        self.path = os.path.join(self.workspace, name)
        self.stamp = None
        self.function = None
        self.load_error = None

    def _check_path(self):
        real = os.path.realpath(self.path)
        # The handler must live in the workspace: no symlink or ".." leads the app elsewhere.
        if not real.startswith(self.workspace + os.sep):
            return f'{self.path} is outside the workspace {self.workspace}'
        if not os.path.isfile(real):
            return f'{self.path} does not exist (reset the lesson to get the starter back)'
        return None

    def load(self):
        """Import the file again if it changed. Returns None, or the error as text."""
        problem = self._check_path()
        if problem:
            self.function, self.stamp, self.load_error = None, None, problem
            return problem
        info = os.stat(self.path)
        stamp = (info.st_mtime_ns, info.st_size)
        if stamp == self.stamp:
            return self.load_error
        self.stamp = stamp
        try:
            spec = importlib.util.spec_from_file_location('handler', self.path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            function = getattr(module, 'handle', None)
            if not callable(function):
                raise TypeError(f'{os.path.basename(self.path)} has no function handle(params, body)')
            self.function, self.load_error = function, None
        except BaseException:
            self.function = None
            self.load_error = traceback.format_exc(limit=-3)
        return self.load_error

    def call(self, params, body):
        """Run handle(params, body). Returns (stdout bytes, stderr bytes, exit status)."""
        error = self.load()
        if error:
            return failure(f'The handler could not be loaded:\n{error}'), error.encode(), 1
        printed, errors = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(errors):
                result = self.function(params, body)
        except Exception:
            trace = traceback.format_exc(limit=-3)
            return failure(f'handle() raised an exception:\n{trace}'), (errors.getvalue() + trace).encode(), 1
        if result is None:
            result = printed.getvalue()     # printed, as a CGI script would
        if isinstance(result, str):
            result = result.encode('utf-8')
        if not isinstance(result, (bytes, bytearray)):
            message = f'handle() returned {type(result).__name__}; it must return a str or bytes (or print the response)'
            return failure(message), message.encode(), 1
        return bytes(result), errors.getvalue().encode(), 0


def failure(message):
    return ('Status: 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
            + message + '\n').encode('utf-8', 'replace')
