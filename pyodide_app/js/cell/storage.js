// Edits of a cell, kept per page path and cell id: in this tab's memory (always) and in localStorage
// (when the browser lets us). Nothing typed in this visit is lost when the storage is full, switched off
// (private modes) or holds something we cannot read: the edit stays in memory, which outlives Material's
// instant navigation, and the cell shows a note saying why it will not outlive the tab.
//
// Stored value: JSON `{"mm": 1, "code": "…"}`. A plain text value (older versions) is read as code unless it
// looks like JSON; anything else (truncated or foreign JSON, more than MAX_CHARS) is "unreadable": the cell
// opens with the page's code and a note, and the entry is replaced at the next edit.
//
// Example:
//   saveEdit("demo-1", "A @ B");          // {ok: true} or {ok: false, note: "…"}
//   loadEdit("demo-1");                    // {code: "A @ B", note: null}
//   clearEdit("demo-1");

const PREFIX = "mm:code:";
/** A saved edit longer than this is not loaded (a cell is a small program). */
export const MAX_CHARS = 200_000;

/** @type {Map<string, string>} edits of this visit, by storage key */
const visit = new Map();

/** @param {string} cellId @param {string} [path] */
export function editKey(cellId, path = location.pathname) {
  return `${PREFIX}${path}#${cellId}`;
}

/** The browser's localStorage, or null when it is switched off (getting it may throw). */
function store() {
  try {
    return window.localStorage || null;
  } catch {
    return null;
  }
}

/** @param {string | null} raw @returns {{code: string | null, unreadable: boolean}} */
export function decodeEdit(raw) {
  if (raw === null || raw === undefined) return { code: null, unreadable: false };
  if (typeof raw !== "string" || raw.length > MAX_CHARS) return { code: null, unreadable: true };
  const head = raw.trimStart()[0];
  if (head !== "{" && head !== "[") return { code: raw, unreadable: false }; // plain text: an older edit
  try {
    const value = JSON.parse(raw);
    if (value && value.mm === 1 && typeof value.code === "string") return { code: value.code, unreadable: false };
  } catch {
    /* truncated or damaged */
  }
  return { code: null, unreadable: true };
}

/** @param {string} code */
export function encodeEdit(code) {
  return JSON.stringify({ mm: 1, code });
}

/**
 * The edit to open the cell with.
 * @returns {{code: string | null, note: string | null}} code null: use the page's code
 */
export function loadEdit(cellId, path) {
  const key = editKey(cellId, path);
  if (visit.has(key)) return { code: visit.get(key), note: null };
  const s = store();
  if (!s) return { code: null, note: null };
  let raw = null;
  try {
    raw = s.getItem(key);
  } catch {
    return { code: null, note: null };
  }
  const { code, unreadable } = decodeEdit(raw);
  if (unreadable) {
    return { code: null, note: "A saved edit of this cell could not be read: showing the page's code" };
  }
  return { code, note: null };
}

/**
 * Keep an edit. Always kept for this visit; `note` says why it will not outlive the tab.
 * @returns {{ok: boolean, note: string | null}}
 */
export function saveEdit(cellId, code, path) {
  const key = editKey(cellId, path);
  visit.set(key, code);
  const s = store();
  if (!s) return { ok: false, note: "This browser keeps no edits (storage is off): yours stay until you close the tab" };
  try {
    s.setItem(key, encodeEdit(code));
    return { ok: true, note: null };
  } catch (err) {
    const full = err && (err.name === "QuotaExceededError" || err.code === 22);
    return {
      ok: false,
      note: full ? "Browser storage is full: your edit stays until you close the tab"
                 : "Your edit could not be saved: it stays until you close the tab",
    };
  }
}

export function clearEdit(cellId, path) {
  const key = editKey(cellId, path);
  visit.delete(key);
  try {
    store()?.removeItem(key);
  } catch {
    /* nothing to clear */
  }
}
