# The runner of actuate's core.script.run_python steps.
#
# actuate starts one interpreter per step as `python3 -I -S -X utf8 -c
# <this file>`. The call arrives as one JSON document on stdin:
#
#   {"script": "...", "inputs": {...} | null, "dependencies": [...],
#    "limits": {"cpu_seconds": N, "memory_bytes": N}}
#
# and exactly one JSON reply leaves on file descriptor 3, never on stdout,
# so nothing the script prints can be taken for its result:
#
#   {"result": <value>}
#   {"error": {"type": "ValueError", "message": "...",
#              "frames": [[line, "function"], ...]}}
#   {"problem": "text"}            (the call itself is wrong)
#
# Script lines in "frames" and in syntax errors are 1-based lines of the
# script text; actuate maps them back to the template file.
import json
import os
import resource
import sys
import types

SCRIPT = "<script>"
reply_channel = os.fdopen(3, "wb")


def reply(doc):
    data = json.dumps(doc, ensure_ascii=True, allow_nan=False, default=plain)
    reply_channel.write(data.encode("ascii"))
    reply_channel.close()


def plain(o):
    """Turns what json cannot write into JSON data."""
    if isinstance(o, (set, frozenset)):
        try:
            return sorted(o)
        except TypeError:
            return sorted(o, key=repr)
    if isinstance(o, (bytes, bytearray)):
        return bytes(o).decode("utf-8", "replace")
    if type(o).__module__ == "datetime":
        if hasattr(o, "total_seconds"):
            return {TYPE_TAG: "timedelta", "value": o.total_seconds()}
        return o.isoformat()
    return repr(o)


def frames(tb):
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == SCRIPT:
            out.append([tb.tb_lineno, code.co_name])
        tb = tb.tb_next
    return out


def exception(e):
    return {"error": {"type": type(e).__name__, "message": str(e), "frames": frames(e.__traceback__)}}


TYPE_TAG = "__actuate_type__"


def tagged(obj):
    """Turns actuate's tagged datetimes, dates, times and durations back
    into Python objects."""
    kind = obj.get(TYPE_TAG)
    if kind is None or len(obj) != 2:
        return obj
    import datetime

    text = obj["value"]
    if kind == "datetime":
        return datetime.datetime.fromisoformat(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        return datetime.time.fromisoformat(text)
    if kind == "timedelta":
        return datetime.timedelta(seconds=text)
    return obj


def set_limits(limits):
    cpu = limits.get("cpu_seconds") or 0
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    mem = limits.get("memory_bytes") or 0
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def missing_dependencies(names):
    import importlib.util
    import importlib.metadata
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
        if isinstance(v, types.FunctionType) and v.__code__.co_filename == SCRIPT and not name.startswith("_")
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
    call = json.loads(sys.stdin.buffer.read(), object_hook=tagged)
    set_limits(call.get("limits") or {})
    deps = call.get("dependencies") or []
    if deps:
        missing = missing_dependencies(deps)
        if missing:
            reply({"problem": "dependencies cannot be imported: %s; packages are not installed at run time, install them for the interpreter that runs the steps (ACTUATE_PYTHON)" % ", ".join(missing)})
            return
    try:
        code = compile(call["script"], SCRIPT, "exec")
    except SyntaxError as e:
        reply({"error": {"type": type(e).__name__, "message": e.msg, "frames": [[e.lineno or 0, "<module>"]], "offset": e.offset or 0}})
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
        result = fn(**inputs)
        if isinstance(result, types.CoroutineType):
            import asyncio

            result = asyncio.run(result)
    except BaseException as e:
        reply(exception(e))
        return
    try:
        reply({"result": result})
    except BaseException as e:
        reply({"problem": "the value the function returned cannot be written as JSON: %s: %s" % (type(e).__name__, e)})


run()
