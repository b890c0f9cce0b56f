// Readable kernel labels. Kernel names arrive demangled when the trace's strings
// were demangled at load (`void at::native::kernel<4, Functor<float>>(int, ...)`)
// or Itanium-mangled as recorded (`_ZN2at6native6kernelILi4E...`). A bar has room
// for a few words, so it shows the function's own name and its first template
// argument that is a name (`vectorized_elementwise_kernel<FillFunctor>`); the
// full name is in the tooltip and the details. Not a demangler: only the
// <nested-name> and template-argument prefix of the Itanium grammar is read.

/**
 * Reads `<len><identifier>` at s[i]; returns [identifier, next index] or null.
 * @param {string} s
 * @param {number} i
 * @returns {[string, number] | null}
 */
function sourceName(s, i) {
  let j = i;
  while (j < s.length && s[j] >= '0' && s[j] <= '9') j++;
  if (j === i) return null;
  const n = Number(s.slice(i, j));
  if (!(n > 0) || j + n > s.length) return null;
  return [s.slice(j, j + n), j + n];
}

const isAnon = (/** @type {string} */ id) => id.startsWith('_GLOBAL__N');

/**
 * The first identifier of 3+ characters inside template arguments starting at s[i] (after the `I`).
 * @param {string} s
 * @param {number} i
 * @returns {string | null}
 */
function firstTemplateName(s, i) {
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === 'L') {
      const e = s.indexOf('E', j);
      if (e < 0) return null;
      j = e;
      continue;
    } // literal: L<type><value>E
    if (c >= '1' && c <= '9') {
      const r = sourceName(s, j);
      if (!r) return null;
      if (r[0].length >= 3 && !isAnon(r[0])) return r[0];
      j = r[1] - 1;
    }
  }
  return null;
}

/**
 * Short label of an Itanium-mangled name, or null when it is not one this reader understands.
 * @param {string} s
 * @returns {string | null}
 */
export function shortMangled(s) {
  if (!/^_Z/.test(s)) return null;
  let i = 2;
  const parts = [];
  let template = null;
  if (s[i] === 'N') {
    i++;
    while (i < s.length && 'rVKRO'.includes(s[i])) i++; // cv/ref qualifiers of a member function
    while (i < s.length) {
      if (s[i] === 'E') break;
      if (s[i] === 'I') {
        template = firstTemplateName(s, i + 1) ?? '';
        break;
      }
      if (s[i] === 'S' && s[i + 1] === 't') {
        parts.push('std');
        i += 2;
        continue;
      }
      if (s[i] === 'S') {
        const e = s.indexOf('_', i);
        if (e < 0) break;
        i = e + 1;
        continue;
      } // substitution S<seq>_
      const r = sourceName(s, i);
      if (!r) break;
      if (!isAnon(r[0])) parts.push(r[0]);
      i = r[1];
    }
  } else {
    const r = sourceName(s, i);
    if (!r) return null;
    parts.push(r[0]);
    if (s[r[1]] === 'I') template = firstTemplateName(s, r[1] + 1) ?? '';
  }
  const fn = parts[parts.length - 1];
  if (!fn) return null;
  return template === null ? fn : `${fn}<${template || '…'}>`;
}

/**
 * Short label of a demangled C++ name: the function's last `::` component and its first template argument's name.
 * @param {string} s
 * @returns {string | null}
 */
export function shortDemangled(s) {
  if (!/::|\(/.test(s)) return null;
  s = s.replace(/\(anonymous namespace\)::/g, '');
  // cut the argument list: the first '(' outside template brackets
  let depth = 0;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if (c === '(' && depth === 0 && i > 0) {
      end = i;
      break;
    }
  }
  let head = s.slice(0, end).trim();
  // the return type ends at the last space outside template brackets
  depth = 0;
  let cut = -1;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if (c === ' ' && depth === 0) cut = i;
  }
  if (cut >= 0) head = head.slice(cut + 1);
  const lt = head.indexOf('<');
  const base = lt >= 0 ? head.slice(0, lt) : head;
  const fn = base.split('::').pop();
  if (!fn) return null;
  if (lt < 0) return fn;
  const m = /[A-Za-z_][A-Za-z0-9_]{2,}/.exec(
    head.slice(lt + 1).replace(/\b(?:at|native|std|c10|cuda|detail|unsigned|int|long|float|double|char|bool|void|const)::?/g, ' '),
  );
  return `${fn}<${m ? m[0] : '…'}>`;
}

/**
 * The label drawn on a bar: short for C++ names, the name itself otherwise.
 * @param {string | null | undefined} name
 * @returns {string}
 */
export function shortName(name) {
  if (!name) return '';
  // a host API slice is `<call> <kernel name>`
  const m = /^(launch|memcpy|memset|commit) (\S.*)$/.exec(name);
  if (m && /^_Z|::/.test(m[2])) return `${m[1]} ${shortMangled(m[2]) ?? shortDemangled(m[2]) ?? m[2]}`;
  return shortMangled(name) ?? shortDemangled(name) ?? name;
}
