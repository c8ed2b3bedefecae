// The playground opens an mm link: `playground/?mm=<an mm link or its query>`.
// Everything after `mm=` is the link (mm's own `&`-separated query stays intact); the cell's program becomes
// `mmcore.from_mm("<the link>")`, which is data, so it runs without a click.
//
// Example:
//   readMmLink("?mm=https://x/mm/?params=%7B%7D&a=1")  // "https://x/mm/?params=%7B%7D&a=1"
//   programForLink("?params={}")                        // 'mmcore.from_mm("?params={}")'

/**
 * @param {string} search  location.search
 * @returns {string | null}
 */
export function readMmLink(search = location.search) {
  const query = search.replace(/^\?/, "");
  const m = /(?:^|&)mm=/.exec(query);
  if (!m) return null;
  let link = query.slice(m.index + m[0].length);
  // A fully percent-encoded link (no raw "?" or "=") is decoded once; anything else is passed as typed.
  if (link.includes("%") && !/[?=]/.test(link)) {
    try {
      link = decodeURIComponent(link);
    } catch {
      /* keep it raw */
    }
  }
  return link || null;
}

/** The data-only program for a link: a Python string literal (JSON string syntax is valid Python). */
export function programForLink(link) {
  return `mmcore.from_mm(${JSON.stringify(link)})\n`;
}
