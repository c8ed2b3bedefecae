// The cell's editor, loaded when the reader starts editing. Until then the page's own highlighted code (the
// hook's static HTML) stays in place and the code is a plain string; the CodeMirror 6 editor (editor-cm.js, a
// chunk of its own) replaces it on the first focus, click or key in the code, or at once when the code to show
// differs from the static HTML (an edit kept in storage, a share link, the playground's mm link).
// Ctrl/Cmd+Enter runs the cell in both forms.
//
// Example:
//   const ed = createEditor(el, "A @ B", { onRun: () => run(), onChange: (code) => save(code) });
//   ed.getCode(); ed.setCode("A"); await ed.load(); ed.destroy();

/**
 * @typedef {{getCode: () => string, setCode: (code: string) => void, focus: () => void, load: () => Promise<void>,
 *            destroy: () => void, readonly loaded: boolean}} CellEditor
 */

/** The static code's text, compared without trailing white space. */
const same = (a, b) => a.replace(/\s+$/, "") === b.replace(/\s+$/, "");

/**
 * @param {HTMLElement} parent  the element holding the static code; the editor replaces its content
 * @param {string} code         initial text
 * @param {{onRun?: () => void, onChange?: (code: string) => void, label?: string}} [opts]
 * @returns {CellEditor}
 */
export function createEditor(parent, code, opts = {}) {
  let text = code;
  /** @type {any} the CodeMirror editor once loaded */
  let cm = null;
  /** @type {Promise<void> | null} */
  let loading = null;
  let destroyed = false;
  let focusWhenLoaded = false;   // focus() asked for the editor: it takes the focus once loaded
  /** @type {{x: number, y: number} | null} where the reader clicked in the static code */
  let clickAt = null;

  const prevTab = parent.getAttribute("tabindex");
  parent.setAttribute("tabindex", "0");   // the static code takes the keyboard focus too
  if (!parent.hasAttribute("aria-label")) parent.setAttribute("aria-label", opts.label || "Python code of the cell");

  // the theme's copy button over the static code keeps working (its click must not find the code replaced)
  const onButton = (ev) => Boolean(ev.target?.closest?.("button"));
  const onPointer = (ev) => {
    if (onButton(ev)) return;
    clickAt = { x: ev.clientX, y: ev.clientY };
    load();
  };
  const onFocus = (ev) => {
    if (!onButton(ev)) load();
  };
  const onKey = (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      opts.onRun?.();
    }
  };
  parent.addEventListener("pointerdown", onPointer);
  parent.addEventListener("focusin", onFocus);
  parent.addEventListener("keydown", onKey);
  const unlisten = () => {
    parent.removeEventListener("pointerdown", onPointer);
    parent.removeEventListener("focusin", onFocus);
    parent.removeEventListener("keydown", onKey);
  };

  function load() {
    if (!loading) {
      loading = import("./editor-cm.js").then(({ createCodeMirror }) => {
        if (destroyed) return;
        unlisten();
        // the reader's focus stays where it is now: in the code, the editor takes it (and a click's caret); a
        // reader who tabbed or clicked on while the chunk loaded keeps the focus they moved
        const hadFocus = parent.contains(document.activeElement);
        if (prevTab === null) parent.removeAttribute("tabindex"); else parent.setAttribute("tabindex", prevTab);
        parent.removeAttribute("aria-label");
        cm = createCodeMirror(parent, text, opts);
        if (focusWhenLoaded || hadFocus) {
          cm.focus();
          const pos = clickAt && hadFocus ? cm.view.posAtCoords(clickAt) : null;
          if (pos !== null) cm.view.dispatch({ selection: { anchor: pos } });
        }
      }).catch((err) => {
        loading = null;   // a failed chunk load is retried on the next focus
        console.error("mm: the editor could not be loaded", err);
      });
    }
    return loading;
  }

  if (!same(code, parent.textContent || "")) load();

  return {
    get loaded() { return cm !== null; },
    getCode: () => (cm ? cm.getCode() : text),
    setCode(next) {
      if (cm) { cm.setCode(next); return; }
      text = next;
      if (!same(next, parent.textContent || "")) load();
    },
    focus() {
      if (cm) cm.focus();
      else { focusWhenLoaded = true; load(); }
    },
    load,
    destroy() {
      destroyed = true;
      unlisten();
      cm?.destroy();
    },
  };
}
