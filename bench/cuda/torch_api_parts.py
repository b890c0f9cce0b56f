"""Where level api's time goes, per call, on the GPU machine (issues 10, 16):
each call the torch layer wraps, and one block allocation + free, timed with
the layer on and off in place, in alternating blocks of one process.

    python3 bench/cuda/torch_api_parts.py --lib instrumentation/build/libmpstrace_cuda.so \\
        [--layer new=instrumentation/python --layer old=OTHER/instrumentation/python] [--rounds 2] [--ops thread]

Each --layer NAME=DIR runs one process per round under the recorder at level
api (LD_PRELOAD, MPSTRACE_TORCH=api, PYTHONPATH=DIR), in rotating order;
NAME=DIR@python runs that layer without its C++ library
(MPSTRACE_TORCH_HOOK=python: intent only, no block lifetimes, no build);
NAME=DIR@ctypes with the recorder called through ctypes, not its C built-ins
(MPSTRACE_TORCH_CTYPES=1); both: NAME=DIR@python,ctypes.
Per call (us, median of the blocks; ..._min: the fastest block):

  sync          torch.cuda.synchronize() on an idle GPU (called from a short function)
  sync_big      the same, called from a long function (~300 lines, as a
                training script's loop): the call site is looked up per wrapped call
  stream_sync   Stream.synchronize()
  stream_ctx    one `with torch.cuda.stream(s): pass` (StreamContext __enter__ + __exit__)
  event_record  Event.record(s)
  wait_event    current_stream().wait_event(ev) (Event.wait inside)
  thread        start and join a new thread that runs `with torch.cuda.stream(s)`
                and s.synchronize() (per-thread setup of the layer)
  alloc_free    torch.empty(256 floats) dropped at once: one block handed out and
                freed; on/off = the C++ trace tracker writing / paused (torch
                still builds its trace entry when paused)

<op>_on_us, <op>_off_us and <op>_us (on minus off) per layer; the last line
key=value (<layer>_<op>_us ...). Also pieces of a wrapped call with the layer
on: push+pop of the call site, one recorder record through ctypes.
With --child: one process's measurements as JSON.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_loop_caller import big_caller  # noqa: E402 - after the path it lives on


def per_call_us(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def thread_parts(torch, L, s2, blocks, n=40):
    """Inside new threads, layer on and off: the first and second of each
    call, timed in the thread (us, medians over the threads): tls (the
    layer's nesting guard, L._depth(): a threading.local's first use in the
    thread before, a table lookup since), cur (the layer's current-stream
    lookup: the thread's first CUDA call in both modes), ctx1/ctx2 (`with
    torch.cuda.stream(s)`), sync1/sync2 (Stream.synchronize), work (all six,
    wall), cpu (all six as the thread's CPU time), life (start to join,
    teardown included)."""
    be = L._S.backend
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    got = {True: [], False: []}

    def work(res):
        c0 = cpu()
        a = clock()
        L._depth()
        b = clock()
        be.current_stream()
        c = clock()
        with torch.cuda.stream(s2):
            pass
        d = clock()
        with torch.cuda.stream(s2):
            pass
        e = clock()
        s2.synchronize()
        f = clock()
        s2.synchronize()
        g = clock()
        c1 = cpu()
        res.update(tls=b - a, cur=c - b, ctx1=d - c, ctx2=e - d, sync1=f - e, sync2=g - f, work=g - a, cpu=c1 - c0)

    for r in range(blocks):
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            L._S.active = on
            for _ in range(n):
                res = {}
                t0 = clock()
                t = threading.Thread(target=work, args=(res,))
                t.start()
                t.join()
                res["life"] = clock() - t0
                got[on].append(res)
    L._S.active = True
    out = {}
    for on, rows in got.items():
        for k in ("tls", "cur", "ctx1", "ctx2", "sync1", "sync2", "work", "cpu", "life"):
            out["thread_%s_%s_us" % (k, "on" if on else "off")] = round(statistics.median(x[k] for x in rows) / 1e3, 3)
    for k in ("tls", "cur", "ctx1", "ctx2", "sync1", "sync2", "work", "cpu", "life"):
        out["thread_%s_us" % k] = round(out["thread_%s_on_us" % k] - out["thread_%s_off_us" % k], 3)
    return out


def child(blocks, only=None):
    import torch

    import mpstrace.torch as L

    out = {"level": L.level(), "lifetimes": getattr(L._S, "lifetimes", None), "layer": L.__file__,
           "built_ins": len(getattr(L._S.rec, "fast", None) or ())}
    dev = torch.device("cuda")
    torch.empty(1, device=dev)
    torch.cuda.synchronize()
    lib = L._S.lib if getattr(L._S, "lifetimes", None) == "cpp" else None
    s, s2 = torch.cuda.Stream(), torch.cuda.Stream()
    ev = torch.cuda.Event()
    ev.record(s)
    cur = torch.cuda.current_stream()
    sync = torch.cuda.synchronize

    def ctx():
        with torch.cuda.stream(s):
            pass

    def thread_work():
        with torch.cuda.stream(s2):
            pass
        s2.synchronize()

    def thread():
        t = threading.Thread(target=thread_work)
        t.start()
        t.join()

    def alloc_free():
        torch.empty(256, device=dev)

    ops = {"sync": (lambda: sync(), 2000), "sync_big": (big_caller(sync), 2000),
           "stream_sync": (lambda: s.synchronize(), 2000), "stream_ctx": (ctx, 2000),
           "event_record": (lambda: ev.record(s), 2000), "wait_event": (lambda: cur.wait_event(ev), 2000),
           "thread": (thread, 200), "alloc_free": (alloc_free, 4000)}
    if only:
        ops = {k: v for k, v in ops.items() if k in only}
    ms = {"%s_%s" % (k, m): [] for k in ops for m in ("on", "off")}

    def set_mode(op, on):
        if op == "alloc_free":
            L._S.active = True
            if lib is not None:
                lib.lifetimes_set_active(on)
        else:
            L._S.active = on
            if lib is not None:
                lib.lifetimes_set_active(True)

    for k, (fn, n) in ops.items():  # warm up every path once
        for on in (True, False):
            set_mode(k, on)
            per_call_us(fn, max(1, n // 20))
    for r in range(blocks):
        for k, (fn, n) in ops.items():
            for on in ((True, False) if r % 2 == 0 else (False, True)):
                set_mode(k, on)
                torch.cuda.synchronize()
                ms["%s_%s" % (k, "on" if on else "off")].append(per_call_us(fn, n))
    L._S.active = True
    if lib is not None:
        lib.lifetimes_set_active(True)
    for k in ops:
        on, off = statistics.median(ms[k + "_on"]), statistics.median(ms[k + "_off"])
        out[k + "_on_us"], out[k + "_off_us"], out[k + "_us"] = round(on, 3), round(off, 3), round(on - off, 3)
        out[k + "_min_us"] = round(min(ms[k + "_on"]) - min(ms[k + "_off"]), 3)
    if lib is not None:
        a0 = lib.lifetimes_counts()
        for _ in range(1000):
            alloc_free()
        a1 = lib.lifetimes_counts()
        out["tracker_records_per_alloc_free"] = round(((a1[0] - a0[0]) + (a1[1] - a0[1])) / 1000, 2)
    out.update(thread_parts(torch, L, s2, blocks))
    # pieces of a wrapped call (layer on)
    rec = L._S.rec
    if L._S.active:
        out["push_pop_site_us"] = round(statistics.median(
            per_call_us(lambda: rec.pop_site(L._push_site(rec, 1) or 0), 5000) for _ in range(5)), 3)
        out["record_ctypes_us"] = round(statistics.median(
            per_call_us(lambda: rec.api_sync_end(0, 1, b"torch.cuda.synchronize", 0), 5000) for _ in range(5)), 3)
        be = L._S.backend
        out["current_stream_us"] = round(statistics.median(
            per_call_us(be.current_stream, 5000) for _ in range(5)), 3)
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib")
    p.add_argument("--layer", action="append", default=[], help="NAME=DIR (the mpstrace Python folder)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--ops", help="comma list: time only these ops (the thread_* parts always run)")
    p.add_argument("--child", action="store_true")
    a = p.parse_args()
    if a.child:
        return child(a.blocks, a.ops.split(",") if a.ops else None)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    layers = [x.split("=", 1) for x in a.layer] or [["new", os.path.join(root, "instrumentation", "python")]]
    work = tempfile.mkdtemp(prefix="mpst-apiparts.")
    res = {name: [] for name, _ in layers}
    for rnd in range(a.rounds):
        for name, d in layers[rnd % len(layers):] + layers[:rnd % len(layers)]:
            d, _, hook = d.partition("@")
            env = dict(os.environ, LD_PRELOAD=os.path.abspath(a.lib), MPSTRACE_TORCH="api",
                       MPSTRACE_OUT=os.path.join(work, "%s_%d.mpst" % (name, rnd)), PYTHONPATH=os.path.abspath(d))
            env.pop("MPSTRACE_TORCH_HOOK", None)
            env.pop("MPSTRACE_TORCH_CTYPES", None)
            if "python" in hook.split(","):
                env["MPSTRACE_TORCH_HOOK"] = "python"
            if "ctypes" in hook.split(","):
                env["MPSTRACE_TORCH_CTYPES"] = "1"
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--blocks", str(a.blocks)]
                               + (["--ops", a.ops] if a.ops else []),
                               env=env, capture_output=True, text=True, timeout=150)
            if r.returncode != 0 or not r.stdout.strip():
                print("%s round %d: rc=%d %s" % (name, rnd + 1, r.returncode, r.stderr[-800:]), flush=True)
                continue
            out = json.loads(r.stdout.strip().splitlines()[-1])
            res[name].append(out)
            print("round %d %s: %s" % (rnd + 1, name, json.dumps(out)), flush=True)
    kv = {}
    for name, outs in res.items():
        if not outs:
            continue
        for k in sorted(outs[0]):
            vals = [o[k] for o in outs if isinstance(o.get(k), (int, float))]
            if vals:
                kv["%s_%s" % (name, k)] = round(statistics.median(vals), 3)
    print(" ".join("%s=%s" % x for x in kv.items()))


if __name__ == "__main__":
    main()
