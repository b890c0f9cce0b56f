// Shared SQL building blocks for interval arithmetic. Each function returns a
// SELECT over a source query/table with the named columns, so metrics (and
// anyone else) can compose them without per-row JavaScript.

/**
 * Union of half-open intervals [s, e) per group. `src` must yield columns
 * `grp, s, e`; the result is `grp, s, e`, disjoint and non-touching per group.
 * Gaps-and-islands: an interval starts a new island when it begins after the
 * running maximum end of everything before it in (s, e) order.
 */
export function unionIntervalsSql(src: string): string {
  return `SELECT grp, min(s) AS s, max(e) AS e FROM (
  SELECT grp, s, e, sum(brk) OVER (PARTITION BY grp ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island FROM (
    SELECT grp, s, e,
      CASE WHEN s <= max(e) OVER (PARTITION BY grp ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        THEN 0 ELSE 1 END AS brk
    FROM (${src}) WHERE e >= s
  )
) GROUP BY grp, island`;
}

/**
 * Sweep: how many intervals are open over time. `src` yields `s, e`; the result
 * is piecewise-constant segments `t0, t1, level` covering [min s, max e), from
 * +1/-1 events and a running window sum (ends sort before starts at the same
 * time, so touching intervals do not overlap). Level-0 segments inside the span are the gaps.
 */
export function levelSegmentsSql(src: string): string {
  // No GROUP BY t: rows sharing a timestamp give zero-length segments (dropped
  // by t1 > t) except the last, whose running sum has taken all their deltas.
  return `SELECT t AS t0, t1, level FROM (
  SELECT t, sum(d) OVER w AS level, lead(t) OVER w AS t1
  FROM (
    SELECT s AS t, 1 AS d FROM (${src}) WHERE e > s
    UNION ALL
    SELECT e AS t, -1 AS d FROM (${src}) WHERE e > s
  )
  WINDOW w AS (ORDER BY t, d ROWS UNBOUNDED PRECEDING)
) WHERE t1 IS NOT NULL AND t1 > t`;
}

/**
 * Time-weighted summary of a level function: total time with level >= 1 and
 * >= 2, the mean level over the covered span, and the maximum level.
 */
export function levelSummarySql(segments: string): string {
  return `SELECT
  coalesce(sum(t1 - t0) FILTER (WHERE level >= 1), 0)::DOUBLE AS busy_ns,
  coalesce(sum(t1 - t0) FILTER (WHERE level >= 2), 0)::DOUBLE AS concurrent_ns,
  coalesce(sum((t1 - t0) * level)::DOUBLE / nullif(sum(t1 - t0), 0), 0)::DOUBLE AS mean_level,
  coalesce(max(level), 0)::DOUBLE AS max_level
FROM (${segments})`;
}
