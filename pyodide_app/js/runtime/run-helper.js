// Python source run once in the worker after mmcore is loaded. It defines `_mm_run_cell(code, cell_id, echo)`,
// which wraps `mmcore.cell.run_cell` (echo: a callable streaming stdout text) and returns a plain dict the worker reads through a PyProxy:
//   {"ok": True, "scene": memoryview | None, "stdout": str, "phases": {"layout": ms, "values": ms, ...}}
//   {"ok": False, "type": str, "message": str, "traceback": str, "line": int | None, "stdout": str}
// The traceback keeps only the cell's own frames (`mmcore.cell.format_cell_error` when it exists,
// else the same rule applied here: frames whose file name is "<cell CELL_ID>").
// `phases`: ms of the run spent in mmcore.layout (geometry), the values (mmcore.values.lazy: Evaluation.values, abs_range; they
// are computed lazily, mostly while encoding), the scene's mm link and scene_to_bytes (the encoding alone), each
// without the phases it calls; timed by thin wrappers (same results); the worker turns them into the page's marks.
//
// Example (in the worker): pyodide.runPython(RUN_HELPER); pyodide.globals.get("_mm_run_cell")(code, "demo-1")

export const RUN_HELPER = String.raw`
import functools as _mm_functools
import inspect as _mm_inspect
import time as _mm_time
import traceback as _mm_traceback
import mmcore
import mmcore.cell as _mm_cell

_mm_phases = {}
_mm_open = []   # [phase, start, time of the phases called inside]: a phase's time excludes the ones it calls


def _mm_time_calls(owner, name, phase):
    """Wrap owner.name so each call adds its own time (ms, without inner phases) to _mm_phases[phase]."""
    fn = getattr(owner, name, None)
    if fn is None or getattr(fn, "_mm_phase", None):
        return

    @_mm_functools.wraps(fn)
    def timed(*args, **kwargs):
        frame = [phase, _mm_time.perf_counter(), 0.0]
        _mm_open.append(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            _mm_open.pop()
            spent = (_mm_time.perf_counter() - frame[1]) * 1000
            _mm_phases[phase] = _mm_phases.get(phase, 0.0) + spent - frame[2]
            if _mm_open:
                _mm_open[-1][2] += spent

    timed._mm_phase = phase
    setattr(owner, name, timed)


def _mm_time_phases():
    import mmcore.values.lazy as lazy
    import mmcore.wire.codec as codec
    _mm_time_calls(mmcore, "layout", "layout")
    _mm_time_calls(lazy.Evaluation, "values", "values")   # not the recursive Values.of: no deeper stacks
    _mm_time_calls(lazy, "abs_range", "values")
    _mm_time_calls(_mm_cell, "_mm_link", "link")
    _mm_time_calls(codec, "scene_to_bytes", "encode")


try:
    _mm_time_phases()
except Exception:   # timing is optional: a renamed module only loses its marks
    pass


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
    _mm_phases.clear()
    _mm_open.clear()
    attach_docs = globals().get("_mm_attach_numpy_docs")   # numpy-docs.js: the boot left numpy's docstrings out
    if attach_docs is not None and any(word in code for word in ("help", "__doc__", "pydoc", "inspect")):
        try:
            attach_docs()
        except Exception:   # docstrings are a nicety: the run goes on without them
            pass
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
            "stdout": result.stdout or "", "phases": dict(_mm_phases)}
`;
