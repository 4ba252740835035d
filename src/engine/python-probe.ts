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
// Python runs with -S and the probe then runs `site` itself (site.main(), what a normal start
// runs), so that it can pass over .pth lines it knows to be slow and to change nothing it looks
// for. A `.pth` file's `import …` lines are code that runs at every start; on some machines one
// imports certifi (and with it importlib.resources, pathlib, re, zipfile, tempfile: 30–40 ms of
// CPU, three times the rest of the start) only to append a certificate to certifi's file. Every
// other line runs as site would run it, where it would run it (an editable install's import hook,
// a line that changes sys.path), and so do sitecustomize and usercustomize: the answer is the one
// a normal start gives (test/unit/python-probe.test.ts compares the two on venvs, user site,
// PYTHONPATH, .pth files of each kind, Debian's and pyenv's Pythons).
//
// The lines passed over are known by their whole text, so a line that differs in one character
// runs. Passing one over cannot change what the probe finds: each only imports certifi (no
// lesson module) and writes a file; it adds no path, finder or hook. One difference remains, and
// no code seen does anything with it: what site runs (a .pth line, sitecustomize) sees the -S, in
// sys.flags.no_site and sys.orig_argv.
export const SKIPPED_PTH_LINES = [
  // The certificate injector of the sandbox this tutor is developed in, in the site-packages of
  // every Python there ("Written by sandboxing ca_inject …").
  String.raw`import os;exec("try:\n import certifi\n _p=certifi.where(); _c='/etc/ssl/certs/sandboxing-egress-ca.pem'\n if os.path.isfile(_c) and os.path.getsize(_c)<65536 and os.path.isfile(_p):\n  with open(_c,'rb') as _f: _t=_f.read()\n  with open(_p,'rb') as _f: _f.seek(max(0,os.path.getsize(_p)-len(_t)-64)); _tail=_f.read()\n  if _t[-96:] not in _tail:\n   with open(_p,'ab') as _f: _f.write(b'\\n'+_t)\nexcept Exception: pass\n")`,
] as const;

/** The lessons' Python modules, in the order the probe answers for them. */
export const MODULES = ['flask', 'gunicorn', 'uvicorn'] as const;
export type PythonModule = (typeof MODULES)[number];

// site.main() runs with `exec` in site's namespace replaced: addpackage() calls exec(line) for a
// .pth file's import lines, and a name in a module's namespace comes before the builtin. Any
// other call (the code of a line calling exec itself) gets the builtin, with the scopes a call
// without them would have had. The -c program's own folder (sys.path[0], '') is added after site
// runs in a normal start, so it is set aside while site.main() runs (removeduppaths() would make
// it absolute). Whatever goes wrong in preparing this leaves site to run every line.
const PROBE = `import sys, os
if sys.flags.no_site:
    import site
    try:
        import builtins
        skipped = frozenset(${JSON.stringify(SKIPPED_PTH_LINES)})
        addpackage = site.addpackage.__code__
        def pth_exec(source, *scopes):
            frame = sys._getframe(1)
            if not scopes:
                if frame.f_code is addpackage and source.rstrip() in skipped:
                    return None
                scopes = (frame.f_globals, dict(frame.f_locals) if frame.f_code.co_flags & 1 else frame.f_locals)
            return builtins.exec(source, *scopes)
        site.exec = pth_exec
    except Exception:
        pass
    path0 = None if getattr(sys.flags, "safe_path", False) or not sys.path else sys.path.pop(0)
    site.main()
    site.__dict__.pop("exec", None)
    if path0 is not None:
        sys.path.insert(0, path0)
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

/** The interpreter's arguments for the probe. Without -S (test/unit/python-probe.test.ts) the
 * same program answers after a normal start. */
export const PROBE_ARGS = ['-S', '-W', 'ignore', '-c', PROBE] as const;

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
