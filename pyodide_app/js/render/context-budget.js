/**
 * A budget of live WebGL contexts per page. Browsers keep only about 16 (fewer on phones) and
 * silently drop the oldest beyond that, so a page with many figures keeps at most MAX_LIVE
 * contexts: a figure that is far off screen gives its context back (it shows a still image of its
 * last frame) and takes one again when it scrolls near the view.
 *
 * Members implement {attach(): boolean, detach(): void, attached: boolean} and are tracked by
 * visibility (IntersectionObserver) and by the time they were last visible.
 *
 * @example
 *   const member = { attach() {...}, detach() {...}, get attached() {...} };
 *   const handle = joinBudget(member, wrapperElement);   // attaches now if the budget allows
 *   handle.leave();                                       // on dispose
 */

export const MAX_LIVE = 12;
const MARGIN_PX = 300;            // "near the view": within this distance of the viewport

/** Whether an element is on or near the screen now (synchronous; used before the observer reports). */
function nearView(element) {
  if (typeof element.getBoundingClientRect !== "function") return true;
  const r = element.getBoundingClientRect();
  const h = window.innerHeight || document.documentElement.clientHeight || 0;
  return r.bottom >= -MARGIN_PX && r.top <= h + MARGIN_PX;
}

/** @type {Set<{member: object, element: Element, visible: boolean, seen: number}>} */
const entries = new Set();
let observer = null;

function ensureObserver() {
  if (observer || typeof IntersectionObserver !== "function") return observer;
  observer = new IntersectionObserver((records) => {
    for (const rec of records) {
      const entry = rec.target.__mmBudget;
      if (!entry) continue;
      entry.visible = rec.isIntersecting;
      entry.seen = performance.now();
      if (entry.visible && !entry.member.attached) {
        makeRoom(entry);
        entry.member.attach();
      }
    }
    makeRoom(null);
  }, { rootMargin: `${MARGIN_PX}px 0px` });
  return observer;
}

/**
 * Detach the least recently seen off-screen members until the live ones fit the budget (with room
 * for `except`, about to attach, when given). On-screen members are never detached.
 */
function makeRoom(except) {
  const limit = except ? MAX_LIVE - 1 : MAX_LIVE;
  const live = () => [...entries].filter((e) => e !== except && e.member.attached);
  if (live().length <= limit) return;
  const candidates = live().filter((e) => !e.visible).sort((a, b) => a.seen - b.seen);
  for (const e of candidates) {
    if (live().length <= limit) break;
    e.member.detach();
  }
}

/** Number of members holding a context now. */
export function liveCount() {
  return [...entries].filter((e) => e.member.attached).length;
}

/**
 * Add a figure to the budget and attach it (making room first).
 * @param {{attach: () => boolean, detach: () => void, attached: boolean}} member
 * @param {Element} element the figure's element, watched for visibility
 */
export function joinBudget(member, element) {
  const entry = { member, element, visible: nearView(element), seen: performance.now() };
  entries.add(entry);
  element.__mmBudget = entry;
  if (entry.visible || liveCount() < MAX_LIVE) {
    makeRoom(entry);
    member.attach();
  }
  ensureObserver()?.observe(element);
  return {
    /** Mark as just used (e.g. on interaction) so it is the last to be detached. */
    touch() { entry.seen = performance.now(); },
    leave() {
      entries.delete(entry);
      observer?.unobserve(element);
      delete element.__mmBudget;
    },
  };
}
