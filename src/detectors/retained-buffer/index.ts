import { defineDetector, fmtHandle, fmtNs } from '../defineDetector.js';

function what(r: Record<string, unknown>): string {
  const bytes = r.bytes === null || r.bytes === undefined || Number(r.bytes) === 0 ? '' : ` (${r.bytes} bytes)`;
  return `${String(r.type).replace(/_/g, ' ')} ${fmtHandle(r.obj)}${bytes}`;
}

export default defineDetector({
  id: 'retained-buffer',
  title: 'Backend object retained after its owner is gone',
  severity: 'warning',
  audit: '5) MPSStream destructor does not release _prevCommandBuffer',
  doc: 'Command buffers and other backend objects (object_create / cb_create records) that are still alive after their owner (the stream or pool named in `owner`) was destroyed, events still alive after the stream they were last recorded on was destroyed, or still alive when the process exited cleanly. Findings group by creation call site, with the count and total bytes where known.',
  thresholds: [
    {
      name: 'retainGraceMs',
      unit: 'ms',
      default: 10,
      sqlParam: 'grace_ns',
      doc: "an object released this soon after its owner was destroyed was released by the owner's destructor",
    },
  ],
  sumOnGroup: ['bytes'],
  cases: {
    'after-owner-destroyed': {
      message: (r) =>
        `${what(r)} is still retained after its owner ${r.owner_inferred ? `(stream ${fmtHandle(r.owner)}, where it was last recorded)` : fmtHandle(r.owner)} was destroyed${r.retained_ns === null || r.retained_ns === undefined ? ' (never released)' : ` (released ${fmtNs(r.retained_ns)} later)`}`,
      fix: 'Release what the owner retains in its destructor (e.g. release _prevCommandBuffer and end encoders in ~MPSStream()).',
    },
    'alive-at-exit': {
      message: (r) => `${what(r)} owned by ${fmtHandle(r.owner)} was still retained when the process exited`,
      fix: 'Release per-submission objects once they complete (do not keep the previous command buffer alive); destroy pool streams before exit so their destructors run.',
    },
  },
});
