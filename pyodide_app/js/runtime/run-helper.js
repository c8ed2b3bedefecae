// Python source run once in the worker after mmcore is loaded. It defines `_mm_run_cell(code, cell_id, echo)`,
// which wraps `mmcore.cell.run_cell` (echo: a callable streaming stdout text) and returns a plain dict the worker reads through a PyProxy:
//   {"ok": True, "scene": memoryview | None, "stdout": str}
//   {"ok": False, "type": str, "message": str, "traceback": str, "line": int | None, "stdout": str}
// The traceback keeps only the cell's own frames (`mmcore.cell.format_cell_error` when it exists,
// else the same rule applied here: frames whose file name is "<cell CELL_ID>").
//
// Example (in the worker): pyodide.runPython(RUN_HELPER); pyodide.globals.get("_mm_run_cell")(code, "demo-1")

export const RUN_HELPER = String.raw`
import inspect as _mm_inspect
import traceback as _mm_traceback
import mmcore
import mmcore.cell as _mm_cell


def _mm_format_error(exc, cell_id):
    fmt = getattr(_mm_cell, "format_cell_error", None)
    if fmt is not None:
        try:
            message, text, line = fmt(exc)
            return str(message), str(text), line
        except Exception:
            pass
    only = "".join(_mm_traceback.format_exception_only(type(exc), exc))
    if isinstance(exc, SyntaxError):
        return str(exc.msg), only, exc.lineno
    name = "<cell %s>" % cell_id
    frames = [f for f in _mm_traceback.extract_tb(exc.__traceback__) if f.filename == name]
    line = frames[-1].lineno if frames else None
    head = "Traceback (most recent call last):\n" if frames else ""
    return str(exc), head + "".join(_mm_traceback.format_list(frames)) + only, line


def _mm_run_cell(code, cell_id, echo=None):
    try:
        if echo is not None and "echo" in _mm_inspect.signature(_mm_cell.run_cell).parameters:
            result = _mm_cell.run_cell(code, cell_id=cell_id, echo=echo)
        else:
            result = _mm_cell.run_cell(code, cell_id=cell_id)
    except BaseException as exc:
        message, text, line = _mm_format_error(exc, cell_id)
        return {"ok": False, "type": type(exc).__name__, "message": message,
                "traceback": text, "line": line, "stdout": ""}
    scene = result.scene
    return {"ok": True, "scene": memoryview(scene) if scene is not None else None,
            "stdout": result.stdout or ""}
`;
