// Human-readable time units for axis ticks, tooltips and summaries.
// All times in the page are nanoseconds (numbers) relative to the trace start.

/** @type {[number, string][]} */
const UNITS = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

/**
 * Formats a duration in ns with at most 3 significant digits and a unit: 1500 -> "1.5 µs".
 * @param {number} ns
 * @returns {string}
 */
export function formatDuration(ns) {
  if (!Number.isFinite(ns)) return String(ns);
  const a = Math.abs(ns);
  if (a >= 60e9) {
    const min = Math.floor(a / 60e9);
    const s = (a - min * 60e9) / 1e9;
    return `${ns < 0 ? '-' : ''}${min} min ${s.toFixed(s < 10 ? 1 : 0)} s`;
  }
  for (const [scale, unit] of UNITS) {
    if (a >= scale || scale === 1) {
      const v = ns / scale;
      if (scale === 1) return `${Math.round(v)} ns`;
      return `${+v.toPrecision(3)} ${unit}`;
    }
  }
  return `${ns} ns`;
}

/**
 * A tick formatter for an axis whose ticks are `step` ns apart and reach `maxAbs` ns:
 * one unit for all ticks (the unit of the largest value, so 8.5 ms rather than 8500 µs)
 * and only as many decimals as the step needs.
 * @param {number} step
 * @param {number} [maxAbs]
 * @returns {(ns: number) => string}
 */
export function tickFormatter(step, maxAbs = step) {
  let scale = 1;
  let unit = 'ns';
  for (const [s, u] of UNITS) {
    if (Math.max(step, maxAbs) >= s) {
      scale = s;
      unit = u;
      break;
    }
  }
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / scale) - 1e-9)));
  return (ns) => `${(ns / scale).toFixed(decimals)} ${unit}`;
}

/**
 * Formats a byte count: 1536 -> "1.5 KiB".
 * @param {number} n
 * @returns {string}
 */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${u[i]}`;
}

/**
 * A formatter for points in time (ns since the trace start) at the precision of a
 * view `spanNs` wide: one unit (that of the view's end), and enough decimals to
 * tell apart points ~1/1000 of the view apart, so a tooltip at µs zoom says
 * `3.2867321 s`, not `3 s`. Tooltips, the status line, the selection and the
 * finding details all use it, as the axis does.
 * @param {number} spanNs
 * @param {number} [maxAbs]
 * @returns {(ns: number) => string}
 */
export function timeFormatter(spanNs, maxAbs) {
  const res = Math.max(1, spanNs / 1000);
  let scale = 1;
  let unit = 'ns';
  for (const [s, u] of UNITS) {
    if (Math.max(maxAbs ?? spanNs, 1) >= s) {
      scale = s;
      unit = u;
      break;
    }
  }
  const decimals = Math.max(0, Math.min(9, Math.ceil(-Math.log10(res / scale) - 1e-9)));
  return (ns) => `${(ns / scale).toFixed(decimals)} ${unit}`;
}
