/**
 * The one place where strings from a trace (thread, call-site, kernel, API,
 * range and module names; recorder strings) are made inert for the outputs
 * that show them. A trace is input from whoever ran the program: its strings
 * must not retitle or clear a terminal, forge a finding line, reorder text
 * with bidi controls, mention people or link issues in a PR comment, or turn
 * into a URI in SARIF. Every text, Markdown and SARIF output goes through here
 * (test/escape.test.ts feeds hostile traces through each of them).
 */

/**
 * Characters that act instead of showing: C0 controls (newline, CR, tab, ESC
 * of terminal escape sequences), DEL, C1 controls (0x9b is a one-byte CSI on
 * some terminals), the soft hyphen, bidi marks, embeddings, overrides and
 * isolates (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width and invisible
 * formatting characters, line/paragraph separators, the BOM and the
 * interlinear annotation controls.
 */
const ACTIVE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\n`, `\x1b`, `\u202e`: the escape a reader can see and search for. */
function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** True when `text` holds a character that a terminal or viewer would act on. */
export function hasActive(text: string): boolean {
  ACTIVE.lastIndex = 0;
  return ACTIVE.test(text);
}

/**
 * A trace string for one line of terminal text: every active character becomes
 * a visible escape (`\n`, `\x1b`, `\u202e`), so a name stays on its line, in its
 * order, and shows what it really holds. Printable text (any script) is kept.
 */
export function escapeText(text: string): string {
  return text.replace(ACTIVE, visible);
}

/**
 * A message of several lines that may quote trace strings (a DuckDB error
 * quoting a value): line breaks stay, every other active character is escaped,
 * and lines after the first are indented, so a quoted newline cannot start a
 * line that looks like the tool's own.
 */
export function escapeLines(text: string, indent = '  '): string {
  return text
    .split(/\r?\n/)
    .map((l, i) => (i === 0 ? '' : indent) + escapeText(l))
    .join('\n');
}

/**
 * Inline code in Markdown (GitHub Flavored): the safe way to show a trace
 * string in a PR comment, since code spans are not scanned for @mentions,
 * #references, links, emphasis, strike, math or HTML. Active characters are
 * escaped first; the backtick fence is longer than any backtick run inside;
 * `table` escapes pipes, which GitHub's table parser splits cells on even in
 * code.
 */
export function mdCode(text: string, opts: { table?: boolean } = {}): string {
  let t = escapeText(text);
  // A backslash before a pipe would escape the escape: double it, then escape the pipe.
  if (opts.table) t = t.replace(/(\\*)\|/g, (_, bs: string) => `${bs}${bs}\\|`);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || (t.startsWith(' ') && t.endsWith(' ') && t.trim() !== '') ? ' ' : '';
  return t === '' ? "''" : `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * Words that Markdown and GitHub leave alone: letters, digits and punctuation
 * that neither marks up (no * _ ~ ` [ ] < > | $ \ #), nor mentions (@),
 * references (#) or links (no / and no leading www.).
 */
const PLAIN_WORD = /^[\p{L}\p{N}.,;:!?()'"=%+\-–—…≥≤±×µ°]*$/u;

/**
 * Prose for Markdown that may hold trace strings or file names (notes): plain
 * words stay as they are, any other word becomes inline code (see mdCode).
 */
export function mdText(text: string, opts: { table?: boolean } = {}): string {
  return escapeText(text)
    .split(' ')
    .map((w) => (PLAIN_WORD.test(w) && !/^www\./i.test(w) ? w : mdCode(w, opts)))
    .join(' ');
}

/**
 * SARIF `message.text`: plain text in which `[text](id)` is an embedded link
 * (SARIF 2.1.0, 3.11.6), so literal brackets are escaped with a backslash;
 * active characters become visible escapes as in terminal text.
 */
export function sarifText(text: string): string {
  return escapeText(text).replace(/[[\]]/g, (c) => `\\${c}`);
}

/**
 * JSON for stdout: `JSON.stringify` leaves C1 controls, bidi controls and other
 * active characters raw inside strings; here they are written as `\uXXXX`
 * escapes, which parse back to the very same string. Control characters below
 * 0x20 are already escaped by JSON itself; the structural newlines and spaces
 * of the indentation are kept.
 */
export function safeJson(value: unknown, indent: number = 2): string {
  return JSON.stringify(value, null, indent).replace(ACTIVE, (c) =>
    c === '\n' || c === '\r' || c === '\t' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
