// CodeMirror 6 editor for a cell: Python, line numbers, history, Ctrl/Cmd+Enter runs. Loaded on demand
// (its own chunk) by editor.js when the reader starts editing.
// Colours come from Material's CSS variables (see pyodide_app/css/mm.css), so light/dark follow the palette
// without reconfiguring the editor.
//
// Example:
//   const ed = createCodeMirror(el, "A @ B", { onRun: () => run(), onChange: (code) => save(code) });
//   ed.getCode(); ed.setCode("A"); ed.destroy();

import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { syntaxHighlighting, indentOnInput, bracketMatching } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { classHighlighter } from "@lezer/highlight";

/**
 * @typedef {{view: EditorView, getCode: () => string, setCode: (code: string) => void, focus: () => void,
 *            destroy: () => void}} CellEditor
 */

/**
 * @param {HTMLElement} parent  the element whose content the editor replaces
 * @param {string} code         initial text
 * @param {{onRun?: () => void, onChange?: (code: string) => void, label?: string}} [opts]
 * @returns {CellEditor}
 */
export function createCodeMirror(parent, code, opts = {}) {
  const runKeys = keymap.of([
    { key: "Mod-Enter", preventDefault: true, run: () => { opts.onRun?.(); return true; } },
  ]);
  let silent = false;
  const state = EditorState.create({
    doc: code,
    extensions: [
      runKeys,
      lineNumbers(),
      history(),
      drawSelection(),
      highlightActiveLine(),
      indentOnInput(),
      bracketMatching(),
      python(),
      EditorView.lineWrapping, // long lines (e.g. an mm link) wrap instead of scrolling sideways
      syntaxHighlighting(classHighlighter),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.contentAttributes.of({ "aria-label": opts.label || "Python code of the cell" }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && !silent) opts.onChange?.(u.state.doc.toString());
      }),
    ],
  });
  parent.replaceChildren();
  const view = new EditorView({ state, parent });
  return {
    view,
    getCode: () => view.state.doc.toString(),
    setCode(next) {
      silent = true;
      try {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
      } finally {
        silent = false;
      }
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
