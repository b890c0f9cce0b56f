import { defineDetector, fmtNs } from '../defineDetector.js';

const n = (v: unknown): number => Number(v ?? 0);

export default defineDetector({
  id: 'context',
  title: 'Trace context: stream concurrency, sync rate, time blocked',
  severity: 'info',
  doc: 'Info-level facts about the whole trace that put the other findings in proportion: how many streams were used and how many executed on the GPU at once, how many host syncs per second the program made, and how much time threads spent blocked in them. A warning when the recorder lost records, since pairings on those threads may be off.',
  cases: {
    streams: {
      message: (r) =>
        `${n(r.streams_used)} stream${n(r.streams_used) === 1 ? '' : 's'} used by ${n(r.submitting_threads)} thread${n(r.submitting_threads) === 1 ? '' : 's'} (${n(r.submissions)} submissions); ` +
        (r.max_concurrent_streams === null || r.max_concurrent_streams === undefined
          ? 'no GPU completion records, so GPU concurrency is unknown'
          : `at most ${n(r.max_concurrent_streams)} executing on the GPU at once`),
      fix: '',
    },
    syncs: {
      message: (r) => `${n(r.syncs)} host syncs in ${fmtNs(r.trace_ns)}: ${n(r.syncs_per_s).toFixed(1)} per second`,
      fix: '',
    },
    'records-lost': {
      severity: 'warning',
      message: (r) =>
        `the recorder lost ${n(r.syncs)} records (buffer or file cap full) on thread ${Array.isArray(r.tids) ? r.tids.join(', ') : '?'}; findings about those threads may be incomplete or spurious`,
      fix: 'Record again with a larger MPSTRACE_MAX_MB (file cap) or MPSTRACE_CHUNK_KB, or a shorter run.',
    },
    blocked: {
      message: (r) =>
        `threads spent ${fmtNs(r.blocked_ns)} blocked in host syncs (${n(r.blocked_pct).toFixed(1)}% of the trace's duration)` +
        (r.top_tid === null || r.top_tid === undefined ? '' : `; most on thread ${r.top_tid} (${fmtNs(r.top_blocked_ns)})`),
      fix: '',
    },
  },
});
