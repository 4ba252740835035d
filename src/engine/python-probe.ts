// The one run of Python that says everything the requirements need: its version, where it really
// is, which of the lessons' modules it can import (and their versions), and where it imports from.
//
// Modules are found, not imported, and a version is read from the name of the .dist-info /
// .egg-info folder beside the module: importing Flask, or importlib.metadata (which brings email,
// zipfile, csv…), costs 60 ms where this costs 10. The answer is fields separated by NUL (no path
// contains one), not JSON: `json` brings `re` and `enum`, a third of the run. Modules are looked
// for as importlib.util.find_spec does for a top-level name (sys.modules, then the import
// system's finders), without importing importlib.util and the contextlib, functools and
// collections it brings.
//
// Python starts as it always does, `site` and every `.pth` file's lines included: those lines are
// code (an editable install's import hook, a line that changes sys.path), and only running them
// says what a learner's `python3 app.py` will import. On a machine whose site-packages holds a
// slow `.pth` line, the probe pays for it as every other start of that Python does.

/** The lessons' Python modules, in the order the probe answers for them. */
export const MODULES = ['flask', 'gunicorn', 'uvicorn'] as const;
export type PythonModule = (typeof MODULES)[number];

const PROBE = `import sys, os
try:
    from importlib._bootstrap import _find_spec
    def find_spec(name):
        module = sys.modules.get(name)
        return module.__spec__ if module is not None else _find_spec(name, None)
except ImportError:
    from importlib.util import find_spec
def version(name):
    try:
        spec = find_spec(name)
    except Exception:
        return ""
    if spec is None:
        return ""
    prefix = name + "-"
    try:
        where = os.path.dirname(os.path.dirname(spec.origin))
        for entry in os.listdir(where):
            low = entry.lower()
            if low.startswith(prefix) and low.endswith((".dist-info", ".egg-info")):
                return entry[len(prefix):].rsplit(".", 1)[0].split("-")[0]
    except Exception:
        pass
    return "installed"
sys.stdout.write("\\0".join(["%d.%d.%d" % sys.version_info[:3], sys.executable]
    + [version(name) for name in (${MODULES.map((name) => `"${name}"`).join(', ')})] + [p for p in sys.path if p]))`;

/** The interpreter's arguments for the probe. */
export const PROBE_ARGS = ['-W', 'ignore', '-c', PROBE] as const;

export interface ProbeAnswer {
  version: string;
  /** sys.executable: empty when Python could not tell. */
  executable: string;
  /** The version of each module, "installed" when no metadata says it, or null when not found. */
  modules: Record<PythonModule, string | null>;
  /** Where it imports from (sys.path): installing a module changes one of these folders. */
  importPath: string[];
}

/** The probe's answer, or undefined when it is not one. */
export function parseProbe(out: string): ProbeAnswer | undefined {
  const [version = '', executable = '', ...rest] = out.split('\0');
  if (!/^\d+\.\d+\.\d+$/.test(version) || rest.length < MODULES.length) return undefined;
  const modules = Object.fromEntries(MODULES.map((name, i) => [name, rest[i] || null])) as ProbeAnswer['modules'];
  return { version, executable, modules, importPath: rest.slice(MODULES.length) };
}
