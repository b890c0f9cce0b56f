import { defineDetector, fmtHandles, fmtNs } from '../defineDetector.js';

export default defineDetector({
  id: 'incomplete-device-sync',
  title: 'Device synchronize that does not wait for the whole device',
  severity: 'error',
  audit: '1) synchronizeDevice() is not device-wide',
  doc: 'An operation meant to synchronize the whole device (annotated with intent_device_sync_begin/end, a public device-wide sync of the program seen by the PyTorch layer such as torch.cuda.synchronize, or a backend call that is device-wide by contract such as cudaDeviceSynchronize) returned while GPU work submitted before it began was still running, or it waited on only some of the streams that had pending work. Callers then read results that are not ready.',
  withoutCompletions:
    'pending GPU work is known only from its completion record: work without one is not counted, so a device sync that returned while such work was still running (late-completion) or that skipped a stream with only such work (partial-sync) is not reported. Record with `--completions cupti` (the default) to judge every sync',
  thresholds: [
    {
      name: 'syncToleranceUs',
      unit: 'us',
      default: 100,
      sqlParam: 'tolerance_ns',
      doc: 'GPU work that finishes at most this long after a device sync returned counts as clock noise',
    },
  ],
  cases: {
    'late-completion': {
      message: (r) =>
        `${r.source === 'contract' ? 'device-wide call' : 'device sync'} '${r.api}' returned while work on stream ${fmtHandles(r.streams)} was still running (for ${fmtNs(r.pending_after_ns)} more)` +
        (r.source !== 'contract' ? `; it waited only on ${fmtHandles(r.synced_streams)}` : ''),
      fix: 'Make the device sync wait for every stream (e.g. synchronize all pool streams, as MPSHooks::deviceSynchronize does via MPSStreamPool::synchronizeAllStreams()), not only the current one.',
    },
    'partial-sync': {
      message: (r) =>
        `device sync '${r.api}' waited only on ${fmtHandles(r.synced_streams)} while stream ${fmtHandles(r.unsynced_streams)} had pending work`,
      fix: "Synchronize all streams with pending work inside the device sync (e.g. MPSStreamPool::synchronizeAllStreams()), or call the backend's device-wide synchronize.",
    },
  },
});
