"""Reproduces each finding of the MPS stream-pool audit on CUDA, or its fix.

  python3 stream_pool.py [--fixed] [--scenario all|<name>|<number>]

Scenarios (audit finding -> mpstrace rule):
  1 device-sync         synchronizeDevice() syncs only the current stream   -> incomplete-device-sync
  2 wrong-stream-event  guard record/block use the current stream          -> wrong-stream-event
  3 double-owned-slot   set-current onto a free-list slot, then an acquire -> double-owned-slot
  4 elapsed-no-timing   elapsed_time on events created without timing      -> hang
  5 retained-buffer     a destroyed stream's previous batch stays alive    -> retained-buffer
  6 leaked-slot         get_stream_from_pool() slots never released        -> leaked-slot
  7 elapsed-hang        (not in 'all') scenario 4 where the end event completes only after
                        --hang-s seconds: the buggy elapsed_time blocks like MPS's does, and
                        is meant to be killed by a timeout           -> hang (call never returned)

Each scenario runs inside an mpstrace range 'scenario:<name>' and prints one
'observed:' line saying whether the bug's effect really happened on the GPU.
The runtime is pool_runtime.py; this file only drives it.
"""
import argparse
import sys
import threading
import time

import _mpst
from pool_runtime import BackendError, PoolExhausted, SlotBusy, StreamPool

SCENARIOS = ["device-sync", "wrong-stream-event", "elapsed-no-timing", "retained-buffer",
             "double-owned-slot", "leaked-slot"]
NUMBERS = {"1": "device-sync", "2": "wrong-stream-event", "3": "double-owned-slot",
           "4": "elapsed-no-timing", "5": "retained-buffer", "6": "leaked-slot", "7": "elapsed-hang"}

RETAINED = []  # batches a buggy teardown never released: alive until process exit


class Ctx:
    def __init__(self, backend, ann, fixed, spin_ms, out=print):
        self.backend, self.ann, self.fixed, self.spin_ms, self.out = backend, ann, fixed, spin_ms, out
        self.pool = StreamPool(backend, ann, size=8, fixed=fixed, name="pool")
        self.observed = {}

    def observe(self, name, bug_seen, detail):
        self.observed[name] = bug_seen
        self.out("observed: scenario=%s variant=%s bug_effect=%s %s"
                 % (name, "fixed" if self.fixed else "buggy", "yes" if bug_seen else "no", detail))


def run_thread(fn, name):
    errors = []

    def body():
        _mpst.set_thread_name(name)
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - re-raised in the caller
            errors.append(e)

    t = threading.Thread(target=body, name=name)
    t.start()
    return t, errors


def join(t, errors):
    t.join()
    if errors:
        raise errors[0]


# 1 -----------------------------------------------------------------------
def device_sync(c):
    """A worker stream has a long kernel in flight when the main thread 'syncs the device'."""
    pool, be = c.pool, c.backend
    ready, done_checking = threading.Event(), threading.Event()
    box = {}

    def worker():
        stream = pool.current_stream()  # worker thread: takes a slot lazily
        be.spin(c.spin_ms * 3, stream)
        ev = be.new_event(False)
        be.record(ev, stream)
        box["ev"] = ev
        ready.set()
        done_checking.wait(10)
        be.sync_stream(stream)
        be.destroy_event(ev)
        pool.thread_exit()

    t, errs = run_thread(worker, "sync-worker")
    ready.wait(10)
    be.spin(c.spin_ms / 4, pool.current_stream())  # a little work on the caller's own stream
    t0 = time.perf_counter()
    pool.synchronize_device()
    ms = (time.perf_counter() - t0) * 1e3
    pending = not be.query(box["ev"])
    done_checking.set()
    join(t, errs)
    c.observe("device-sync", pending, "other_stream_pending_after_sync=%s sync_ms=%.1f" % (pending, ms))


# 2 -----------------------------------------------------------------------
def wrong_stream_event(c):
    """Producer stream P writes a flag after a long kernel; consumer C copies it after block(ev, C)."""
    pool, be = c.pool, c.backend
    pool.current_stream()
    p_slot, c_slot = pool.acquire(), pool.acquire()
    P, C = pool.streams[p_slot], pool.streams[c_slot]
    src, dst = be.flag(0.0), be.flag(-1.0)
    be.sync_all()
    ev = be.new_event(False)
    be.spin(c.spin_ms * 2, P)
    be.write_flag(src, 1.0, P)
    pool.record(ev, P)   # intent: P; buggy backend call: the current stream (idle)
    pool.block(ev, C)    # intent: C; buggy backend call: the current stream
    be.copy_flag(dst, src, C)
    be.sync_all()
    got = be.read_flag(dst)
    be.destroy_event(ev)
    pool.release(c_slot)
    pool.release(p_slot)
    c.observe("wrong-stream-event", got != 1.0, "consumer_read=%.1f (1.0 = ordered after producer)" % got)


# 3 -----------------------------------------------------------------------
def double_owned_slot(c):
    """A set-currents onto the slot the next acquire returns, B acquires it, D set-currents
    onto B's slot while B holds it, C acquires it after A's exit "released" it."""
    pool, be = c.pool, c.backend
    a_set, b_has, c_done = threading.Event(), threading.Event(), threading.Event()
    with pool.cv:
        target = min(pool.free)
    slots = {}

    def thread_a():
        pool.set_current(target)  # buggy: slot stays in the free list
        be.spin(c.spin_ms, pool.current_stream())
        a_set.set()
        b_has.wait(10)
        be.sync_stream(pool.current_stream())
        pool.thread_exit()  # buggy: "releases" a slot A never acquired, while B uses it

    def thread_b():
        a_set.wait(10)
        slots["b"] = pool.acquire()
        be.spin(c.spin_ms, pool.streams[slots["b"]])
        b_has.set()
        c_done.wait(10)
        be.sync_stream(pool.streams[slots["b"]])
        pool.release(slots["b"])
        pool.thread_exit()

    def thread_d():
        # set-current onto the slot B owns right now: buggy allows it, fixed refuses
        try:
            pool.set_current(slots["b"])
            slots["d"] = slots["b"]
        except SlotBusy:
            slots["d"] = pool.acquire()
            pool.set_current(slots["d"])
        be.spin(c.spin_ms / 4, pool.current_stream())
        be.sync_stream(pool.current_stream())
        pool.thread_exit()

    def thread_c():
        slots["c"] = pool.acquire()
        be.spin(c.spin_ms / 2, pool.streams[slots["c"]])
        be.sync_stream(pool.streams[slots["c"]])
        pool.release(slots["c"])
        pool.thread_exit()

    ta, ea = run_thread(thread_a, "slot-a")
    tb, eb = run_thread(thread_b, "slot-b")
    join(ta, ea)          # A has exited (and, buggy, put `target` back in the free list)
    td, ed = run_thread(thread_d, "slot-d")
    join(td, ed)
    tc, ec = run_thread(thread_c, "slot-c")
    join(tc, ec)
    c_done.set()
    join(tb, eb)
    shared = (slots.get("b") == target) + (slots.get("c") == slots.get("b"))
    c.observe("double-owned-slot", pool.double_owned > 0,
              "target_slot=%d b_slot=%s c_slot=%s d_slot=%s double_owned=%d shared_with_a=%s"
              % (target, slots.get("b"), slots.get("c"), slots.get("d"), pool.double_owned, bool(shared)))


# 4 -----------------------------------------------------------------------
def elapsed_no_timing(c):
    """elapsed_time on a pair of events; buggy creates them without timing."""
    pool, be = c.pool, c.backend
    stream = pool.current_stream()
    start, end = be.new_event(c.fixed), be.new_event(c.fixed)
    pool.record(start, stream)
    be.spin(c.spin_ms / 2, stream)
    pool.record(end, stream)
    err = ""
    ms = -1.0
    try:
        ms = pool.elapsed_time(start, end)
    except (BackendError, ValueError) as e:
        err = str(e)
    be.destroy_event(start)
    be.destroy_event(end)
    c.observe("elapsed-no-timing", bool(err), "elapsed_ms=%.3f error=%r" % (ms, err))


# 5 -----------------------------------------------------------------------
def retained_buffer(c):
    """A scratch pool's streams each commit a few batches; then the pool is torn down."""
    be = c.backend
    scratch = StreamPool(be, c.ann, size=3, fixed=c.fixed, name="scratch", annotate_slots=False)
    nbytes = 4 << 20
    for _round in range(3):
        for slot in range(3):
            b = scratch.batch(slot, nbytes)
            be.spin(c.spin_ms / 10, scratch.streams[slot])
            be.touch(b.workspace, scratch.streams[slot])  # the batch's work writes its workspace
            scratch.flush(slot)
    before = len(RETAINED)
    scratch.destroy(retained_sink=RETAINED)
    kept = len(RETAINED) - before
    c.observe("retained-buffer", kept > 0,
              "batches_retained_after_destroy=%d bytes=%d" % (kept, kept * nbytes))


# 6 -----------------------------------------------------------------------
def leaked_slot(c):
    """Three workers each take a side stream from the pool; then the main thread asks for two more."""
    pool, be = c.pool, c.backend
    n = 3
    ready = [threading.Event() for _ in range(n)]
    go = [threading.Event() for _ in range(n)]

    def worker(i):
        own = pool.current_stream()                 # lazily acquired, released at thread exit
        side = pool.get_stream_from_pool()          # buggy: raw stream, never released
        s = side.stream if c.fixed else side
        be.spin(c.spin_ms / 4, own)
        be.spin(c.spin_ms / 4, s)
        be.sync_stream(s)
        if c.fixed:
            side.close()
        ready[i].set()
        go[i].wait(10)
        be.sync_stream(own)
        pool.thread_exit()

    ts = [run_thread(lambda i=i: worker(i), "leak-%d" % i) for i in range(n)]
    for r in ready:
        r.wait(10)
    got, failed = [], 0
    # worker 0 leaves in 30 ms: a buggy pool is dry by then, so the main thread's acquire waits
    threading.Timer(0.03, go[0].set).start()
    for _ in range(3):
        try:
            h = pool.get_stream_from_pool()
            got.append(h)
            if c.fixed:
                h.close()
        except PoolExhausted:
            failed += 1
    for g in go:
        g.set()
    for t, errs in ts:
        join(t, errs)
    with pool.cv:
        free_now = len(pool.free)
    c.observe("leaked-slot", pool.exhausted > 0 or failed > 0,
              "pool_empty_events=%d failed_acquires=%d waited_ms=%.1f free_at_end=%d of %d"
              % (pool.exhausted, failed, pool.waited_ns / 1e6, free_now, len(pool.streams) - 1))


# 7 -----------------------------------------------------------------------
def elapsed_hang(c):
    """Scenario 4 with an end event that completes only after hang_s: the buggy
    runtime waits for it before it looks at the timing flag (MPS: forever)."""
    if c.fixed:  # the fixed runtime refuses at once; same as scenario 4 fixed
        return elapsed_no_timing(c)
    pool, be = c.pool, c.backend
    stream = pool.current_stream()
    start, end = be.new_event(False), be.new_event(False)
    pool.record(start, stream)
    be.spin(c.hang_s * 1e3, stream)
    pool.record(end, stream)
    c.out("blocking in elapsed_time for up to %.0f s: run this under a shorter timeout" % c.hang_s)
    t0 = time.perf_counter()
    err = ""
    try:
        pool.elapsed_time(start, end)
    except (BackendError, ValueError) as e:
        err = str(e)
    c.observe("elapsed-hang", True, "blocked_s=%.1f error=%r" % (time.perf_counter() - t0, err))


RUNNERS = {"device-sync": device_sync, "wrong-stream-event": wrong_stream_event,
           "double-owned-slot": double_owned_slot, "elapsed-no-timing": elapsed_no_timing,
           "retained-buffer": retained_buffer, "leaked-slot": leaked_slot, "elapsed-hang": elapsed_hang}


def resolve(name):
    name = NUMBERS.get(name, name)
    if name == "all":
        return list(SCENARIOS)
    if name not in RUNNERS:
        raise SystemExit("error: unknown scenario %r; use all, 1-7 or one of %s"
                         % (name, ", ".join(SCENARIOS + ["elapsed-hang"])))
    return [name]


def run(backend, ann, fixed, names, spin_ms=40.0, out=print, hang_s=20.0):
    c = Ctx(backend, ann, fixed, spin_ms, out)
    c.hang_s = hang_s
    c.pool.current_slot()  # the main thread starts on slot 0
    failed = []
    for name in names:
        ann.marker("scenario:%s:%s" % (name, "fixed" if fixed else "buggy"))
        with ann.range("scenario:%s" % name):
            try:
                RUNNERS[name](c)
            except Exception as e:  # noqa: BLE001 - one broken scenario must not hide the others
                failed.append(name)
                out("error: scenario %s raised %s: %s" % (name, type(e).__name__, e))
    return c, failed


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true", help="run the corrected twin of the pool")
    p.add_argument("--scenario", default="all",
                   help="all (default: 1-6), 1-7 or a name: " + ", ".join(SCENARIOS + ["elapsed-hang"]))
    p.add_argument("--spin-ms", type=float, default=40.0, help="length of the long kernels (default 40)")
    p.add_argument("--hang-s", type=float, default=20.0, help="elapsed-hang: GPU time before the end event completes (default 20)")
    args = p.parse_args(argv)
    names = resolve(args.scenario)

    import torch  # only here: the pool logic above is testable without torch
    from _gpu import require_cuda
    from cuda_backend import CudaBackend
    device = require_cuda()
    backend = CudaBackend(device)
    print("stream_pool: variant=%s scenarios=%s spin_ms=%.0f torch=%s cuda=%s"
          % ("fixed" if args.fixed else "buggy", ",".join(names), args.spin_ms, torch.__version__, torch.version.cuda))
    print(_mpst.status_line())
    print("cuda functions from: %s" % ", ".join(sorted(set(backend.rt.where.values()))), flush=True)
    c, failed = run(backend, _mpst, args.fixed, names, args.spin_ms, hang_s=args.hang_s)
    backend.sync_all()
    seen = sum(1 for v in c.observed.values() if v)
    print("scenarios=%d bug_effects_seen=%d failed=%d variant=%s retained=%d"
          % (len(names), seen, len(failed), "fixed" if args.fixed else "buggy", len(RETAINED)))
    # a buggy run must show every effect, a fixed run none; otherwise the fixture is not what it claims
    expected = 0 if args.fixed else len(names)
    return 0 if not failed and seen == expected else 1


if __name__ == "__main__":
    sys.exit(main())
