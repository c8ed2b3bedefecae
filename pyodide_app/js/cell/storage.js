// Edits of a cell kept in localStorage, keyed by page path and cell id.
//
// Example:
//   saveEdit("demo-1", "A @ B");  loadEdit("demo-1") === "A @ B";  clearEdit("demo-1");

const PREFIX = "mm:code:";

/** @param {string} cellId @param {string} [path] */
export function editKey(cellId, path = location.pathname) {
  return `${PREFIX}${path}#${cellId}`;
}

/** @returns {string | null} the saved code, or null when there is none (or storage is unavailable) */
export function loadEdit(cellId, path) {
  try {
    return localStorage.getItem(editKey(cellId, path));
  } catch {
    return null;
  }
}

export function saveEdit(cellId, code, path) {
  try {
    localStorage.setItem(editKey(cellId, path), code);
  } catch {
    /* storage full or disabled: edits just are not kept */
  }
}

export function clearEdit(cellId, path) {
  try {
    localStorage.removeItem(editKey(cellId, path));
  } catch {
    /* nothing to clear */
  }
}
