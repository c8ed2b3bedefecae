/**
 * The figure's settings menu (opened by the ⚙ toolbar button): colour scale (the scene's own rule
 * or a sensitivity override), legends, row guides, and the magnifier's magnification, lens size and
 * spotlight radius. Each change calls `onChange({key: value})` once; `show(display)` fills the
 * controls from display settings without calling it.
 *
 * @example
 *   const menu = createSettingsMenu(document, (change) => figure.setState({display: change}));
 *   wrapper.appendChild(menu.element);
 *   menu.show({sensitivity: "local", legends: true, rowGuides: false, magnification: 7, lensSize: 0.5, spotlight: 2});
 */
import { SENSITIVITIES } from "./display-settings.js";

/** [key, label, kind, extra]: kind "select" (options), "check", or "range" ([min, max, step]). */
const CONTROLS = [
  ["sensitivity", "Colour scale", "select", [["", "as the figure"], ...SENSITIVITIES.map((s) => [s, s])]],
  ["legends", "Legends", "check"],
  ["rowGuides", "Row guides", "check"],
  ["magnification", "Magnification", "range", [1, 25, 1]],
  ["lensSize", "Lens size", "range", [0.1, 1, 0.05]],
  ["spotlight", "Spotlight", "range", [0, 10, 0.5]],
];

/**
 * @param {Document} doc
 * @param {(change: object) => void} onChange
 */
export function createSettingsMenu(doc, onChange) {
  const element = doc.createElement("div");
  element.className = "mm-fig__menu";
  element.setAttribute("role", "group");
  element.setAttribute("aria-label", "Display settings");
  element.hidden = true;
  const inputs = {};
  for (const [key, text, kind, extra] of CONTROLS) {
    const label = doc.createElement("label");
    label.textContent = text;
    let input;
    if (kind === "select") {
      input = doc.createElement("select");
      for (const [value, name] of extra) {
        const o = doc.createElement("option");
        o.value = value;
        o.textContent = name;
        input.appendChild(o);
      }
    } else {
      input = doc.createElement("input");
      input.type = kind === "check" ? "checkbox" : "range";
      if (kind === "range") [input.min, input.max, input.step] = extra.map(String);
    }
    input.id = `mm-fig-${key}-${Math.random().toString(36).slice(2, 8)}`;
    input.dataset.setting = key;
    label.htmlFor = input.id;
    input.addEventListener("change", () => {
      const value = kind === "select" ? (input.value || null) : kind === "check" ? input.checked : Number(input.value);
      onChange({ [key]: value });
    });
    input.addEventListener("keydown", (ev) => ev.stopPropagation());   // arrows change the control, not the camera
    inputs[key] = input;
    element.append(label, input);
  }
  return {
    element,
    inputs,
    /** Show display settings in the controls. */
    show(display) {
      for (const [key, , kind] of CONTROLS) {
        const input = inputs[key];
        if (kind === "select") input.value = display[key] || "";
        else if (kind === "check") input.checked = !!display[key];
        else input.value = String(display[key]);
        if (kind === "range") input.title = String(display[key]);
      }
    },
  };
}
