"""Recorder overhead per run, and where the time goes (issue 16).

    python3 bench/cuda/overhead.py --lib instrumentation/build/libmpstrace_cuda.so [--rounds 4] [--budget-s 200]

Workloads (each run is its own python process; only that process is preloaded):
  transformer  a launch-bound small transformer training step (~130-200 kernels)
  mlp          bench/cuda/train.py's MLP step with a side-stream prefetch
  mt           4 threads of inference, each on its own stream
Modes, interleaved round by round so drift hits every mode alike:
  plain        no recorder
  rec          recorder, defaults (CUPTI on, torch layer at its default level)
  nocupti      recorder, MPSTRACE_CUPTI=0
  gettime      recorder, MPSTRACE_CLOCK=gettime (no TSC clock)
  torchoff     recorder, MPSTRACE_TORCH=off (backend hooks only)
Per run it keeps the median and worst step and, to name the cause of a slow
run with evidence: host time per step spent before the final sync (enqueue)
and in it (wait), the CPU seconds of every thread by name (the program's, the
recorder's watchdog, CUPTI's worker), page faults, and context switches of
the main thread. Prints one row per run, a summary per workload and mode
(median of run medians and worst run median), and last a key=value line.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MODES = ("plain", "rec", "nocupti", "gettime", "torchoff")
WORKLOADS = ("transformer", "mlp", "mt")


def thread_cpu():
    """CPU seconds per thread name, from /proc (Linux)."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    base = "/proc/self/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"{base}/{tid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            cpu = (int(parts[11]) + int(parts[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
        out[name] = round(out.get(name, 0.0) + cpu, 3)
    return out


def main_ctx():
    with open(f"/proc/self/task/{threading.get_native_id()}/status") as f:
        d = dict(line.split(":", 1) for line in f if ":" in line)
    return int(d["voluntary_ctxt_switches"]), int(d["nonvoluntary_ctxt_switches"])


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
    # mt: 4 inference threads, each on its own stream, one batch each per step
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


def child(workload, steps, warmup):
    import torch
    enqueue = build(workload, torch)
    for _ in range(warmup):
        enqueue()
        torch.cuda.synchronize()
    cpu0, ru0, ctx0 = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF), main_ctx()
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
    cpu1, ru1, ctx1 = thread_cpu(), resource.getrusage(resource.RUSAGE_SELF), main_ctx()
    cpu = {k: round(v - cpu0.get(k, 0.0), 3) for k, v in cpu1.items() if v - cpu0.get(k, 0.0) > 0.005}
    print(json.dumps({
        "med": statistics.median(ms), "max": max(ms), "host_med": statistics.median(host),
        "wait_med": statistics.median(wait), "cpu": cpu,
        "minflt": ru1.ru_minflt - ru0.ru_minflt, "majflt": ru1.ru_majflt - ru0.ru_majflt,
        "vcsw": ctx1[0] - ctx0[0], "ivcsw": ctx1[1] - ctx0[1],
    }))


def run(mode, workload, lib, steps, warmup, work):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "MPSTRACE_OUT", "MPSTRACE_CUPTI", "MPSTRACE_CLOCK", "MPSTRACE_TORCH")}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if mode != "plain":
        env["LD_PRELOAD"] = lib
        env["MPSTRACE_OUT"] = os.path.join(work, f"{workload}_{mode}_{time.monotonic_ns()}.mpst")
        env["PYTHONPATH"] = os.path.join(root, "instrumentation", "python") + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if mode == "nocupti":
        env["MPSTRACE_CUPTI"] = "0"
    if mode == "gettime":
        env["MPSTRACE_CLOCK"] = "gettime"
    if mode == "torchoff":
        env["MPSTRACE_TORCH"] = "off"
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", workload, "--steps", str(steps),
                        "--warmup", str(warmup)], env=env, capture_output=True, text=True, timeout=120)
    if env.get("MPSTRACE_OUT"):
        try:
            os.unlink(env["MPSTRACE_OUT"])
        except OSError:
            pass
    for line in reversed(p.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    sys.stderr.write(f"{workload}/{mode} failed (rc {p.returncode}): {p.stderr[-600:]}\n")
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="instrumentation/build/libmpstrace_cuda.so")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--budget-s", type=float, default=200)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--child")
    a = ap.parse_args()
    if a.child:
        child(a.child, a.steps, a.warmup)
        return
    lib = os.path.abspath(a.lib)
    workloads = a.workloads.split(",")
    res = {(w, m): [] for w in workloads for m in MODES}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        for r in range(a.rounds):
            for w in workloads:
                order = MODES if r % 2 == 0 else tuple(reversed(MODES))
                for m in order:
                    x = run(m, w, lib, a.steps, a.warmup, work)
                    if x:
                        res[(w, m)].append(x)
                        print(f"round {r + 1} {w:11s} {m:8s} med {x['med']:7.3f} max {x['max']:7.3f} host {x['host_med']:6.3f} "
                              f"wait {x['wait_med']:6.3f} minflt {x['minflt']:6d} ivcsw {x['ivcsw']:5d} cpu {json.dumps(x['cpu'], sort_keys=True)}",
                              flush=True)
            if time.monotonic() - t0 > a.budget_s:
                print(f"budget reached after {r + 1} rounds", flush=True)
                break
    kv = []
    for w in workloads:
        base = [x["med"] for x in res[(w, "plain")]]
        if not base:
            continue
        pm = statistics.median(base)
        for m in MODES:
            meds = [x["med"] for x in res[(w, m)]]
            if not meds:
                continue
            med, worst = statistics.median(meds), max(meds)
            print(f"{w:11s} {m:8s} runs {len(meds)}  median-of-runs {med:7.3f} ms  worst run {worst:7.3f} ms  "
                  f"overhead median {100 * (med / pm - 1):+6.1f} %  worst {100 * (worst / pm - 1):+6.1f} %")
            kv.append(f"{w}_{m}_med_pct={100 * (med / pm - 1):.1f}")
            kv.append(f"{w}_{m}_worst_pct={100 * (worst / pm - 1):.1f}")
    print(" ".join(kv + [f"wall_s={time.monotonic() - t0:.0f}"]))


if __name__ == "__main__":
    main()
