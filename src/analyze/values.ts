/** Conversions from DuckDB's JS values (bigint, lists, structs) to JSON-safe values. */

/** bigint/number -> number (ids, ns, tids; all below 2^53 in real traces). */
export function toNum(v: unknown): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return 0;
  return Number(v);
}

/** A 64-bit handle (stored signed in DuckDB) as unsigned hex: `0x7f00dead`. */
export function toHandle(v: unknown): string {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  return `0x${BigInt.asUintN(64, b).toString(16)}`;
}

/** Any DuckDB JS value -> a JSON value: safe bigints become numbers, large ones strings. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Date) return v.toISOString();
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return v ?? null;
}
