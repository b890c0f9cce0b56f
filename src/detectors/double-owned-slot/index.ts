import { defineDetector, fmtHandles } from '../defineDetector.js';

export default defineDetector({
  id: 'double-owned-slot',
  title: 'Stream-pool slot owned by two threads at once',
  severity: 'error',
  audit: '3) setCurrentMPSStream() does not acquire the target freelist slot',
  doc: 'Tracks pool-slot ownership from slot_acquire / slot_set_current / slot_release: a slot taken (by acquire or set-current) while another live thread owns it, a set-current onto a slot still in the free list, releases of slots the thread never acquired (also at thread exit), and, on Metal where command queues are not thread-safe, one stream used by two threads in overlapping intervals.',
  cases: {
    'acquire-owned': {
      message: (r) => `slot ${r.slot} was acquired by thread ${r.second_tid} while thread ${r.owner_tid} still held it`,
      fix: "Make set-current an ownership transfer: acquire the slot from the free list (or fail) before setting the thread's current stream, so the pool never hands out a slot in use.",
    },
    'set-current-owned': {
      message: (r) => `thread ${r.second_tid} set its current stream to slot ${r.slot}, which thread ${r.owner_tid} owns`,
      fix: 'Acquire the target slot (or fail) in setCurrentStream() instead of only updating the thread-local slot index; prefer an RAII stream handle that models ownership.',
    },
    'set-current-free': {
      message: (r) => `thread ${r.second_tid} set its current stream to slot ${r.slot} while the slot was still in the pool's free list`,
      fix: 'Remove the slot from the free list (acquire it) before making it current; otherwise the pool can hand it to another thread.',
    },
    'release-unowned': {
      message: (r) => `thread ${r.second_tid} released slot ${r.slot}, which it did not own`,
      fix: 'Release only slots the thread acquired; track ownership per slot and reject foreign releases.',
    },
    'exit-release-unowned': {
      message: (r) => `thread ${r.second_tid} exited and returned slot ${r.slot} to the free list without ever acquiring it`,
      fix: 'At thread exit release only a slot the thread acquired; a slot made current without an acquire must not go back to the free list.',
    },
    'metal-stream-shared': {
      message: (r) =>
        `threads ${r.owner_tid} and ${r.second_tid} submitted to stream ${fmtHandles(r.streams)} in overlapping intervals; Metal command queues/streams are not thread-safe`,
      fix: 'Give each thread its own pool stream (acquire a slot per worker thread) or serialize access to the shared stream.',
    },
  },
});
