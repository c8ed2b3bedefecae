/**
 * The HTML around a figure's canvas: the wrapper, the view buttons (fit, reset, front, top, left,
 * isometric, spin), the export buttons (PNG, code, mm link), the settings menu, the "no WebGL2"
 * message and the stylesheet they share (injected once).
 *
 * @example
 *   const ui = createFigureShell(container, {onAction: (name) => ..., onSettings: (change) => ...});
 *   ui.wrapper; ui.toolbar; ui.setSpinPressed(true); ui.showMessage("..."); ui.remove();
 *   ui.menu.show(display);   // fill the settings menu from display settings (display-settings.js)
 */
import { createSettingsMenu } from "./settings-menu.js";

const STYLE_ID = "mm-fig-style";
const CSS = `
.mm-fig { position: relative; width: 100%; overflow: hidden; outline: none; border-radius: 4px;
  font: 12px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; touch-action: none; }
.mm-fig:focus-visible { box-shadow: 0 0 0 2px var(--md-accent-fg-color, #526cfe); }
.mm-fig > canvas { display: block; width: 100%; height: 100%; }
.mm-fig__still { position: absolute; inset: 0; width: 100%; height: 100%; }
.mm-fig__toolbar { position: absolute; top: 6px; right: 6px; display: flex; gap: 3px; flex-wrap: wrap;
  justify-content: flex-end; opacity: 0.85; }
.mm-fig__toolbar button { font: inherit; padding: 2px 6px; border-radius: 3px; cursor: pointer;
  border: 1px solid var(--mm-fig-line); background: var(--mm-fig-button); color: var(--mm-fig-text); }
.mm-fig__toolbar button[aria-pressed="true"] { background: var(--mm-fig-line); }
.mm-fig__toolbar button:disabled { opacity: 0.4; cursor: default; }
.mm-fig__legend { position: absolute; left: 8px; bottom: 6px; color: var(--mm-fig-text);
  background: var(--mm-fig-button); padding: 4px 6px; border-radius: 3px; pointer-events: none; }
.mm-fig .mm-fig__legend-bar { display: block; width: 160px; height: 10px; }   /* beats page rules for figure canvases */
.mm-fig__legend-ends { display: flex; justify-content: space-between; width: 160px; }
.mm-fig__legend-mode { opacity: 0.8; max-width: 220px; }
.mm-fig__tip { position: absolute; pointer-events: none; white-space: pre; z-index: 2; padding: 3px 6px;
  border-radius: 3px; font: 12px/1.35 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color: var(--mm-fig-text); background: var(--mm-fig-button); border: 1px solid var(--mm-fig-line); }
.mm-fig__lens { position: absolute; z-index: 1; pointer-events: none; box-sizing: border-box; overflow: hidden;
  border: 2px solid var(--mm-fig-text); border-radius: 3px; box-shadow: 0 0 0 1px var(--mm-fig-button); }
.mm-fig__lens-label { position: absolute; transform: translate(-50%, -50%); white-space: nowrap; color: #fff;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; line-height: 1;
  text-shadow: 0 0 2px #000, 0 0 2px #000; }
.mm-fig__menu { position: absolute; top: 32px; right: 6px; z-index: 3; padding: 6px 8px; border-radius: 4px;
  display: grid; grid-template-columns: auto auto; gap: 4px 8px; align-items: center; color: var(--mm-fig-text);
  background: var(--mm-fig-button); border: 1px solid var(--mm-fig-line); }
.mm-fig__menu[hidden], .mm-fig__lens[hidden] { display: none; }
.mm-fig__menu select, .mm-fig__menu input[type=range] { font: inherit; max-width: 130px; }
.mm-fig__message { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  padding: 1em; text-align: center; color: var(--mm-fig-text); }
`;

/** Buttons of the toolbar: [action, text, accessible label]. */
export const BUTTONS = [
  ["fit", "Fit", "Fit the figure to the view"],
  ["reset", "Reset", "Reset the camera"],
  ["front", "Front", "View from the front"],
  ["top", "Top", "View from the top"],
  ["left", "Left", "View from the left"],
  ["isometric", "Iso", "Iso: isometric view"],
  ["spin", "Spin", "Auto-spin (space bar)"],
  ["png", "PNG", "Save the figure as a PNG image (2x)"],
  ["code", "Code", "Save the figure's Python code as a .py file"],
  ["mm", "mm", "Copy the link that opens this figure in mm"],
  ["settings", "⚙", "Display settings"],
];

function injectStyle(doc) {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  doc.head.appendChild(style);
}

/**
 * @param {HTMLElement} container
 * @param {{onAction: (name: string) => void, onSettings?: (change: object) => void, label?: string}} opts
 */
export function createFigureShell(container, { onAction, onSettings = () => {}, label = "" }) {
  const doc = container.ownerDocument;
  injectStyle(doc);
  const wrapper = doc.createElement("div");
  wrapper.className = "mm-fig";
  wrapper.tabIndex = 0;
  wrapper.setAttribute("aria-roledescription", "3D figure");
  wrapper.setAttribute("aria-label", label ? `3D figure: ${label}. Drag to orbit, scroll to zoom, space toggles spin, M opens the magnifier (arrows move it).` :
    "3D figure. Drag to orbit, scroll to zoom, space toggles spin, M opens the magnifier (arrows move it).");

  const toolbar = doc.createElement("div");
  toolbar.className = "mm-fig__toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Figure view");
  const buttons = {};
  for (const [action, text, aria] of BUTTONS) {
    const b = doc.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = aria;
    b.setAttribute("aria-label", aria);
    b.dataset.figAction = action;
    if (action === "spin" || action === "settings") b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", (ev) => {
      ev.stopPropagation();
      onAction(action);
    });
    buttons[action] = b;
    toolbar.appendChild(b);
  }
  wrapper.appendChild(toolbar);
  const menu = createSettingsMenu(doc, onSettings);
  wrapper.appendChild(menu.element);
  container.appendChild(wrapper);

  let message = null;
  return {
    wrapper, toolbar, buttons, menu,
    /** Open or close the settings menu; returns whether it is open. */
    toggleMenu(open = menu.element.hidden) {
      menu.element.hidden = !open;
      buttons.settings.setAttribute("aria-pressed", open ? "true" : "false");
      return open;
    },
    setSpinPressed(on) { buttons.spin.setAttribute("aria-pressed", on ? "true" : "false"); },
    /** Show a plain message instead of the figure (e.g. no WebGL2). */
    showMessage(text) {
      if (!message) {
        message = doc.createElement("div");
        message.className = "mm-fig__message";
        message.setAttribute("role", "status");
        wrapper.appendChild(message);
      }
      message.textContent = text;
      toolbar.hidden = true;
    },
    /** Colours of the HTML parts for a palette. */
    setPalette(p) {
      wrapper.style.background = p.background;
      wrapper.style.setProperty("--mm-fig-text", p.text);
      wrapper.style.setProperty("--mm-fig-line", p.name === "dark" ? "#4a505e" : "#c4c8d0");
      wrapper.style.setProperty("--mm-fig-button", p.name === "dark" ? "rgba(30,33,41,0.85)" : "rgba(255,255,255,0.85)");
    },
    remove() { wrapper.remove(); },
  };
}

/** Save a blob as a file download; the name is made safe for file systems. */
export function downloadBlob(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name.replace(/[^\w@ .=-]+/g, "_").trim() || "figure.png";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
