import { defineDetector, fmtHandle } from '../defineDetector.js';

export default defineDetector({
  id: 'wrong-stream-event',
  title: 'Event recorded or waited on a different stream than asked',
  severity: 'error',
  audit: '2) MPSGuardImpl::{record,block}() ignore the passed Stream argument',
  doc: 'Compares the stream a caller asked to record or wait an event on (intent_record / intent_wait annotations) with the backend call actually made, and checks event ordering: waits on events never recorded, events re-recorded before the wait that needed the earlier record, and record/wait pairs on one stream (no effect).',
  cases: {
    'record-wrong-stream': {
      message: (r) =>
        `event ${fmtHandle(r.event)} was to be recorded on stream ${fmtHandle(r.asked_stream)} but the backend recorded it on ${fmtHandle(r.actual_stream)}`,
      fix: "Record the event on the stream passed to the guard/event API (map the Stream argument to its MPSStream and pass it to MPSEventPool), not on the thread's current stream.",
    },
    'wait-wrong-stream': {
      message: (r) =>
        `stream ${fmtHandle(r.asked_stream)} was to wait for event ${fmtHandle(r.event)} but the backend made ${fmtHandle(r.actual_stream)} wait`,
      fix: "Make the wait on the stream passed to block()/wait(), not on the thread's current stream.",
    },
    'wait-unrecorded': {
      message: (r) =>
        `stream ${fmtHandle(r.actual_stream)} waits on event ${fmtHandle(r.event)}, which was never recorded: the wait does nothing`,
      fix: 'Record the event (on the producing stream) before any stream waits on it.',
    },
    're-recorded': {
      severity: 'warning',
      message: (r) =>
        `event ${fmtHandle(r.event)} was recorded again before another thread's wait on it was enqueued; the earlier record was never waited on`,
      fix: "Use one event per hand-off, or make the consumer's wait happen before the producer records the event again.",
    },
    'same-stream': {
      severity: 'warning',
      message: (r) =>
        `event ${fmtHandle(r.event)} is recorded and waited on the same stream ${fmtHandle(r.actual_stream)}: the wait has no effect`,
      fix: 'Wait on the consumer stream, not on the stream that recorded the event (or drop the redundant wait).',
    },
  },
});
