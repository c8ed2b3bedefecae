"""A time limit per cell at build time: a cell that runs too long stops the build, named.

``run_cell_limited`` is ``mmcore.cell.run_cell`` with a wall-clock limit (``MM_CELL_TIMEOUT`` seconds,
default 60; ``0`` turns it off). Past the limit the cell gets a ``CellTimeout`` exception where it is
running; the hook turns it into a build error naming the page, the cell and its line. In the main
thread a ``SIGALRM`` timer does it (it also ends a ``time.sleep``); in another thread the exception is
set asynchronously (it ends Python loops, not one long C call). The alarm repeats every second, and a
cell cannot swallow it with ``except Exception`` (inside the cell it is a ``BaseException``).

Example:
    >>> run_cell_limited("print(6 * 7)", cell_id="t-1", seconds=5).stdout
    '42\\n'
    >>> run_cell_limited("while True:\\n    pass", cell_id="t-2", seconds=0.2)
    Traceback (most recent call last):
      ...
    pyodide_app._timeout.CellTimeout: the cell ran longer than 0.2 s, the build's limit per cell (MM_CELL_TIMEOUT)
"""

from __future__ import annotations

import ctypes
import os
import signal
import threading

from mmcore.cell import CellResult, run_cell

__all__ = ["CellTimeout", "DEFAULT_SECONDS", "cell_time_limit", "run_cell_limited"]

DEFAULT_SECONDS = 60.0


class CellTimeout(Exception):
    """A cell ran past the build's time limit per cell."""


class _Expired(BaseException):
    """Raised inside the cell: not an ``Exception``, so the cell's own ``except Exception`` lets it pass."""


def _run(source: str, cell_id: str, limit: float, kwargs: dict) -> CellResult:
    try:
        return run_cell(source, cell_id=cell_id, **kwargs)
    except _Expired as e:
        raise CellTimeout(_message(limit)).with_traceback(e.__traceback__) from None


def cell_time_limit() -> float:
    """Seconds allowed per cell: ``MM_CELL_TIMEOUT`` (``0`` = no limit), else ``DEFAULT_SECONDS``."""
    text = os.environ.get("MM_CELL_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_SECONDS
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"MM_CELL_TIMEOUT: expected a number of seconds, got {text!r}") from None
    return max(value, 0.0)


def _message(seconds: float) -> str:
    return f"the cell ran longer than {seconds:g} s, the build's limit per cell (MM_CELL_TIMEOUT)"


def run_cell_limited(source: str, *, cell_id: str, seconds: float | None = None, **kwargs) -> CellResult:
    """``run_cell(source, cell_id=...)`` that raises ``CellTimeout`` past ``seconds`` (default: the env)."""
    limit = cell_time_limit() if seconds is None else seconds
    if limit <= 0:
        return run_cell(source, cell_id=cell_id, **kwargs)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_alarm(source, cell_id, limit, kwargs)
    return _with_async_exc(source, cell_id, limit, kwargs)


def _with_alarm(source: str, cell_id: str, limit: float, kwargs: dict) -> CellResult:
    state = {"done": False}

    def on_alarm(signum, frame):
        if not state["done"]:
            raise _Expired()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit, 1.0)
    try:
        return _run(source, cell_id, limit, kwargs)
    finally:
        state["done"] = True
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_async_exc(source: str, cell_id: str, limit: float, kwargs: dict) -> CellResult:
    target = threading.get_ident()
    done = threading.Event()

    def watch():
        if done.wait(limit):
            return
        while not done.is_set():   # again every second, until the cell has really ended
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(_Expired))
            if done.wait(1.0):
                break

    watcher = threading.Thread(target=watch, daemon=True, name=f"time limit {cell_id}")
    watcher.start()
    try:
        return _run(source, cell_id, limit, kwargs)
    finally:
        done.set()
