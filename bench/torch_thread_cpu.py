"""Per-new-thread cost of mpstrace.torch at level api, two versions of the
layer side by side in one run, on the CPU with the stand-in torch
(test/fake_torch) under the real recorder (issues 10, 16):

    python3 bench/torch_thread_cpu.py --lib instrumentation/build/libmpstrace_cuda.so \\
        [--old main] [--layer NAME=DIR ...] [--rounds 12] [--threads 60]

Layers: `new` (this checkout's instrumentation/python) and, with --old REF,
`old` (that commit's instrumentation/python, exported with git archive into a
temp dir); or any NAME=DIR. Each round runs one process per layer, in
rotating order; inside, blocks of new threads alternate with the layer on
and off in place (mpstrace.torch.set_active). A thread runs:

    one recorder record (a marker)       rec: the thread's recorder setup
                                         (slot, chunk, thread_start,
                                         thread_name), in both modes, as on
                                         the GPU, where the thread's hooked
                                         CUDA calls write records either way
    with torch.cuda.stream(s): pass      ctx1, then ctx2 (a second time)
    s.synchronize()                      sync1, then sync2

Per thread (us, medians over a round's threads): each call's first and
second time, timed in the thread (wall clock); work, the four torch calls
(wall); cpu, the same as the thread's CPU time (what other processes on a
busy machine do not add to); life (start to join, teardown included, wall);
each with the layer on and off; <x>_us is on minus off: what the layer adds
to a new thread. A busy machine adds noise: many rounds, and the summary
gives per layer the median and the worst round.
With --child: one process's measurements as JSON.
"""
import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KEYS = ("rec", "ctx1", "ctx2", "sync1", "sync2", "work", "cpu", "life")


def child(blocks, n):
    import torch  # the stand-in, from PYTHONPATH

    import mpstrace.torch as L

    rec = L.Recorder()
    if not rec.ok:
        sys.exit("no recorder loaded: run with LD_PRELOAD=.../libmpstrace_cuda.so and MPSTRACE_OUT set")
    L.install(torch, level="api", recorder=rec)
    assert L.level() == "api", L.level()
    s = torch.cuda.Stream()
    clock, cpu = time.perf_counter_ns, time.thread_time_ns
    marker = ctypes.PyDLL(None).mpstrace_impl_marker
    marker.argtypes, marker.restype = [ctypes.c_char_p], None

    def work(res):
        a = clock()
        marker(b"thread")
        r = clock()
        c0 = cpu()
        b = clock()
        with torch.cuda.stream(s):
            pass
        c = clock()
        with torch.cuda.stream(s):
            pass
        d = clock()
        s.synchronize()
        e = clock()
        s.synchronize()
        f = clock()
        c1 = cpu()
        res.update(rec=r - a, ctx1=c - b, ctx2=d - c, sync1=e - d, sync2=f - e, work=f - b, cpu=c1 - c0)

    got = {True: [], False: []}
    for on in (True, False):  # warm up both paths
        L.set_active(on)
        for _ in range(5):
            t = threading.Thread(target=work, args=({},))
            t.start()
            t.join()
    for r in range(blocks):
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            L.set_active(on)
            for _ in range(n):
                res = {}
                t0 = clock()
                t = threading.Thread(target=work, args=(res,))
                t.start()
                t.join()
                res["life"] = clock() - t0
                got[on].append(res)
            del torch.calls[:]
    L.set_active(True)
    out = {"layer": L.__file__, "threads": len(got[True])}
    for k in KEYS:
        on = statistics.median(x[k] for x in got[True]) / 1e3
        off = statistics.median(x[k] for x in got[False]) / 1e3
        out[k + "_on_us"], out[k + "_off_us"], out[k + "_us"] = round(on, 3), round(off, 3), round(on - off, 3)
    print(json.dumps(out))


def export_layer(ref, root, work):
    """instrumentation/python at git ref `ref`, in a folder under `work`."""
    dest = os.path.join(work, "git-" + ref.replace("/", "_"))
    os.makedirs(dest)
    arch = subprocess.run(["git", "-C", root, "archive", ref, "instrumentation/python"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", dest], input=arch.stdout, check=True)
    return os.path.join(dest, "instrumentation", "python")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib")
    p.add_argument("--layer", action="append", default=[], help="NAME=DIR (the folder holding the mpstrace package)")
    p.add_argument("--old", help="git ref whose instrumentation/python runs as layer `old`")
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--blocks", type=int, default=4)
    p.add_argument("--threads", type=int, default=60, help="threads per block")
    p.add_argument("--child", action="store_true")
    a = p.parse_args()
    if a.child:
        return child(a.blocks, a.threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="mpst-threadcold.")
    layers = [x.split("=", 1) for x in a.layer]
    if not layers:
        layers = [["new", os.path.join(root, "instrumentation", "python")]]
    if a.old:
        layers.append(["old", export_layer(a.old, root, work)])
    # every layer from a copy under the same temp folder: where a package is
    # imported from (file system, path length) showed in the timings
    for i, (name, d) in enumerate(layers):
        dest = os.path.join(work, "copy-" + name)
        shutil.copytree(d, dest, ignore=shutil.ignore_patterns("__pycache__"))
        layers[i] = [name, dest]
    lib = os.path.abspath(a.lib or os.path.join(root, "instrumentation", "build", "libmpstrace_cuda.so"))
    fake = os.path.join(root, "test", "fake_torch")
    res = {name: [] for name, _ in layers}
    try:
        for rnd in range(a.rounds):
            for name, d in layers[rnd % len(layers):] + layers[:rnd % len(layers)]:
                env = dict(os.environ, LD_PRELOAD=lib, MPSTRACE_TORCH="off",
                           MPSTRACE_OUT=os.path.join(work, "%s_%d.mpst" % (name, rnd)),
                           PYTHONPATH=os.pathsep.join((os.path.abspath(d), fake)))
                r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--blocks", str(a.blocks),
                                    "--threads", str(a.threads)], env=env, capture_output=True, text=True, timeout=300)
                if os.path.exists(env["MPSTRACE_OUT"]):
                    os.unlink(env["MPSTRACE_OUT"])
                if r.returncode != 0 or not r.stdout.strip():
                    print("%s round %d: rc=%d %s" % (name, rnd + 1, r.returncode, r.stderr[-800:]), flush=True)
                    continue
                out = json.loads(r.stdout.strip().splitlines()[-1])
                res[name].append(out)
                print("round %d %-4s %s" % (rnd + 1, name, " ".join(
                    "%s=%.2f/%.2f" % (k, out[k + "_on_us"], out[k + "_off_us"]) for k in KEYS)), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("per new thread, layer on minus off (us): median of %d rounds [worst round]" % a.rounds)
    names = [n for n, _ in layers if res[n]]
    print("%-6s" % "" + "".join("%22s" % n for n in names))
    kv = {}
    for k in KEYS + ("on_life",):
        cells = []
        for n in names:
            vals = [o["life_on_us"] if k == "on_life" else o[k + "_us"] for o in res[n]]
            med, worst = statistics.median(vals), max(vals)
            kv["%s_%s_us" % (n, k)], kv["%s_%s_worst_us" % (n, k)] = round(med, 2), round(worst, 2)
            cells.append("%22s" % ("%.2f [%.2f]" % (med, worst)))
        print("%-6s" % k + "".join(cells))
    print(" ".join("%s=%s" % x for x in kv.items()))


if __name__ == "__main__":
    main()
