import { defineDetector, fmtNs } from '../defineDetector.js';

export default defineDetector({
  id: 'leaked-slot',
  title: 'Stream-pool slot never returned to the pool',
  severity: 'warning',
  audit: '6) getStreamFromPool() docs over-promise slot recycling',
  doc: 'Pool slots (and their streams) acquired and never released, including by threads that exited still owning one; the free pool reaching zero; acquisitions that had to wait for a free slot. Together these show a pool being exhausted by slots nobody returns.',
  thresholds: [
    {
      name: 'slotWaitThresholdUs',
      unit: 'us',
      default: 0,
      sqlParam: 'wait_ns',
      doc: 'report acquisitions that waited longer than this for a free slot',
    },
  ],
  cases: {
    'thread-exited-owning': {
      message: (r) => `thread ${r.owner_tid} exited still owning slot ${r.slot}; the slot never went back to the pool`,
      fix: 'Release the slot when the worker is done (or attach it to thread-local ownership that releases it at thread exit); getStreamFromPool() alone does not recycle it.',
    },
    'never-released': {
      message: (r) => `slot ${r.slot} acquired by thread ${r.owner_tid} was never released`,
      fix: 'Pair every acquire with a release (an RAII stream handle does this); getStreamFromPool() returns a raw stream that is not recycled automatically.',
    },
    'pool-exhausted': {
      message: (r) => `the stream pool ran out of free slots when thread ${r.owner_tid} acquired slot ${r.slot}`,
      fix: 'Release slots you no longer need, or size the pool for the number of concurrent worker threads.',
    },
    'acquire-waited': {
      message: (r) => `thread ${r.owner_tid} waited ${fmtNs(r.wait_ns)} for a free pool slot`,
      fix: 'Find the slots that are held but idle (see never-released findings) and release them, or grow the pool.',
    },
  },
});
