"""Cost of the PyTorch layer (mpstrace.torch) on a launch-bound training loop.

    python3 bench/cuda/torch_layer.py --lib instrumentation/build/libmpstrace_cuda.so [--rounds 3] [--budget-s 140]

A small transformer (2 encoder layers, d_model 128, batch 8 x 32 tokens,
AdamW): its step is bound by kernel launches (about 200 per step), the case
where per-call Python work shows most. Each mode runs in its own python
process (only that process is preloaded), in interleaved rounds so drift of
the machine hits every mode alike:

  plain  no recorder            off   recorder, MPSTRACE_TORCH=off
  api    recorder, level api (block lifetimes from the C++ allocator trace tracker when it builds)
  apinolife  level api without the C++ library (MPSTRACE_TORCH_HOOK=python): no block lifetimes
  apipy  level api without the C++ library, plus torch's Python GPU-trace callbacks on every
         allocation and free (the layer's _install_lifetimes): what lifetimes through Python cost
  full   recorder, level full, per-op hook: Python dispatch mode (MPSTRACE_TORCH_HOOK=python)
  fullcpp  recorder, level full, per-op hook: C++ RecordFunction observer (MPSTRACE_TORCH_HOOK=cpp)
  csan   no recorder, TORCH_CUDA_SANITIZER=1 (PyTorch's CUDA sanitizer)

--modes picks a subset; each round runs them in a rotated order. Per mode:
median and worst step time over all rounds (each step ends with
torch.cuda.synchronize(), after warm-up), and <mode>_over_off_paired_pct: per
round the mode's median over off's median in the same round, the median of
those ratios (processes differ by up to ~20% from one another: allocator,
clocks). One more process under the recorder alternates, in place, blocks of
a few steps in rotating order: the layer off, level api without lifetimes
(the C++ tracker paused), level api, and level api plus the C++ op observer
(ab_* keys). Per mode it also prints, from its first round, the wrapped
calls one step makes and where lifetimes come from, and key=value counts per
step: <mode>_allocator_allocated_per_step / _freed_per_step (the caching
allocator's own counters: the callbacks a lifetime hook gets),
<mode>_cpp_allocs_per_step / _cpp_frees_per_step (records the C++ tracker
wrote), <mode>_ops_per_step / _records_per_step (the C++ observer). The last
line is key=value pairs: <mode>_med_ms, <mode>_max_ms, <mode>_over_off_pct,
<mode>_over_off_paired_pct, csan_over_full and csan_over_fullcpp (how many
times the full level's step CSAN's is), ab_<variant>_med_ms,
ab_<variant>_over_off_pct, kernels_per_step and the counts. The C++ library
is built before the rounds (its build time is printed), so no round pays
for it.
BENCH_PYDIR: the mpstrace Python folder to put on PYTHONPATH (default
instrumentation/python of this checkout).
With --child, runs one mode's loop and prints its step times as JSON.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

MODES = ("plain", "off", "api", "apinolife", "apipy", "full", "fullcpp", "csan")
HOOK = {"full": "python", "fullcpp": "cpp"}
# level api variants: apinolife = the fallback without the C++ library (no
# block lifetimes); apipy = that plus torch's Python GPU-trace callbacks on
# every allocation and free (what lifetimes through Python would cost)
API_HOOK = {"apinolife": "python", "apipy": "python"}


def pydir():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.abspath(os.environ.get("BENCH_PYDIR") or os.path.join(root, "instrumentation", "python"))


def build_step():
    import torch
    from torch import nn

    torch.manual_seed(0)
    dev = torch.device(os.environ.get("BENCH_DEVICE", "cuda"))  # cpu: a dry run of the script itself
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0.0, batch_first=True)
    model = nn.Sequential(nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False), nn.Linear(128, 128)).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True)
    x = torch.randn(8, 32, 128, device=dev)
    y = torch.randn(8, 32, 128, device=dev)

    def step():
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync()

    return step


def child(steps, warmup):
    if os.environ.get("BENCH_PYLIFE"):
        python_lifetimes()
    step = build_step()
    for _ in range(warmup):
        step()
    kernels = None
    if os.environ.get("BENCH_COUNT_KERNELS"):
        try:
            from torch.profiler import ProfilerActivity, profile
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                step()
            kernels = sum(1 for e in prof.events() if getattr(e, "device_type", None) is not None
                          and str(e.device_type).endswith("CUDA") and not e.name.startswith("Memcpy"))
        except Exception as e:  # noqa: BLE001 - optional
            print("kernel count failed: %s" % e, file=sys.stderr)
    import torch

    L = sys.modules.get("mpstrace.torch")
    native = getattr(getattr(L, "_S", None), "native", None)
    lib = getattr(getattr(L, "_S", None), "lib", None)
    c0 = native.counts() if native is not None else None
    l0 = lib.lifetimes_counts() if lib is not None else None
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    m0 = torch.cuda.memory_stats() if cuda else {}
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    out = {"ms": times, "kernels": kernels, "hook": L.hook() if L is not None else None,
           "level": L.level() if L is not None else None,
           "lifetimes": getattr(L._S, "lifetimes", None) if L is not None else None}
    if cuda:  # the caching allocator's own counts: blocks handed out and freed per step
        m1 = torch.cuda.memory_stats()
        for k in ("allocated", "freed"):
            key = "allocation.all." + k
            out["allocator_%s_per_step" % k] = (m1.get(key, 0) - m0.get(key, 0)) / max(1, steps)
    if c0 is not None:
        c1 = native.counts()
        out["ops_per_step"] = (c1[0] - c0[0]) / max(1, steps)
        out["records_per_step"] = (c1[1] - c0[1]) / max(1, steps)
    if l0 is not None:
        l1 = lib.lifetimes_counts()
        out["cpp_allocs_per_step"] = (l1[0] - l0[0]) / max(1, steps)
        out["cpp_frees_per_step"] = (l1[1] - l0[1]) / max(1, steps)
        out["lifetimes_error"] = lib.lifetimes_error
    if L is not None and L._S.active:  # one more, untimed step: which wrapped calls run per step
        import collections

        calls = collections.Counter()
        orig = L._call

        def counting(label, *a):
            calls[label] += 1
            return orig(label, *a)
        L._call = counting
        step()
        L._call = orig
        out["wrapped_calls_per_step"] = dict(calls)
    print(json.dumps(out))


def python_lifetimes():
    """apipy: torch's GPU-trace callbacks in Python on every allocation and
    free (the layer's own _install_lifetimes, as level full without the C++
    library runs it), at level api."""
    import mpstrace.torch as L
    import torch
    if L._S.active and L._S.backend is not None:
        L._install_lifetimes(torch, L._S.backend, ({}, {}))
        L._S.lifetimes = "gputrace"


def child_ab(steps, warmup, rounds):
    """One process under the recorder (layer at level api): blocks of a few
    steps alternate, in rotating order, between the layer switched off in
    place, level api without block lifetimes (the C++ tracker paused), level
    api with them, and level api plus the C++ op observer (level full's
    per-op work). Same process, same allocator state: only the variant
    differs."""
    import contextlib

    import mpstrace.torch as L
    import torch

    step = build_step()
    if not L._S.active or L._S.backend is None:
        print(json.dumps({"error": "layer not active on a GPU backend: %s" % L.level()}))
        return
    lib = L._S.lib
    life = lib is not None and L._S.lifetimes == "cpp"
    notes = []
    native = L._native_observer(torch, L._S.backend, notes)

    def lifetimes(on):
        @contextlib.contextmanager
        def ctx():
            if life:
                lib.lifetimes_set_active(on)
            try:
                yield
            finally:
                if life:
                    lib.lifetimes_set_active(True)
        return ctx

    @contextlib.contextmanager
    def cpp():
        native.set_active(True)
        try:
            yield
        finally:
            native.set_active(False)
    variants = {"off": (False, lifetimes(False)), "apinolife": (True, lifetimes(False))}
    if life:
        variants["api"] = (True, lifetimes(True))
    else:
        print("in-process A/B: no C++ lifetimes: %s" % getattr(lib, "lifetimes_error", L._S.lifetimes), file=sys.stderr)
    if native is not None:
        native.set_active(False)
        variants["cpp"] = (True, cpp)
    else:
        print("in-process A/B: no C++ observer: %s" % notes, file=sys.stderr)
    for _ in range(warmup):
        step()
    ms = {k: [] for k in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            active, ctx = variants[name]
            L._S.active = active
            with ctx():
                step()  # one untimed step per block
                for _ in range(steps):
                    t0 = time.perf_counter()
                    step()
                    ms[name].append((time.perf_counter() - t0) * 1e3)
    L._S.active = True
    print(json.dumps({"ms": ms}))


def run_mode(mode, lib, steps, warmup, work, count):
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "MPSTRACE_OUT", "MPSTRACE_TORCH", "TORCH_CUDA_SANITIZER"):
        env.pop(k, None)
    env.pop("MPSTRACE_TORCH_HOOK", None)
    env.pop("BENCH_PYLIFE", None)
    if mode in ("off", "api", "apinolife", "apipy", "full", "fullcpp", "ab"):
        env["LD_PRELOAD"] = lib
        env["MPSTRACE_OUT"] = os.path.join(work, "%s_%d.mpst" % (mode, time.monotonic_ns()))
        env["MPSTRACE_TORCH"] = "full" if mode in HOOK else ("off" if mode == "off" else "api")
        if mode in HOOK:
            env["MPSTRACE_TORCH_HOOK"] = HOOK[mode]
        if mode in API_HOOK:
            env["MPSTRACE_TORCH_HOOK"] = API_HOOK[mode]
        if mode == "apipy":
            env["BENCH_PYLIFE"] = "1"
        env["PYTHONPATH"] = pydir() + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if mode == "csan":
        env["TORCH_CUDA_SANITIZER"] = "1"
    if count:
        env["BENCH_COUNT_KERNELS"] = "1"
    n = steps if mode != "csan" else max(5, steps // 4)  # CSAN is slow; fewer steps
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--steps", str(n), "--warmup", str(warmup)]
    if mode == "ab":
        cmd = [sys.executable, os.path.abspath(__file__), "--child-ab", "--steps", "5", "--warmup", str(warmup), "--rounds", "40"]
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        print("%s: timed out after 120 s" % mode, file=sys.stderr)
        return None
    if r.returncode != 0 or not r.stdout.strip():
        print("%s: rc=%d %s" % (mode, r.returncode, r.stderr[-800:]), file=sys.stderr)
        return None
    res = json.loads(r.stdout.strip().splitlines()[-1])
    if mode in HOOK and res.get("hook") != HOOK[mode]:
        print("%s: ran with hook %r, not %r: %s" % (mode, res.get("hook"), HOOK[mode], r.stderr[-600:]), file=sys.stderr)
        return None
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib", help="the recorder (libmpstrace_cuda.so)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--budget-s", type=float, default=140, help="start no new round past this many seconds")
    p.add_argument("--child", action="store_true")
    p.add_argument("--child-ab", action="store_true")
    p.add_argument("--no-ab", action="store_true", help="skip the in-process A/B run")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of %s" % ",".join(MODES))
    a = p.parse_args()
    if a.child:
        return child(a.steps, a.warmup)
    if a.child_ab:
        return child_ab(a.steps, a.warmup, a.rounds)
    if not a.lib or not os.path.exists(a.lib):
        p.error("--lib: the recorder library is needed (make -C instrumentation)")
    lib = os.path.abspath(a.lib)
    t0 = time.monotonic()
    # build the C++ observer once, outside the timed rounds (a cache hit when built before)
    env = dict(os.environ, PYTHONPATH=pydir())
    r = subprocess.run([sys.executable, "-m", "mpstrace._torch_native"], env=env, capture_output=True, text=True,
                       timeout=300)
    print("C++ observer build: rc=%d in %.1f s: %s" % (r.returncode, time.monotonic() - t0,
                                                       (r.stdout.strip() or r.stderr.strip()[-800:])), flush=True)
    work = tempfile.mkdtemp(prefix="mpst-torchbench.")
    modes = [m for m in a.modes.split(",") if m]
    bad = [m for m in modes if m not in MODES]
    if bad:
        p.error("--modes: unknown %s" % bad)
    ms = {m: [] for m in modes}
    worst_run = {m: [] for m in modes}
    round_med = {m: {} for m in modes}  # per round: its median (for paired ratios)
    kernels = None
    per_step = {}
    for rnd in range(a.rounds):
        if rnd and time.monotonic() - t0 > a.budget_s:
            print("budget reached after %d rounds" % rnd, file=sys.stderr)
            break
        # rotate the order each round: no mode always runs right after another
        for mode in modes[rnd % len(modes):] + modes[:rnd % len(modes)]:
            res = run_mode(mode, lib, a.steps, a.warmup, work, count=(rnd == 0 and mode == "plain"))
            if res is None:
                continue
            if res.get("kernels"):
                kernels = res["kernels"]
            for k in ("ops_per_step", "records_per_step", "allocator_allocated_per_step", "allocator_freed_per_step",
                      "cpp_allocs_per_step", "cpp_frees_per_step"):
                if res.get(k) is not None:
                    per_step["%s_%s" % (mode, k)] = round(res[k], 1)
            if rnd == 0 and res.get("wrapped_calls_per_step") is not None:
                print("%s: wrapped calls in one step: %s; lifetimes: %s%s" % (
                    mode, res["wrapped_calls_per_step"], res.get("lifetimes"),
                    (" (%s)" % res["lifetimes_error"]) if res.get("lifetimes_error") else ""), flush=True)
            ms[mode] += res["ms"]
            worst_run[mode].append(max(res["ms"]))
            round_med[mode][rnd] = statistics.median(res["ms"])
            print("round %d %-9s median %.3f ms  max %.3f ms  (%d steps)" % (
                rnd + 1, mode, statistics.median(res["ms"]), max(res["ms"]), len(res["ms"])), flush=True)
    kv = {}
    if not a.no_ab:
        res = run_mode("ab", lib, a.steps, a.warmup, work, count=False)
        if res and "ms" in res:
            for name, xs in res["ms"].items():
                kv["ab_%s_med_ms" % name] = round(statistics.median(xs), 3)
                print("in-process %-4s median %.3f ms  worst %.3f ms  over %d steps" % (name, statistics.median(xs), max(xs), len(xs)))
            off = kv.get("ab_off_med_ms")
            if off:
                for name in ("api", "apinolife", "cpp"):
                    if "ab_%s_med_ms" % name in kv:
                        kv["ab_%s_over_off_pct" % name] = round(100.0 * (kv["ab_%s_med_ms" % name] / off - 1), 2)
        elif res:
            print("in-process A/B: %s" % res, file=sys.stderr)
    for mode in modes:
        if ms[mode]:
            kv[mode + "_med_ms"] = round(statistics.median(ms[mode]), 3)
            kv[mode + "_max_ms"] = round(max(ms[mode]), 3)
            print("%-9s median %.3f ms  worst %.3f ms  over %d steps" % (mode, kv[mode + "_med_ms"], kv[mode + "_max_ms"], len(ms[mode])))
    base = kv.get("off_med_ms")
    if base:
        for mode in ("api", "apinolife", "apipy", "full", "fullcpp"):
            if mode + "_med_ms" in kv:
                kv[mode + "_over_off_pct"] = round(100.0 * (kv[mode + "_med_ms"] / base - 1), 2)
            # paired: per round, this mode's median over off's median in the same round; the median of those
            pairs = [round_med[mode][r] / round_med["off"][r] for r in round_med.get(mode, {}) if r in round_med["off"]]
            if pairs:
                kv[mode + "_over_off_paired_pct"] = round(100.0 * (statistics.median(pairs) - 1), 2)
    if kv.get("plain_med_ms") and base:
        kv["off_over_plain_pct"] = round(100.0 * (base / kv["plain_med_ms"] - 1), 2)
    if kv.get("csan_med_ms") and kv.get("full_med_ms"):
        kv["csan_over_full"] = round(kv["csan_med_ms"] / kv["full_med_ms"], 2)
    if kv.get("csan_med_ms") and kv.get("fullcpp_med_ms"):
        kv["csan_over_fullcpp"] = round(kv["csan_med_ms"] / kv["fullcpp_med_ms"], 2)
    if kv.get("csan_med_ms") and kv.get("plain_med_ms"):
        kv["csan_over_plain"] = round(kv["csan_med_ms"] / kv["plain_med_ms"], 2)
    if kernels:
        kv["kernels_per_step"] = kernels
    kv.update(per_step)
    kv["wall_s"] = round(time.monotonic() - t0, 1)
    print(" ".join("%s=%s" % kv_ for kv_ in kv.items()))


if __name__ == "__main__":
    main()
