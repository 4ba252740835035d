# Loading the learner's application the way Gunicorn does: "app:app" means "import the module
# app.py from the workspace and take its attribute app". If the file changed since it was imported
# (the learner saved it), the next request imports it again. A file that does not import is not
# the end of the server: the error is kept and every request gets it as a 500 until it is fixed.
import importlib
import importlib.util
import os
import sys
import traceback

from wsgi_validate import validator

# Saving a file twice in one second can leave a stale .pyc that Python would trust: write none.
sys.dont_write_bytecode = True


class AppLoadError(Exception):
    """The module did not import, or has no such callable. `text` is for the learner."""

    def __init__(self, text, summary):
        super().__init__(summary)
        self.text = text          # the full traceback
        self.summary = summary    # one line: "SyntaxError: invalid syntax (app.py, line 3)"


class Mount:
    """One application, served under a URL prefix ('' for the root)."""

    def __init__(self, prefix, spec, workspace, validate=True):
        module_name, _, attribute = spec.partition(':')
        self.prefix = prefix.rstrip('/')
        self.spec = spec
        self.module_name = module_name
        self.attribute = attribute or 'application'
        self.workspace = os.path.abspath(workspace)
        # "@lesson/probes/middleware_probe:app": a file of the lesson itself (GT_LESSON_DIR), not
        # of the learner's workspace, such as the app a check mounts to test the learner's code.
        self.from_lesson = module_name.startswith('@lesson/')
        if self.from_lesson:
            lesson_dir = os.path.abspath(os.environ.get('GT_LESSON_DIR', '.'))
            self.path = os.path.join(lesson_dir, *module_name[len('@lesson/'):].split('/')) + '.py'
        else:
            self.path = os.path.join(self.workspace, *module_name.split('.')) + '.py'
        self.validate = validate
        self.app = None
        self.plain_app = None     # the app itself, not wrapped in the validator
        self.validated_once = False   # has a request of this load gone through the validator?
        self.error = None
        self.loaded_stamp = None

    def _stamp(self):
        try:
            info = os.stat(self.path)
            return (info.st_mtime_ns, info.st_size)
        except OSError:
            return None

    def get(self, validated=True):
        """The callable to run for a request: reloaded first if the file changed. With
        validated=False (a worker under load, see Worker.validate_next), the app without
        wsgiref.validate around it, except for the first request after each load, which the
        validator always sees; and the file is not looked at (the master's watch still sees a
        saved file within 0.2 s and replaces the workers)."""
        if self.loaded_stamp is None or (validated and self._stamp() != self.loaded_stamp):
            self.load()
        if self.error:
            raise self.error
        if validated or not self.validated_once:
            self.validated_once = True
            return self.app
        return self.plain_app

    def load(self):
        """Import (again) from the workspace. Returns the error, if any, for the log."""
        self.loaded_stamp = self._stamp()
        self.app, self.plain_app, self.error = None, None, None
        self.validated_once = False
        forget_workspace_modules(self.workspace)
        if self.workspace not in sys.path:
            sys.path.insert(0, self.workspace)
        importlib.invalidate_caches()
        try:
            module = self._import_lesson_file() if self.from_lesson else importlib.import_module(self.module_name)
            app = getattr(module, self.attribute, None)
            if app is None:
                raise AttributeError(
                    f'{self.module_name}.py has no "{self.attribute}": the server was told to run '
                    f'{self.spec}, so {self.module_name}.py must define {self.attribute}')
            if not callable(app):
                raise TypeError(f'{self.spec} is a {type(app).__name__}, not a callable WSGI app')
        except BaseException as error:  # SyntaxError, SystemExit at import time, anything
            if isinstance(error, KeyboardInterrupt):
                raise
            lines = traceback.format_exception_only(type(error), error)
            summary = lines[-1].strip() if lines else repr(error)
            self.error = AppLoadError(traceback.format_exc(), f'could not load {self.spec}: {summary}')
            return self.error
        # Run the learner's app under wsgiref.validate: it checks every rule of PEP 3333 as the
        # request goes through, and its complaints become explanations (wsgi_explain.py). Each
        # load gets a fresh validator (wsgi_validate.py: wsgiref's checks, at a lower price).
        self.app = validator(app) if self.validate else app
        self.plain_app = app
        return None

    def _import_lesson_file(self):
        name = 'gateway_tutor_lesson_' + os.path.basename(self.path)[:-3]
        spec = importlib.util.spec_from_file_location(name, self.path)
        if spec is None:
            raise ImportError(f'no lesson file {self.path}')
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def matches(self, path):
        """Does this mount serve the (decoded) path? Then SCRIPT_NAME is the prefix."""
        if not self.prefix:
            return True
        return path == self.prefix or path.startswith(self.prefix + '/')


def forget_workspace_modules(workspace):
    """Drop the learner's modules from the import cache so the next import reads the files."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, '__file__', None) or ''
        if file.startswith(workspace + os.sep):
            del sys.modules[name]


def parse_mounts(app_spec, mount_args, workspace, validate):
    """--app app:app --mount /flask=flask_app:app → mounts, longest prefix first."""
    mounts = [Mount('', app_spec, workspace, validate)]
    for arg in mount_args or []:
        prefix, _, spec = arg.partition('=')
        if not prefix.startswith('/') or not spec:
            raise SystemExit(f'--mount wants /prefix=module:callable, got {arg!r}')
        mounts.append(Mount(prefix, spec, workspace, validate))
    return sorted(mounts, key=lambda m: len(m.prefix), reverse=True)
