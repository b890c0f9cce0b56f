// Tiny DOM helpers. Every trace-derived string goes through textContent, never
// innerHTML, so a kernel named `<img onerror=...>` is shown, not run.

/** Creates an element with a class and optional text. */
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

/** Removes all children. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** A definition list from [label, value] pairs. */
export function keyValues(pairs, cls = 'kv') {
  const dl = el('dl', cls);
  for (const [k, v] of pairs) {
    dl.appendChild(el('dt', null, k));
    dl.appendChild(el('dd', null, v));
  }
  return dl;
}
