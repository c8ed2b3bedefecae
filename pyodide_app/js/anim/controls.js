/**
 * The animation controls under a figure: real buttons (`data-action="play|pause|step|step-back"`),
 * a timeline (`<input type=range data-action="scrub">`), loop, speed (steps per second) and
 * "per work" (normalize the speed by the cycle length). Keyboard on the bar: Space plays/pauses,
 * ←/→ step back/forward.
 *
 * @example
 *   const bar = createControls(anchorEl, {onAction: (name, value) => ...});
 *   bar.update({step: 3, cycle: 256, playing: true, speed: 16, normalize: false, loop: true});
 *   bar.remove();
 */

let uid = 0;

/**
 * @param {HTMLElement} anchor the figure container; the bar is inserted right after it
 * @param {{onAction: (name: string, value?: any) => void}} opts
 */
export function createControls(anchor, { onAction }) {
  const id = `mm-anim-${++uid}`;
  const bar = document.createElement("div");
  bar.className = "mm-anim";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Animation controls");
  bar.dataset.mmAnim = "";
  bar.style.cssText = "display:flex;flex-wrap:wrap;align-items:center;gap:.4em;margin:.3em 0;font-size:.8rem";

  const button = (action, text, label) => {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.title = label;
    b.className = "md-button mm-anim__button";
    b.style.cssText = "padding:.1em .6em;min-width:4em";
    bar.appendChild(b);
    return b;
  };
  const back = button("step-back", "Back", "Step back");
  const play = button("play", "Play", "Play");
  const fwd = button("step", "Step", "Step forward");

  const scrub = document.createElement("input");
  scrub.type = "range";
  scrub.min = "0";
  scrub.step = "1";
  scrub.dataset.action = "scrub";
  scrub.id = `${id}-scrub`;
  scrub.setAttribute("aria-label", "Animation step");
  scrub.style.cssText = "flex:1 1 10em;min-width:6em";
  bar.appendChild(scrub);

  const readout = document.createElement("output");
  readout.htmlFor = scrub.id;
  readout.dataset.mmAnimStep = "";
  readout.style.cssText = "font-variant-numeric:tabular-nums;min-width:6em";
  bar.appendChild(readout);

  const check = (action, text) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.action = action;
    label.append(box, " ", text);
    bar.appendChild(label);
    return box;
  };
  const loop = check("loop", "loop");

  const speedLabel = document.createElement("label");
  const speed = document.createElement("input");
  speed.type = "number";
  speed.min = "0.5";
  speed.max = "240";
  speed.step = "0.5";
  speed.dataset.action = "speed";
  speed.style.width = "4.2em";
  speedLabel.append(speed, " steps/s");
  bar.appendChild(speedLabel);
  const normalize = check("normalize", "per work");
  normalize.parentElement.title = "scale the speed by the amount of work (a long cycle plays faster)";

  play.addEventListener("click", () => onAction(play.dataset.action));
  back.addEventListener("click", () => onAction("step-back"));
  fwd.addEventListener("click", () => onAction("step"));
  scrub.addEventListener("input", () => onAction("scrub", Number(scrub.value)));
  loop.addEventListener("change", () => onAction("loop", loop.checked));
  normalize.addEventListener("change", () => onAction("normalize", normalize.checked));
  speed.addEventListener("change", () => onAction("speed", Number(speed.value)));
  bar.addEventListener("keydown", (ev) => {
    if (ev.target === speed) return;
    if (ev.key === " ") onAction(play.dataset.action);
    else if (ev.key === "ArrowRight") onAction("step");
    else if (ev.key === "ArrowLeft") onAction("step-back");
    else return;
    ev.preventDefault();
  });
  anchor.insertAdjacentElement("afterend", bar);

  /** @param {{step: number, cycle: number, playing: boolean, speed: number, normalize: boolean, loop: boolean}} s */
  function update(s) {
    play.dataset.action = s.playing ? "pause" : "play";
    play.textContent = s.playing ? "Pause" : "Play";
    play.setAttribute("aria-label", s.playing ? "Pause" : "Play");
    play.title = play.getAttribute("aria-label");
    play.setAttribute("aria-pressed", String(s.playing));
    scrub.max = String(Math.max(0, s.cycle - 1));
    if (Number(scrub.value) !== s.step) scrub.value = String(s.step);
    readout.value = `${s.step + 1} / ${s.cycle}`;
    loop.checked = s.loop;
    normalize.checked = s.normalize;
    if (document.activeElement !== speed) speed.value = String(s.speed);
    bar.dataset.state = s.playing ? "playing" : "paused";
    bar.dataset.step = String(s.step);
  }

  return { element: bar, update, remove: () => bar.remove() };
}
