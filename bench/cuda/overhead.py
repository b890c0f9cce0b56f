"""Recorder overhead per run, many interleaved rounds, and where the time goes (issue 16).

    python3 bench/cuda/overhead.py --lib instrumentation/build/libmpstrace_cuda.so \
        [--lib-before OTHER.so [--pydir-before OTHER/instrumentation/python]] \
        [--gens 3] [--rounds 4] [--steps 80] [--budget-s 220]

Workloads (every worker process builds all three once):
  transformer  launch-bound small transformer training step (2 encoder layers,
               AdamW foreach; ~200 kernels per step, a few ms)
  mlp          the project's training loop (bench/cuda/train.py's MLP step
               with a side-stream prefetch)
  mt           multi-threaded inference: 4 new threads per step, each on its
               own stream (short-lived threads, as thread-per-request servers)
Modes (see MODES): plain (twice: the second plain process is the noise
floor), the recorder's default, MPSTRACE_CUPTI=0, the torch layer off, and
diagnostic CUPTI variants that split CUPTI's cost into its parts.

A "generation" starts one long-lived worker process per mode, all at once;
then round after round, for each workload, the modes run one at a time in a
fresh random order (the others wait idle on a pipe), `--steps` steps each
after 5 warm-up steps. Fresh generations sample per-process effects (which
CPU the process landed on, the file system, CUPTI's start), rounds within a
generation sample drift. Each run reports the median and worst step, host
time per step before the final sync (enqueue) and in it (wait), CPU seconds
per thread name (program threads, the recorder's watchdog, CUPTI's worker),
page faults, context switches of the main thread, the CPU/NUMA node the main
thread ran on, and the recorder's own slow-path counters (mpstrace_recorder_stats:
thread setups, chunk claims, file growth, CUPTI buffer and flush time).
Summary per workload and mode: median of run medians and worst run median,
as overhead against the first plain process; last line key=value.

--paired rec[,sample5]: besides those processes, one recorded process per
named mode measures in-process paired blocks. Each round, for each workload,
it runs one block of `--block-steps` steps per configuration (PAIRED: all on,
all off twice, and each part of the recorder off alone), in a fresh random
order, switching parts with the recorder's `pause` entry point
(mpstrace_impl_pause: hooks, CUPTI completions, CUPTI callbacks, flush after
sync) and the torch layer's mpstrace.torch.set_active, `--warm-steps` steps
after each switch before timing. A part's cost is the round's ratio of block
medians (all on / that part off), so process-to-process noise (which CPU, which
CUPTI start: +-30 % between two plain processes) cancels; off2/off is the
in-process noise floor, plain2/plain the cross-process one. Summary per
workload and part: median and worst ratio over rounds, the where-the-time-goes
counters per configuration, and key=value lines.

    python3 bench/cuda/overhead.py --modes plain,plain2 --paired rec,nocupti --gens 3 --rounds 7

(a paired process of mode nocupti, MPSTRACE_CUPTI=0, never starts CUPTI: its
all-off blocks against rec's, across processes, are what a subscribed but
disabled CUPTI costs.)
"""
import argparse
import ctypes
import json
import os
import random
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORKLOADS = ("transformer", "mlp", "mt")
# name -> (library: "lib" | "before" | None, extra environment)
MODES = {
    "plain": (None, {}),
    "plain2": (None, {}),
    "rec": ("lib", {}),
    "rec_before": ("before", {}),
    "nocupti": ("lib", {"MPSTRACE_CUPTI": "0"}),
    "torchoff": ("lib", {"MPSTRACE_TORCH": "off"}),
    "noflush": ("lib", {"MPSTRACE_CUPTI_FLUSH": "0"}),
    "flush": ("lib", {"MPSTRACE_CUPTI_FLUSH": "1"}),  # the flush after a sync (the default before 2026-12-03 21:50)
    "cbonly": ("lib", {"MPSTRACE_CUPTI_SAMPLE": "0"}),
    "sample10": ("lib", {"MPSTRACE_CUPTI_SAMPLE": "10"}),
    "sample5": ("lib", {"MPSTRACE_CUPTI_SAMPLE": "5"}),
    "sampled": ("lib", {"MPSTRACE_COMPLETIONS": "sampled"}),
    "compl_off": ("lib", {"MPSTRACE_COMPLETIONS": "off"}),
    "cupti": ("lib", {"MPSTRACE_COMPLETIONS": "cupti"}),
    # the hooks alone: no CUPTI, no torch layer (what the interposition itself costs)
    "bare": ("lib", {"MPSTRACE_CUPTI": "0", "MPSTRACE_TORCH": "off"}),
    "bare_torch": ("lib", {"MPSTRACE_CUPTI": "0"}),
    # the library preloaded but switched off (MPSTRACE_ENABLE=0): what the interposed
    # symbols, the dlsym stub and the PYTHONPATH site file cost with no recording at all
    "loaded": ("lib", {"MPSTRACE_ENABLE": "0"}),
    # CUPTI subscribed with one callback domain or none (MPSTRACE_CUPTI_CB; with
    # `none` completions are recorded but do not join their submissions)
    "cb_none": ("lib", {"MPSTRACE_CUPTI_CB": "none"}),
    "cb_rt": ("lib", {"MPSTRACE_CUPTI_CB": "rt"}),
}
# --paired: configuration -> (recorder parts paused, torch layer on). Bits of
# the `pause` annotation (instrumentation/schema/events.json, enum pause_part).
PAUSE = {"hooks": 1, "completions": 2, "callbacks": 4, "flush": 8}
PAUSE_ALL = 15
PAIRED = {
    "on": (0, True),
    "off": (PAUSE_ALL, False),
    "off2": (PAUSE_ALL, False),
    "no_cupti": (PAUSE["completions"] | PAUSE["callbacks"] | PAUSE["flush"], True),
    "no_completions": (PAUSE["completions"], True),
    "no_callbacks": (PAUSE["callbacks"], True),
    "no_flush": (PAUSE["flush"], True),
    "no_hooks": (PAUSE["hooks"], True),
    "no_torch": (0, False),
}
# part -> (numerator, denominator) configurations: the part's cost is num/den - 1
PARTS = {
    "total": ("on", "off"),
    "cupti": ("on", "no_cupti"),
    "completions": ("on", "no_completions"),
    "callbacks": ("on", "no_callbacks"),
    "flush": ("on", "no_flush"),
    "hooks": ("on", "no_hooks"),
    "torch": ("on", "no_torch"),
    "noise": ("off2", "off"),
}
CLEAR_ENV = ("LD_PRELOAD", "MPSTRACE_OUT", "MPSTRACE_CUPTI", "MPSTRACE_CLOCK", "MPSTRACE_TORCH",
             "MPSTRACE_CUPTI_SAMPLE", "MPSTRACE_CUPTI_FLUSH", "MPSTRACE_CHUNK_KB", "MPSTRACE_CUPTI_CB",
             "MPSTRACE_COMPLETIONS")


# ---- worker side ---------------------------------------------------------------

def thread_cpu():
    """CPU seconds per thread name (Linux /proc)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/self/task/{tid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            cpu = (int(parts[11]) + int(parts[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
        out[name] = out.get(name, 0.0) + cpu
    return out


def main_thread_state():
    """(voluntary, involuntary context switches, CPU last run on) of the calling thread."""
    tid = threading.get_native_id()
    with open(f"/proc/self/task/{tid}/status") as f:
        d = dict(line.split(":", 1) for line in f if ":" in line)
    with open(f"/proc/self/task/{tid}/stat") as f:
        cpu = int(f.read().rsplit(")", 1)[1].split()[36])
    return int(d["voluntary_ctxt_switches"]), int(d["nonvoluntary_ctxt_switches"]), cpu


def cpu_node(cpu):
    try:
        for name in os.listdir(f"/sys/devices/system/cpu/cpu{cpu}"):
            if name.startswith("node") and name[4:].isdigit():
                return int(name[4:])
    except OSError:
        pass
    return -1


_stats_fn = None


def recorder_stats():
    """The preloaded recorder's slow-path counters, {} without one (or an older one)."""
    global _stats_fn
    if _stats_fn is None:
        try:
            _stats_fn = ctypes.CDLL(None).mpstrace_recorder_stats
            _stats_fn.argtypes = [ctypes.c_char_p, ctypes.c_int]
        except (AttributeError, OSError):
            _stats_fn = False
    if not _stats_fn:
        return {}
    buf = ctypes.create_string_buffer(4096)
    _stats_fn(buf, 4096)
    return {k: int(v) for k, v in (kv.split("=") for kv in buf.value.decode().split())}


_pause_fn = None


def recorder_pause():
    """The preloaded recorder's pause entry point (mpstrace_impl_pause), None
    without one (or an older one)."""
    global _pause_fn
    if _pause_fn is None:
        try:
            _pause_fn = ctypes.CDLL(None).mpstrace_impl_pause
            _pause_fn.argtypes = [ctypes.c_int]
            _pause_fn.restype = ctypes.c_int
        except (AttributeError, OSError):
            _pause_fn = False
    return _pause_fn or None


_layer = None  # mpstrace.torch when it installed itself in this worker


def apply_config(cfg):
    """Switches the recorder's parts and the torch layer to configuration cfg (PAIRED)."""
    parts, torch_on = PAIRED[cfg]
    pause = recorder_pause()
    if pause:
        pause(parts)
    if _layer is not None:
        _layer.set_active(torch_on)


def paired_blocks(torch, enqueue, configs, steps, warm):
    """One block per configuration, in the given order: {cfg: measure(...)}.
    Ends with everything on again."""
    out = {}
    for cfg in configs:
        apply_config(cfg)
        out[cfg] = measure(torch, enqueue, steps, warm)
    apply_config("on")
    return out


def build(workload, torch):
    from torch import nn
    dev = torch.device("cuda")
    torch.manual_seed(0)
    if workload == "transformer":
        layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0.0, batch_first=True)
        model = nn.Sequential(nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False), nn.Linear(128, 128)).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True)
        x, y = torch.randn(8, 32, 128, device=dev), torch.randn(8, 32, 128, device=dev)

        def enqueue():
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return enqueue
    if workload == "mlp":
        model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)).to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        side = torch.cuda.Stream()
        host = [torch.randn(256, 512).pin_memory() for _ in range(2)]
        labels = torch.randint(0, 10, (256,), device=dev)
        state = {"i": 0, "next": None}

        def enqueue():
            with torch.cuda.stream(side):
                nxt = host[state["i"] % 2].to(dev, non_blocking=True)
                ev = torch.cuda.Event()
                ev.record(side)
            cur = state["next"] if state["next"] is not None else nxt
            torch.cuda.current_stream().wait_event(ev)
            loss = nn.functional.cross_entropy(model(cur), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            state["next"], state["i"] = nxt, state["i"] + 1
        return enqueue
    model = nn.Sequential(nn.Linear(256, 512), nn.GELU(), nn.Linear(512, 256)).to(dev).eval()
    streams = [torch.cuda.Stream() for _ in range(4)]
    xs = [torch.randn(64, 256, device=dev) for _ in range(4)]

    def work(i):
        with torch.no_grad(), torch.cuda.stream(streams[i]):
            for _ in range(8):
                model(xs[i])
            streams[i].synchronize()

    def enqueue():
        ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    return enqueue


def measure(torch, enqueue, steps, warm=5):
    for _ in range(warm):
        enqueue()
    torch.cuda.synchronize()
    cpu0, ru0, st0, rec0 = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF), main_thread_state(), recorder_stats()
    ms, host, wait = [], [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        enqueue()
        t1 = time.perf_counter()
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        ms.append((t2 - t0) * 1e3)
        host.append((t1 - t0) * 1e3)
        wait.append((t2 - t1) * 1e3)
    cpu1, ru1, st1, rec1 = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF), main_thread_state(), recorder_stats()
    cpu = {k: round((v - cpu0.get(k, 0.0)) / steps * 1e3, 4) for k, v in cpu1.items() if v - cpu0.get(k, 0.0) > 0.0}
    ms_sorted = sorted(ms)
    return {
        "med": statistics.median(ms), "mean": statistics.fmean(ms), "p90": ms_sorted[int(0.9 * (len(ms) - 1))], "max": ms_sorted[-1],
        "host": statistics.median(host), "wait": statistics.median(wait),
        "cpu_ms_per_step": cpu,
        "minflt": ru1.ru_minflt - ru0.ru_minflt, "majflt": ru1.ru_majflt - ru0.ru_majflt,
        "vcsw": st1[0] - st0[0], "ivcsw": st1[1] - st0[1], "cpu_at": [st0[2], st1[2]],
        "node_at": [cpu_node(st0[2]), cpu_node(st1[2])],
        "rec": {k: rec1[k] - rec0.get(k, 0) for k in rec1 if rec1[k] - rec0.get(k, 0)},
        "steps": steps,
    }


class _FakeTorch:
    """--fake: CPU stand-ins, to try the bench's plumbing on a machine without a GPU."""
    class cuda:
        @staticmethod
        def synchronize():
            pass

        @staticmethod
        def get_device_properties(_):
            return object()


def fake_build(workload):
    # with a recorder loaded, one marker per step: a test reads which blocks recorded
    try:
        marker = ctypes.CDLL(None).mpstrace_impl_marker
        marker.argtypes = [ctypes.c_char_p]
    except (AttributeError, OSError):
        marker = None

    def spin():
        if marker is not None and threading.current_thread() is threading.main_thread():
            marker(b"fake step")
        s = 0
        for i in range(20000):
            s += i
        return s

    if workload != "mt":
        return spin

    def enqueue():
        ts = [threading.Thread(target=spin) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    return enqueue


def worker(steps, fake):
    global _layer
    if fake:
        torch = _FakeTorch
        fns = {w: fake_build(w) for w in WORKLOADS}
    else:
        import torch
        fns = {w: build(w, torch) for w in WORKLOADS}
        layer = sys.modules.get("mpstrace.torch")
        if layer is not None and hasattr(layer, "set_active") and layer.level() != "off":
            _layer = layer
    for f in fns.values():
        for _ in range(15):
            f()
    torch.cuda.synchronize()
    props = torch.cuda.get_device_properties(0)
    local = ""
    try:
        bus = f"{props.pci_domain_id:04x}:{props.pci_bus_id:02x}:{props.pci_device_id:02x}.0"
        with open(f"/sys/bus/pci/devices/{bus}/local_cpulist") as f:
            local = f.read().strip()
    except (AttributeError, OSError):
        pass
    out = sys.stdout
    out.write("@@" + json.dumps({"ready": True, "pid": os.getpid(), "gpu_local_cpus": local,
                                 "allowed_cpus": len(os.sched_getaffinity(0)), "rec": bool(recorder_stats()),
                                 "pause": recorder_pause() is not None, "torch_layer": _layer is not None}) + "\n")
    out.flush()
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        w = line.strip()
        if not w:
            continue
        if w.startswith("{"):
            q = json.loads(w)
            res = {"blocks": paired_blocks(torch, fns[q["w"]], q["configs"], q["steps"], q["warm"])}
        else:
            res = measure(torch, fns[w], steps)
        out.write("@@" + json.dumps(res) + "\n")
        out.flush()


# ---- parent side ----------------------------------------------------------------

PAIRED_PREFIX = "paired_"


def parse_cpus(spec):
    """'4-7,10' -> {4, 5, 6, 7, 10}"""
    cpus = set()
    for part in filter(None, spec.split(",")):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def start_workers(modes, libs, steps, workdir, logdir, pydirs, gen, fake, pin=None):
    procs = {}
    for m in modes:
        lib, extra = MODES[m[len(PAIRED_PREFIX):] if m.startswith(PAIRED_PREFIX) else m]
        env = {k: v for k, v in os.environ.items() if k not in CLEAR_ENV}
        if lib:
            env["LD_PRELOAD"] = libs[lib]
            env["MPSTRACE_OUT"] = os.path.join(workdir, f"g{gen + 1}_{m}.mpst")
            env["PYTHONPATH"] = pydirs[lib] + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.update(extra)
        log = open(os.path.join(logdir, f"g{gen + 1}_{m}.log"), "w")
        procs[m] = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker", "--steps", str(steps)]
                                    + (["--fake"] if fake else []),
                                    env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                    text=True, bufsize=1,
                                    # --pin: every worker on the same CPUs (they run one at a time), so
                                    # which cores a process lands on stops differing between modes
                                    preexec_fn=(lambda: os.sched_setaffinity(0, pin)) if pin else None)
        procs[m].log_path = log.name
        log.close()
    return procs


def read_reply(p, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        line = p.stdout.readline()
        if not line:
            return None
        if line.startswith("@@"):
            return json.loads(line[2:])
    return None


def stop(procs, workdir, keep=False):
    sizes = {}
    for m, p in procs.items():
        try:
            p.stdin.close()
            p.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            p.kill()
        if p.returncode not in (0, None):
            with open(p.log_path) as f:
                sys.stderr.write(f"worker {m} exited {p.returncode}: {f.read()[-400:]}\n")
    for name in os.listdir(workdir):
        path = os.path.join(workdir, name)
        sizes[name] = os.path.getsize(path)
        if not keep:
            os.unlink(path)
    return sizes


def fmt_cpu(d):
    return " ".join(f"{k}={v:.3f}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:5])


def fmt_rec(rec):
    if not rec:
        return ""
    return (f" rec: thr {rec.get('threads', 0)} setup_us {rec.get('thread_setup_ns', 0) / 1e3:.0f}"
            f" chunks {rec.get('chunks', 0)} chunk_us {rec.get('chunk_ns', 0) / 1e3:.0f}"
            f" grows {rec.get('grows', 0)} grow_us {rec.get('grow_ns', 0) / 1e3:.0f}"
            f" cupti_bufs {rec.get('cupti_buffers', 0)} buf_us {rec.get('cupti_buffer_ns', 0) / 1e3:.0f}"
            f" flushes {rec.get('cupti_flushes', 0)} flush_us {rec.get('cupti_flush_ns', 0) / 1e3:.0f}"
            f" toggles {rec.get('cupti_toggles', 0)} toggle_us {rec.get('cupti_toggle_ns', 0) / 1e3:.0f}"
            f" unwinds {rec.get('unwinds', 0)} unwind_us {rec.get('unwind_ns', 0) / 1e3:.0f}"
            f" wd_us {rec.get('watchdog_ns', 0) / 1e3:.0f}")


def where(xs):
    """Where the time goes over runs or blocks xs: medians of host/wait, page
    faults and the recorder's slow-path time per step, CPU per thread name."""
    steps = sum(x["steps"] for x in xs) or 1
    recs, cpu = {}, {}
    for x in xs:
        for k, v in x["rec"].items():
            recs[k] = recs.get(k, 0) + v
        for k, v in x["cpu_ms_per_step"].items():
            cpu[k] = cpu.get(k, 0.0) + v * x["steps"]
    per_step = lambda k: recs.get(k, 0) / steps / 1e3  # noqa: E731  us per step
    return (f"host {statistics.median(x['host'] for x in xs):6.3f} wait {statistics.median(x['wait'] for x in xs):6.3f} ms  "
            f"minflt/step {sum(x['minflt'] for x in xs) / steps:6.1f}  "
            f"completions/step {recs.get('cupti_records', 0) / steps:.0f}  "
            f"us/step: thread setup {per_step('thread_setup_ns'):.1f} chunks {per_step('chunk_ns'):.1f} "
            f"cupti buffers {per_step('cupti_buffer_ns'):.1f} flushes {per_step('cupti_flush_ns'):.1f} "
            f"toggles {per_step('cupti_toggle_ns'):.1f} watchdog {per_step('watchdog_ns'):.1f} "
            f"unwinds {recs.get('unwinds', 0) / steps:.1f} ({per_step('unwind_ns'):.1f} us)  "
            f"cpu_ms/step {fmt_cpu({k: v / steps for k, v in cpu.items()})}")


def paired_parts(rounds, parts=None):
    """rounds: [{cfg: block median ms}] (one dict per round). Per part (PARTS)
    whose two configurations ran: (rounds, median, worst, best) of the per-round
    ratios num/den - 1, in percent. A round missing either block is skipped."""
    out = {}
    for part, (num, den) in (parts or PARTS).items():
        r = [100.0 * (x[num] / x[den] - 1) for x in rounds if num in x and den in x and x[den] > 0]
        if r:
            out[part] = (len(r), statistics.median(r), max(r), min(r))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=os.path.join(ROOT, "instrumentation/build/libmpstrace_cuda.so"))
    ap.add_argument("--lib-before", help="a second recorder build (mode rec_before), e.g. the commit before a change")
    ap.add_argument("--pydir", default=os.path.join(ROOT, "instrumentation", "python"))
    ap.add_argument("--pydir-before", help="the Python layer (PYTHONPATH) for rec_before; default --pydir")
    ap.add_argument("--gens", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--budget-s", type=float, default=220)
    ap.add_argument("--modes", default="plain,plain2,rec,rec_before,nocupti,torchoff,noflush,cbonly,sample10",
                    help=f"cross-process modes, one process each ('' for none), of: {','.join(MODES)}")
    ap.add_argument("--paired", default="", help="recorded modes (e.g. rec or rec,sample5) that each run one process "
                    "measuring in-process paired blocks of the configurations in --configs")
    ap.add_argument("--configs", default=",".join(PAIRED))
    ap.add_argument("--block-steps", type=int, default=30, help="--paired: timed steps per block")
    ap.add_argument("--warm-steps", type=int, default=3, help="--paired: steps after each switch before timing")
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pin", default="", help="CPU list (e.g. 2-7) every worker is bound to; default: unbound")
    ap.add_argument("--trace-dir", help="keep the workers' traces here (default: a temporary directory, removed)")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--fake", action="store_true", help="CPU stand-in workloads, no torch: tries the plumbing")
    a = ap.parse_args()
    if a.worker:
        worker(a.steps, a.fake)
        return
    libs = {"lib": os.path.abspath(a.lib), "before": os.path.abspath(a.lib_before) if a.lib_before else None}
    modes = [m for m in a.modes.split(",") if m in MODES and (MODES[m][0] != "before" or libs["before"])]
    paired = [PAIRED_PREFIX + m for m in a.paired.split(",") if m in MODES and MODES[m][0] == "lib"]
    configs = [c for c in a.configs.split(",") if c in PAIRED]
    workloads = a.workloads.split(",")
    rng = random.Random(a.seed)
    res = {(w, m): [] for w in workloads for m in modes}
    pres = {(w, m): [] for w in workloads for m in paired}  # one {cfg: block} per round
    t0 = time.monotonic()
    print(f"# modes {' '.join(modes)}; paired {' '.join(paired) or '-'} (configs {' '.join(configs)}; "
          f"{a.block_steps} steps per block after {a.warm_steps}); workloads {' '.join(workloads)}; "
          f"{a.steps} steps per run; lib {libs['lib']}"
          f"{'; before lib ' + libs['before'] if libs['before'] else ''}", flush=True)
    round_s = None
    keep = bool(a.trace_dir)
    if keep:
        os.makedirs(a.trace_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir, tempfile.TemporaryDirectory() as logdir:
        workdir = a.trace_dir or tmpdir
        for g in range(a.gens):
            left = a.budget_s - (time.monotonic() - t0)
            if g > 0 and round_s and left < 25 + round_s:
                print(f"# budget: stopping before generation {g + 1}", flush=True)
                break
            gs = time.monotonic()
            pydirs = {"lib": a.pydir, "before": a.pydir_before or a.pydir}
            procs = start_workers(modes + paired, libs, a.steps, workdir, logdir, pydirs, g, a.fake,
                                  parse_cpus(a.pin) if a.pin else None)
            live = {}
            for m, p in procs.items():
                hello = read_reply(p, 150)
                if hello:
                    live[m] = p
                    print(f"# gen {g + 1} {m}: pid {hello['pid']} recorder {'yes' if hello['rec'] else 'no'} "
                          f"pause {'yes' if hello.get('pause') else 'no'} torch layer {'yes' if hello.get('torch_layer') else 'no'} "
                          f"gpu-local cpus {hello['gpu_local_cpus'] or '?'} allowed {hello['allowed_cpus']}", flush=True)
                    if m in paired and not hello.get("pause"):
                        print(f"# gen {g + 1} {m}: this recorder has no pause entry point: its configurations do not differ", flush=True)
                else:
                    with open(p.log_path) as f:
                        tail = f.read()[-300:].replace("\n", " | ")
                    print(f"# gen {g + 1} {m}: worker did not start: {tail}", flush=True)
                    p.kill()
            print(f"# gen {g + 1} started in {time.monotonic() - gs:.1f} s", flush=True)
            for r in range(a.rounds):
                rs = time.monotonic()
                for w in workloads:
                    order = list(live)
                    rng.shuffle(order)
                    for m in order:
                        p = live[m]
                        if m in paired:
                            cfgs = list(configs)
                            rng.shuffle(cfgs)
                            q = json.dumps({"w": w, "configs": cfgs, "steps": a.block_steps, "warm": a.warm_steps})
                        else:
                            q = w
                        try:
                            p.stdin.write(q + "\n")
                            p.stdin.flush()
                        except OSError:
                            continue
                        x = read_reply(p, 60 if m not in paired else 60 + 10 * len(configs))
                        if not x:
                            print(f"# gen {g + 1} {w} {m}: no reply", flush=True)
                            continue
                        if m in paired:
                            blocks = x["blocks"]
                            for blk in blocks.values():
                                blk["gen"] = g + 1
                            pres[(w, m)].append(blocks)
                            print(f"g{g + 1} r{r + 1} {w:11s} {m} " + " ".join(
                                f"{c} {blocks[c]['med']:.3f}" for c in configs if c in blocks), flush=True)
                            continue
                        x["gen"] = g + 1
                        res[(w, m)].append(x)
                        print(f"g{g + 1} r{r + 1} {w:11s} {m:8s} med {x['med']:7.3f} p90 {x['p90']:7.3f} max {x['max']:7.3f} "
                              f"host {x['host']:6.3f} wait {x['wait']:6.3f} minflt {x['minflt']:5d} vcsw {x['vcsw']:4d} "
                              f"ivcsw {x['ivcsw']:3d} cpu@{x['cpu_at'][0]}->{x['cpu_at'][1]} node {x['node_at'][0]}->{x['node_at'][1]} "
                              f"cpu_ms/step {fmt_cpu(x['cpu_ms_per_step'])}{fmt_rec(x['rec'])}", flush=True)
                round_s = time.monotonic() - rs
                if a.budget_s - (time.monotonic() - t0) < round_s + 15:
                    print(f"# budget: generation {g + 1} stops after round {r + 1}", flush=True)
                    break
            sizes = stop(live, workdir, keep)
            for name, size in sorted(sizes.items()):
                if name.startswith(f"g{g + 1}_"):
                    print(f"# gen {g + 1} trace {name}: {size} bytes", flush=True)
    kv = []
    # cross-process: each process's run medians against the first plain process
    # (a paired process's all-on and all-off blocks too: the recorder loaded but paused)
    for w in workloads:
        base = [x["med"] for x in res[(w, "plain")]] if "plain" in modes else []
        if not base:
            continue
        pm = statistics.median(base)
        rows = [(m, res[(w, m)]) for m in modes]
        for m in paired:
            for c in ("on", "off"):
                rows.append((f"{m}:{c}", [b[c] for b in pres[(w, m)] if c in b]))
        for m, xs in rows:
            if not xs:
                continue
            meds = [x["med"] for x in xs]
            med, worst = statistics.median(meds), max(meds)
            print(f"{w:11s} {m:8s} runs {len(meds):2d}  median {med:7.3f} ms  worst run {worst:7.3f} ms  "
                  f"overhead median {100 * (med / pm - 1):+6.1f} %  worst {100 * (worst / pm - 1):+6.1f} %  {where(xs)}", flush=True)
            kv.append(f"{w}_{m.replace(':', '_')}_med_pct={100 * (med / pm - 1):.1f}")
            kv.append(f"{w}_{m.replace(':', '_')}_worst_pct={100 * (worst / pm - 1):.1f}")
    # in-process: each part's cost as per-round ratios of block medians
    for m in paired:
        name = m[len(PAIRED_PREFIX):]
        for w in workloads:
            rounds = pres[(w, m)]
            if not rounds:
                continue
            gens = sorted({b.get("gen", 0) for x in rounds for b in x.values()})
            per_gen = {gn: paired_parts([{c: b["med"] for c, b in x.items()} for x in rounds
                                         if any(b.get("gen", 0) == gn for b in x.values())]) for gn in gens}
            # block means too: a cost paid once every few steps (a flush) moves the mean, not the median
            means = paired_parts([{c: b.get("mean", b["med"]) for c, b in x.items()} for x in rounds])
            for part, (n, med, worst, best) in paired_parts([{c: b["med"] for c, b in x.items()} for x in rounds]).items():
                num, den = PARTS[part]
                by_proc = " ".join(f"g{gn} {per_gen[gn][part][1]:+.1f}" for gn in gens if part in per_gen[gn])
                mn = means.get(part, (0, 0.0, 0.0, 0.0))
                print(f"paired {name} {w:11s} {part:12s} ({num}/{den}) rounds {n:2d}  median {med:+6.1f} %  worst {worst:+6.1f} %  "
                      f"best {best:+6.1f} %  (of block means: median {mn[1]:+6.1f} % worst {mn[2]:+6.1f} %)  "
                      f"median per process: {by_proc} %", flush=True)
                kv.append(f"paired_{name}_{w}_{part}_med_pct={med:.1f}")
                kv.append(f"paired_{name}_{w}_{part}_worst_pct={worst:.1f}")
                kv.append(f"paired_{name}_{w}_{part}_mean_med_pct={mn[1]:.1f}")
            for c in configs:
                xs = [x[c] for x in rounds if c in x]
                if xs:
                    print(f"where {name} {w:11s} {c:14s} blocks {len(xs):2d} median {statistics.median(x['med'] for x in xs):7.3f} ms  "
                          f"mean {statistics.median(x.get('mean', x['med']) for x in xs):7.3f} ms  "
                          f"{where(xs)}", flush=True)
    print(" ".join(kv + [f"wall_s={time.monotonic() - t0:.0f}"]), flush=True)


if __name__ == "__main__":
    main()
