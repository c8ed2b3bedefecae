"""mm's figure in Jupyter: an anywidget that draws a scene with the site's renderer (offline).

``mmcore.layout(expr)`` (a Scene) and a bare expression display as this widget in a notebook
(JupyterLab, Notebook 7, VS Code, marimo: anywidget's hosts): orbit, zoom, inspect values and play
animations in the browser, with no round trip to the kernel. The renderer's JavaScript ships inside
the Python package (``pyodide_app/static/mm/widget.js``), never from a CDN.

Needs ``anywidget`` (``pip install "matmul-atlas[notebook]"``); ``import mmcore`` never imports it
(Pyodide and plain scripts don't need it): the display hooks of ``Expr`` and ``Scene`` import this
module only inside a Jupyter kernel.

State you can set or read from Python:

* ``w.step = 10`` moves an animated figure to step 10 (and pauses it); ``-1`` leaves it to the player;
* ``w.camera`` is ``{"position": [x, y, z], "target": [...], "up": [...]}``, updated when the reader
  ends a camera move; assigning it moves the camera;
* ``w.view = "front"`` (or ``"top"``, ``"left"``, ``"isometric"``) frames the figure from that side;
* ``png = await w.screenshot()`` gives the figure as PNG bytes. It round-trips through the frontend
  (the browser draws the PNG), so it needs a live view of the widget, and it is awaited so that the
  kernel can take the answer while the cell waits (ipykernel >= 7.4 dispatches widget messages during
  an awaiting cell). Without a frontend it raises ``TimeoutError`` after ``timeout`` seconds, saying so.

Where no kernel runs the JavaScript (nbconvert's HTML, a notebook viewer), the output's ``text/html``
(which ``jupyter nbconvert --to mm-html`` prefers to the widget view; plain ``--to html`` loads the
widget manager from a CDN) is a self-contained figure (the renderer inlined, the scene as base64); where scripts cannot run at
all (GitHub's viewer) it shows a note instead. ``MMWidget.html_fallback = False`` leaves it out
(each fallback carries the ~0.6 MB renderer).

Example (in a notebook):
    >>> import mmcore
    >>> A = mmcore.matrix("A", 8, 6, init="rows")
    >>> from mmcore.widget import figure
    >>> w = figure(A @ mmcore.matrix("B", 6, 4), height=360)   # doctest: +SKIP
    >>> w.view = "front"; w.step = 3; png = await w.screenshot()             # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import json
import os
import pathlib
import uuid
from typing import Any

__all__ = ["figure", "MMWidget", "static_html", "mimebundle", "widget_asset", "VIEWS"]

VIEWS = ("front", "top", "left", "isometric")
_NOTE = ("Interactive 3D figure (Matmul Atlas): it needs JavaScript. Open the notebook in Jupyter, or the "
         "exported HTML in a browser, to see it.")


def widget_asset(name: str = "widget.js") -> pathlib.Path:
    """Path of a built renderer bundle: ``widget.js`` (ES module) or ``widget-static.js`` (classic script).

    Looked up in ``$MM_WIDGET_DIR``, then the installed ``pyodide_app/static/mm/``, then this source tree.
    """
    places = []
    if os.environ.get("MM_WIDGET_DIR"):
        places.append(pathlib.Path(os.environ["MM_WIDGET_DIR"]))
    try:
        import pyodide_app

        places.append(pathlib.Path(pyodide_app.__file__).resolve().parent / "static" / "mm")
    except ImportError:
        pass
    places.append(pathlib.Path(__file__).resolve().parent.parent / "pyodide_app" / "static" / "mm")
    for place in places:
        if (place / name).is_file():
            return place / name
    raise FileNotFoundError(f"the widget's renderer bundle {name} is not built (looked in "
                            f"{', '.join(str(p) for p in places)}); in a source checkout run `npm run build`")


def _scene_bytes(figure: Any) -> bytes:
    from mmcore.cell import _is_figure, _scene_bytes as to_bytes
    from mmcore.errors import MMError

    if isinstance(figure, (bytes, bytearray, memoryview)):
        return bytes(figure)
    if not _is_figure(figure):
        raise MMError(f"widget: expected an mmcore expression, a Scene or scene bytes, got {type(figure).__name__}")
    return to_bytes(figure)


def _label(scene: bytes) -> str:
    try:
        n = int.from_bytes(scene[8:12], "little")
        return str(json.loads(scene[12:12 + n].decode("utf-8")).get("title") or "")
    except (ValueError, UnicodeDecodeError):
        return ""


def static_html(figure: Any, *, height: int = 420, theme: str = "light", step: int = -1,
                camera: dict | None = None, view: str = "") -> str:
    """Self-contained HTML of the figure: the renderer inlined as a classic script, the scene as base64.

    Runs where a page runs scripts (nbconvert's HTML export, a saved page); elsewhere the note stays.

    Examples:
        >>> import mmcore
        >>> page = static_html(mmcore.matrix("A", 2, 3) @ mmcore.matrix("B", 3, 2))   # doctest: +SKIP
        >>> "mmAtlasWidget" in page                                                    # doctest: +SKIP
        True
    """
    scene = _scene_bytes(figure)
    bundle = widget_asset("widget-static.js").read_text(encoding="utf-8")
    bundle = bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    fid = "mm-static-" + uuid.uuid4().hex[:12]
    options = {"height": int(height), "label": _label(scene), "theme": theme, "step": int(step),
               "camera": camera or {}, "view": view}
    return (
        f'<div class="mm-static" id="{fid}" data-mm-static="true" style="min-height:{int(height)}px">'
        f'<p class="mm-static__note" style="font:14px sans-serif;color:#666">{html.escape(_NOTE)}</p></div>\n'
        f"<script>\n{bundle}\n</script>\n"
        "<script>(function () {\n"
        f"  var el = document.getElementById({json.dumps(fid)});\n"
        "  if (!el || !window.mmAtlasWidget) return;\n"
        "  el.removeChild(el.querySelector('.mm-static__note'));\n"
        f"  (window.mmAtlasWidget.default || window.mmAtlasWidget).mountStatic(el, {json.dumps(base64.b64encode(scene).decode('ascii'))},"
        f" {json.dumps(options)});\n"
        "})();</script>\n"
    )


def _in_kernel() -> bool:
    """True inside a Jupyter kernel (not a terminal IPython, not plain Python, not Pyodide)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def mimebundle(figure: Any, include=None, exclude=None) -> dict:
    """The display data of an expression or scene: the widget (in a kernel with anywidget), its static
    HTML fallback, and text. Outside a kernel only ``text/plain`` (no import of anywidget)."""
    text = repr(figure)
    if not _in_kernel():
        return {"text/plain": text}
    try:
        w = figure_widget(figure)
    except ImportError:   # anywidget missing: the static figure still shows where scripts run
        return {"text/plain": text, "text/html": static_html(figure)}
    data = w._repr_mimebundle_(include=include, exclude=exclude)
    data = data[0] if isinstance(data, tuple) else data
    data["text/plain"] = text
    return data


_WIDGET_CLASS = None


def _widget_class():
    global _WIDGET_CLASS
    if _WIDGET_CLASS is not None:
        return _WIDGET_CLASS
    import anywidget
    import traitlets

    class MMWidget(anywidget.AnyWidget):
        """One figure: ``scene`` holds the wire-format bytes; see the module docstring for the state."""

        _esm = widget_asset("widget.js")
        scene = traitlets.Bytes(b"").tag(sync=True)
        height = traitlets.Int(420).tag(sync=True)
        label = traitlets.Unicode("").tag(sync=True)
        theme = traitlets.Unicode("light").tag(sync=True)
        step = traitlets.Int(-1).tag(sync=True)
        camera = traitlets.Dict({}).tag(sync=True)
        view = traitlets.Unicode("").tag(sync=True)
        #: add the self-contained HTML figure to the display data (nbconvert, notebook viewers)
        html_fallback = True

        def __init__(self, figure=None, **kwargs):
            if figure is not None:
                kwargs["scene"] = _scene_bytes(figure)
                kwargs.setdefault("label", _label(kwargs["scene"]))
            super().__init__(**kwargs)
            self._pending: dict[str, tuple] = {}    # screenshot id -> (event loop, future)
            self.on_msg(self._on_frontend_msg)

        @traitlets.validate("view")
        def _check_view(self, proposal):
            if proposal["value"] not in ("",) + VIEWS:
                raise traitlets.TraitError(f"view: expected one of {', '.join(VIEWS)}, got {proposal['value']!r}")
            return proposal["value"]

        @traitlets.validate("theme")
        def _check_theme(self, proposal):
            if proposal["value"] not in ("light", "dark"):
                raise traitlets.TraitError(f"theme: expected 'light' or 'dark', got {proposal['value']!r}")
            return proposal["value"]

        def show(self, figure) -> None:
            """Draw another expression or scene in this widget."""
            self.scene = _scene_bytes(figure)
            self.label = _label(self.scene)

        def _on_frontend_msg(self, _widget, content, buffers):
            if isinstance(content, dict) and content.get("type") == "screenshot" and content.get("id") in self._pending:
                loop, future = self._pending[content["id"]]
                answer = (content.get("error"), bytes(buffers[0]) if buffers else None)
                loop.call_soon_threadsafe(lambda: future.done() or future.set_result(answer))

        async def screenshot(self, scale: float = 2, timeout: float = 10.0) -> bytes:
            """The figure as PNG bytes at ``scale`` × the screen's resolution: ``png = await w.screenshot()``.

            The browser draws it, so a view of this widget must be live in a frontend; the kernel
            takes the answer while the cell awaits (a blocking wait would hold the message loop).
            Without a frontend (a script, nbclient) this raises ``TimeoutError`` after ``timeout`` s.
            """
            import asyncio

            loop = asyncio.get_running_loop()
            req = uuid.uuid4().hex
            future = loop.create_future()
            self._pending[req] = (loop, future)
            try:
                self.send({"type": "screenshot", "id": req, "scale": scale})
                error, png = await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                raise TimeoutError(
                    f"MMWidget.screenshot: no answer from the frontend in {timeout:g} s. The PNG is drawn by the "
                    "browser, so the widget must be displayed in a live notebook view (JupyterLab, Notebook 7, VS "
                    "Code); in a script, nbclient or nbconvert there is no frontend to draw it.") from None
            finally:
                self._pending.pop(req, None)
            if error or not png:
                raise RuntimeError(f"MMWidget.screenshot: the frontend could not draw the figure: {error}")
            return png

        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            data = data[0] if isinstance(data, tuple) else data
            if data is not None and self.html_fallback and self.scene:
                data["text/html"] = static_html(bytes(self.scene), height=self.height, theme=self.theme,
                                                step=self.step, camera=self.camera, view=self.view)
            return data

    _WIDGET_CLASS = MMWidget
    return MMWidget


def figure_widget(figure: Any = None, **kwargs):
    """An ``MMWidget`` for an expression, a Scene or scene bytes (see :func:`figure`)."""
    return _widget_class()(figure, **kwargs)


def figure(expr: Any, *, height: int = 420, theme: str = "light", step: int = -1,
           camera: dict | None = None, view: str = ""):
    """The widget of ``expr`` (an expression, a Scene from ``mmcore.layout`` or scene bytes).

    ``height`` in pixels; ``step`` an animation step (-1: the player's own); ``view`` one of
    ``front``, ``top``, ``left``, ``isometric``. Displaying an expression or a scene in a notebook
    does the same with the defaults.
    """
    return figure_widget(expr, height=height, theme=theme, step=step, camera=camera or {}, view=view)


_EXPORTER_CLASS = None


def _exporter_class():
    """nbconvert's HTML exporter with the static figure preferred to the widget view (offline HTML)."""
    global _EXPORTER_CLASS
    if _EXPORTER_CLASS is None:
        from nbconvert.exporters import HTMLExporter as _Base

        class HTMLExporter(_Base):
            """``jupyter nbconvert --to mm-html nb.ipynb``: like ``--to html``, but a figure shows as its
            self-contained static HTML (works offline) instead of a widget view that needs a CDN."""

            export_from_notebook = "HTML (Matmul Atlas figures inline)"

            @property
            def default_config(self):
                c = super().default_config
                prio = list(c.NbConvertBase.display_data_priority)
                prio.remove("text/html")
                c.NbConvertBase.display_data_priority = ["text/html"] + prio
                return c

        _EXPORTER_CLASS = HTMLExporter
    return _EXPORTER_CLASS


def __getattr__(name: str):
    if name == "MMWidget":   # the class needs anywidget: built on first use
        return _widget_class()
    if name == "HTMLExporter":   # needs nbconvert (entry point nbconvert.exporters: mm-html)
        return _exporter_class()
    raise AttributeError(f"module 'mmcore.widget' has no attribute {name!r}")
