/**
 * SQL that extracts one field from the packed payload columns p0..p4 of
 * raw_events. Used by the generator (the ev_<kind> views) and by
 * bindSchema's {{field.<kind>.<name>}} placeholder, so both read a field the
 * same way. Imports nothing: the generator runs before the generated tables exist.
 */
export interface PayloadField {
  word: number;
  shift: number;
  bytes: number;
  signed: boolean;
}

/** `alias` qualifies the columns (`e` -> `e.p1`). */
export function payloadFieldSql(f: PayloadField, alias?: string): string {
  const col = alias ? `${alias}.p${f.word}` : `p${f.word}`;
  if (f.bytes === 8) return col;
  const mask = 2 ** (f.bytes * 8) - 1;
  const v = f.shift ? `((${col} >> ${f.shift}) & ${mask})` : `(${col} & ${mask})`;
  if (!f.signed) return v;
  const bits = f.bytes * 8;
  return `(${v} - ((${v} >> ${bits - 1}) & 1) * ${2 ** bits})`;
}
