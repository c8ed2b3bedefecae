// Whether this page is the playground opening an mm link (`?mm=` in its query and a cell that autoruns it).
// Shared by the page bundle (app.js) and the page's early script (early.js), which each get their own copy.
//
// Example: opensMmLink([...document.querySelectorAll("[data-mm-cell]")])   // true on playground/?mm=...

/** @param {Element[]} cells the page's `[data-mm-cell]` elements @param {string} [search] the page's query */
export function opensMmLink(cells, search = location.search) {
  return /(?:^|[?&])mm=./.test(search.slice(1))
    && cells.some((el) => /** @type {HTMLElement} */ (el).dataset.autorun === "mm-link");
}
