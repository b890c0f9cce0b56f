// Tiny DOM helpers. Every trace-derived string goes through textContent, never
// innerHTML, so a kernel named `<img onerror=...>` is shown, not run.

/**
 * The page's element with this id. The template (viz/template.html) has every id
 * the viewer uses; a missing one is a bug in the page, said as such.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the report page has no #${id} element`);
  return e;
}

/**
 * Creates an element with a class and optional text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string | null} [cls]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/**
 * Removes all children.
 * @template {Node} N
 * @param {N} node
 * @returns {N}
 */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/**
 * A definition list from [label, value] pairs.
 * @param {Iterable<[string, unknown]>} pairs
 * @param {string} [cls]
 * @returns {HTMLDListElement}
 */
export function keyValues(pairs, cls = 'kv') {
  const dl = el('dl', cls);
  for (const [k, v] of pairs) {
    dl.appendChild(el('dt', null, k));
    dl.appendChild(el('dd', null, v));
  }
  return dl;
}
