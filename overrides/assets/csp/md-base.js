// Material for MkDocs' inline head script (MIT licence, squidfunk), as a file so the pages need no inline
// script under their Content Security Policy. The scope comes from the tag's data-md-scope (the page's
// base URL), which Material's template wrote into the inline script. One change: when the browser refuses
// localStorage (some private modes) or holds a damaged entry, Material's settings read as unset instead of
// throwing, and are kept in memory for the tab.
__md_scope = new URL(document.currentScript.getAttribute("data-md-scope"), location);
__md_hash = (e) => [...e].reduce((e, _) => (e << 5) - e + _.charCodeAt(0), 0);
__md_memory = (() => {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
})();
__md_storage = () => {
  try {
    return localStorage;
  } catch (e) {
    return __md_memory;
  }
};
__md_get = (e, _ = __md_storage(), t = __md_scope) => {
  try {
    return JSON.parse(_.getItem(t.pathname + "." + e));
  } catch (err) {
    return null;
  }
};
__md_set = (e, _, t = __md_storage(), a = __md_scope) => {
  try {
    t.setItem(a.pathname + "." + e, JSON.stringify(_));
  } catch (e) {}
};
