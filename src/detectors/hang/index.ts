import { defineDetector, fmtHandle, fmtNs } from '../defineDetector.js';

export default defineDetector({
  id: 'hang',
  title: 'Blocking call that hung or blocked far too long',
  severity: 'error',
  audit: '4) elapsedTime() can hang if events were not created with enable_timing=True',
  doc: "Blocking host calls (stream/event/device syncs, elapsed-time queries) that began and never returned (process killed, trace cut), blocking calls longer than the hang limit (max of --hang-threshold-ms and --hang-step-factor times the run's typical step: the median interval between starts of its most frequent range, e.g. 'step', or else the median gap between a thread's consecutive syncs), and elapsed-time queries on events created without timing, flagged even when the call returned (also from the PyTorch layer's Event.elapsed_time record when torch raised before any backend call).",
  thresholds: [
    { name: 'hangThresholdMs', unit: 'ms', default: 500, sqlParam: 'floor_ns', doc: 'never call a block shorter than this a hang' },
    {
      name: 'hangStepFactor',
      unit: 'x',
      default: 10,
      sqlParam: 'step_factor',
      doc: 'a block longer than this many typical steps is a hang',
    },
  ],
  cases: {
    'never-returned': {
      message: (r) =>
        `${r.api} (${r.scope}${r.scope !== 'device' ? ` ${fmtHandle(r.target)}` : ''}) began and never returned; the trace ends ${fmtNs(r.dur_ns)} later` +
        (r.target_timing === 0 || r.target_timing === 0n
          ? ' (the event was created without timing, as in an elapsed-time query that waits first)'
          : ''),
      fix: 'Find what the call waits for (the work or event it targets never completes); for elapsedTime() on MPS check the events were created with enable_timing=True before waiting.',
    },
    'long-block': {
      message: (r) =>
        `${r.api} (${r.scope}${r.scope !== 'device' ? ` ${fmtHandle(r.target)}` : ''}) blocked for ${fmtNs(r.dur_ns)}, over the hang limit of ${fmtNs(r.limit_ns)}${r.step_ns ? ` (typical step ${fmtNs(r.step_ns)})` : ''}`,
      fix: 'Check what the call waited for (a long kernel, a starved stream, an event recorded late); raise --hang-threshold-ms if such blocks are expected.',
    },
    'elapsed-untimed': {
      message: (r) =>
        `elapsed-time query between events ${fmtHandle(r.start_event)} and ${fmtHandle(r.end_event)}, created without timing: this hangs on MPS and fails on CUDA${Number(r.error) ? ` (returned error ${r.error})` : ''}` +
        (r.api === 'torch-raised' ? ' (Event.elapsed_time raised in torch before any backend call)' : ''),
      fix: 'Create both events with enable_timing=True; in the runtime, check timing is enabled (and the completion time is known) before waiting in elapsedTime().',
    },
  },
});
