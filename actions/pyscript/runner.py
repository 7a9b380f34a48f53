# The runner of actuate's core.script.run_python steps.
#
# actuate starts one interpreter per step as `python3 -I -S -X utf8
# <this file's bytecode>` (or `-c <this file>`). The call arrives on stdin
# as one value in marshal format (marshal is built in; importing json would
# cost more than the rest of a small step):
#
#   {"script": "...", "inputs": {...} | None, "dependencies": [...],
#    "tagged": bool, "limits": {"cpu_seconds": N, "memory_bytes": N} | None}
#
# and exactly one reply, also in marshal format, leaves on file descriptor
# 3, never on stdout, so nothing the script prints can be taken for its
# result:
#
#   {"result": <plain data>}
#   {"error": {"type": "ValueError", "message": "...",
#              "frames": [[line, "function"], ...]}}
#   {"problem": "text"}            (the call itself is wrong)
#
# Script lines in "frames" are 1-based lines of the script text; actuate
# maps them back to the template file. Limits on CPU time and memory are
# set by actuate before it writes the call; "limits" asks the runner to set
# them itself where actuate cannot.
import marshal
import sys

SCRIPT = "<script>"
TYPE_TAG = "__actuate_type__"
reply_channel = open(3, "wb")
function_type = type(lambda: 0)


def reply(doc):
    reply_channel.write(marshal.dumps(doc, 4))
    reply_channel.close()


def plain(o, active):
    """Returns o as plain data (None, bool, int, float, str, list, dict with
    str keys), as Python's json module would write it: datetimes as ISO
    text, sets sorted, bytes decoded, other objects as their repr."""
    t = type(o)
    if t is str or t is int or t is float or t is bool or o is None:
        return o
    if isinstance(o, dict):
        enter(o, active)
        out = {json_key(k): plain(v, active) for k, v in o.items()}
        active.discard(id(o))
        return out
    if isinstance(o, (list, tuple)):
        enter(o, active)
        out = [plain(v, active) for v in o]
        active.discard(id(o))
        return out
    # Subclasses (enums among them) as json writes them: their base's
    # value, not what their own __str__, __int__ or __float__ returns.
    if isinstance(o, str):
        return str.__str__(o)
    if isinstance(o, int):
        return int.__int__(o)
    if isinstance(o, float):
        return float.__float__(o)
    if isinstance(o, (set, frozenset)):
        try:
            items = sorted(o)
        except TypeError:
            items = sorted(o, key=repr)
        return plain(items, active)
    if isinstance(o, (bytes, bytearray)):
        return bytes(o).decode("utf-8", "replace")
    # Wherever a datetime exists, the datetime module is loaded; its
    # subclasses (pandas' Timestamp and Timedelta among them) count too.
    dt = sys.modules.get("datetime")
    if dt is not None:
        if isinstance(o, dt.timedelta):
            return {TYPE_TAG: "timedelta", "value": o.total_seconds()}
        if isinstance(o, (dt.datetime, dt.date, dt.time)):
            return o.isoformat()
    return repr(o)


def enter(o, active):
    if id(o) in active:
        raise ValueError("Circular reference detected")
    active.add(id(o))


def json_key(k):
    if type(k) is str:
        return k
    if k is True:
        return "true"
    if k is False:
        return "false"
    if k is None:
        return "null"
    if isinstance(k, str):
        return str.__str__(k)
    if isinstance(k, int):
        return int.__repr__(k)
    if isinstance(k, float):
        if k != k or k in (float("inf"), float("-inf")):
            raise ValueError("Out of range float values are not JSON compliant")
        return float.__repr__(k)
    raise TypeError("keys must be str, int, float, bool or None, not %s" % type(k).__name__)


def untag(o):
    """Turns actuate's tagged datetimes, dates, times and durations back
    into Python objects."""
    if type(o) is list:
        return [untag(v) for v in o]
    if type(o) is not dict:
        return o
    kind = o.get(TYPE_TAG)
    if kind is None or len(o) != 2:
        return {k: untag(v) for k, v in o.items()}
    import datetime

    text = o["value"]
    if kind == "datetime":
        return datetime.datetime.fromisoformat(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        return datetime.time.fromisoformat(text)
    if kind == "timedelta":
        return datetime.timedelta(seconds=text)
    return o


def frames(tb):
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == SCRIPT:
            out.append([tb.tb_lineno, code.co_name])
        tb = tb.tb_next
    return out


def exception(e):
    try:
        message = str(e)
    except BaseException:
        message = "<exception str() failed>"  # as Python's traceback says
    err = {"type": type(e).__name__, "message": message, "frames": frames(e.__traceback__)}
    if isinstance(e, ModuleNotFoundError) and e.name:
        err["stdlib"] = e.name.split(".")[0] in getattr(sys, "stdlib_module_names", ())
    return {"error": err}


def set_limits(limits):
    import resource

    cpu = limits.get("cpu_seconds") or 0
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    mem = limits.get("memory_bytes") or 0
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))


def missing_dependencies(names):
    import importlib.metadata
    import importlib.util
    import site

    site.main()  # -S left site-packages off sys.path; declared packages live there
    missing = []
    for spec in names:
        name = spec
        for stop in "<>=!~;[ @":
            name = name.split(stop, 1)[0]
        name = name.strip()
        if not name:
            continue
        found = False
        try:
            found = importlib.util.find_spec(name.replace("-", "_")) is not None
        except (ImportError, ValueError):
            pass
        if not found:
            try:
                importlib.metadata.distribution(name)
                found = True
            except importlib.metadata.PackageNotFoundError:
                pass
        if not found:
            missing.append(spec)
    return missing


def function_to_call(ns):
    main = ns.get("main")
    if callable(main):
        return main
    public = [
        name
        for name, v in ns.items()
        if type(v) is function_type and v.__code__.co_filename == SCRIPT and not name.startswith("_")
    ]
    if len(public) == 1:
        return ns[public[0]]
    if not public:
        raise LookupError("the script defines no function to call; define main(...)")
    raise LookupError(
        "the script defines several functions (%s) and none is called main; name the one to call main"
        % ", ".join(public)
    )


def run():
    # Each line the script prints reaches actuate at once, so that a step
    # killed at its timeout or limits still logs how far it got.
    sys.stdout.reconfigure(line_buffering=True)
    call = marshal.loads(sys.stdin.buffer.read())
    if call.get("limits"):
        set_limits(call["limits"])
    deps = call.get("dependencies")
    if deps:
        missing = missing_dependencies(deps)
        if missing:
            reply({"problem": "dependencies cannot be imported: %s; packages are not installed at run time, install them for the interpreter that runs the steps (ACTUATE_PYTHON)" % ", ".join(missing)})
            return
    try:
        code = compile(call["script"], SCRIPT, "exec")
    except SyntaxError as e:
        reply({"error": {"type": type(e).__name__, "message": e.msg, "frames": [[e.lineno or 0, "<module>"]]}})
        return
    ns = {"__name__": "__script__", "__builtins__": __builtins__}
    try:
        exec(code, ns)
        try:
            fn = function_to_call(ns)
        except LookupError as e:
            reply({"problem": str(e)})
            return
        inputs = call.get("inputs") or {}
        if call.get("tagged"):
            inputs = untag(inputs)
        result = fn(**inputs)
        if type(result).__name__ == "coroutine" and hasattr(result, "__await__"):
            import asyncio

            result = asyncio.run(result)
    except BaseException as e:
        reply(exception(e))
        return
    try:
        data = marshal.dumps({"result": plain(result, set())}, 4)
    except BaseException as e:
        reply({"problem": "the value the function returned cannot be written as JSON: %s: %s" % (type(e).__name__, e)})
        return
    reply_channel.write(data)
    reply_channel.close()


run()
