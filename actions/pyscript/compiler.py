# The syntax checker behind `actuate validate` for core.script.run_python
# steps. It reads one JSON document per line on stdin, {"source": "..."},
# compiles the source without running it, and answers one JSON line on
# stdout: {"error": {"type", "message", "line", "column"} | null,
# "warnings": [{"message", "line"}]}.
import json
import sys
import warnings

for request in sys.stdin:
    source = json.loads(request)["source"]
    answer = {"error": None, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, "<script>", "exec", dont_inherit=True)
        except SyntaxError as e:
            answer["error"] = {"type": type(e).__name__, "message": e.msg, "line": e.lineno or 0, "column": e.offset or 0}
        except (ValueError, MemoryError, RecursionError) as e:
            answer["error"] = {"type": type(e).__name__, "message": str(e), "line": 0, "column": 0}
    for w in caught:
        answer["warnings"].append({"message": "%s: %s" % (w.category.__name__, w.message), "line": w.lineno or 0})
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
