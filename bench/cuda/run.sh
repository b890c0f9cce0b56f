#!/usr/bin/env bash
# GPU-machine benchmark of the CUDA recorder (no Node.js needed). Run from the
# repository root:  bash bench/cuda/run.sh [ROUNDS]
# Builds the recorder and bench/cuda/hookbench.cu, then runs, interleaved, each
# benchmark without and with LD_PRELOAD of the recorder:
#   (a) ns added per intercepted call (cudaEventRecord+cudaEventQuery; kernel launches),
#       with CUPTI completion records on (default) and off (MPSTRACE_CUPTI=0);
#   (b) wall time of a PyTorch training loop (bench/cuda/train.py).
# Prints one JSON summary of a traced training run (did CUPTI work?) and, last,
# a line of key=value pairs. Traces go to $OUT (if set) or a temp dir.
set -euo pipefail
ROUNDS=${1:-5}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ -z "${CUDA_HOME:-}" ]; then
  if [ -e /usr/local/cuda/bin/nvcc ]; then CUDA_HOME=/usr/local/cuda
  else CUDA_HOME=$(dirname "$(dirname "$(command -v nvcc)")"); fi
fi
NVCC=${NVCC:-$CUDA_HOME/bin/nvcc}
PY=${PYTHON:-python3}
WORK=$(mktemp -d)
TRACES=${OUT:-$WORK}

make -s -C instrumentation CUDA_HOME="$CUDA_HOME" test-build >&2
LIB="$ROOT/instrumentation/build/libmpstrace_cuda.so"
# --cudart shared: a statically linked runtime could not be intercepted
"$NVCC" -O2 --cudart shared -o "$WORK/hookbench" bench/cuda/hookbench.cu >&2

traced() { env LD_PRELOAD="$LIB${LD_PRELOAD:+:$LD_PRELOAD}" MPSTRACE_OUT="$1" PYTHONPATH="$ROOT/instrumentation/python${PYTHONPATH:+:$PYTHONPATH}" "${@:2}"; }

: >"$WORK/hook.txt"
for r in $(seq "$ROUNDS"); do
  echo "plain $("$WORK/hookbench")" >>"$WORK/hook.txt"
  echo "traced $(traced "$WORK/hb.mpst" "$WORK/hookbench")" >>"$WORK/hook.txt"
  echo "nocupti $(MPSTRACE_CUPTI=0 traced "$WORK/hb0.mpst" "$WORK/hookbench")" >>"$WORK/hook.txt"
done
cat "$WORK/hook.txt" >&2

cc -O2 -o "$WORK/clockcost" bench/cuda/clockcost.c && "$WORK/clockcost" >&2
# the hooks' own cost on this host's CPU, against the stand-in libcudart (no GPU noise)
: >"$WORK/cpu.txt"
for r in $(seq "$ROUNDS"); do
  echo "plain $(instrumentation/build/test/drv_bench 2000000)" >>"$WORK/cpu.txt"
  echo "traced $(MPSTRACE_CUPTI=0 traced "$WORK/cpu.mpst" instrumentation/build/test/drv_bench 2000000)" >>"$WORK/cpu.txt"
done
cat "$WORK/cpu.txt" >&2

: >"$WORK/train.txt"
TR=$(( ROUNDS < 3 ? ROUNDS : 3 ))
for r in $(seq "$TR"); do
  echo "plain $("$PY" bench/cuda/train.py)" >>"$WORK/train.txt"
  echo "traced $(traced "$TRACES/train.mpst" "$PY" bench/cuda/train.py)" >>"$WORK/train.txt"
  echo "nocupti $(MPSTRACE_CUPTI=0 traced "$WORK/train0.mpst" "$PY" bench/cuda/train.py)" >>"$WORK/train.txt"
done
cat "$WORK/train.txt" >&2

"$PY" traces/programs/trace_summary.py "$TRACES/train.mpst" "$WORK/hb.mpst" --json

"$PY" - "$WORK/hook.txt" "$WORK/train.txt" "$TRACES/train.mpst" "$WORK/cpu.txt" <<'PYEOF'
import json, re, statistics, subprocess, sys
def parse(path):
    rows = {}
    for line in open(path):
        mode, rest = line.split(" ", 1)
        for k, v in re.findall(r"(\w+)=([\d.]+)", rest):
            rows.setdefault((mode, k), []).append(float(v))
    return rows
h, t, c = parse(sys.argv[1]), parse(sys.argv[2]), parse(sys.argv[4])
med = lambda rows, m, k: statistics.median(rows[(m, k)])
out = {
    "ns_per_call_event": med(h, "traced", "ns_per_call_event") - med(h, "plain", "ns_per_call_event"),
    "ns_per_call_launch": med(h, "traced", "ns_per_call_launch") - med(h, "plain", "ns_per_call_launch"),
    "ns_per_call_event_nocupti": med(h, "nocupti", "ns_per_call_event") - med(h, "plain", "ns_per_call_event"),
    "ns_per_call_launch_nocupti": med(h, "nocupti", "ns_per_call_launch") - med(h, "plain", "ns_per_call_launch"),
    "ns_per_call_hook_cpu_event": med(c, "traced", "ns_per_call_event") - med(c, "plain", "ns_per_call_event"),
    "ns_per_call_hook_cpu_launch": med(c, "traced", "ns_per_call_launch") - med(c, "plain", "ns_per_call_launch"),
    "e2e_overhead_pct": (med(t, "traced", "wall_s") / med(t, "plain", "wall_s") - 1) * 100,
    "e2e_overhead_pct_nocupti": (med(t, "nocupti", "wall_s") / med(t, "plain", "wall_s") - 1) * 100,
    "train_wall_s_plain": med(t, "plain", "wall_s"),
    "train_wall_s_traced": med(t, "traced", "wall_s"),
}
s = json.loads(subprocess.run([sys.executable, "traces/programs/trace_summary.py", sys.argv[3], "--json"], capture_output=True, text=True).stdout)
out["cupti_active"] = int(s["cupti_active"])
out["driver_launches_covered"] = int(s["driver_launches_covered"])
out["submissions_with_completion_pct"] = 100.0 * s["submissions_with_completion"] / max(1, s["submissions"])
print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in out.items()))
PYEOF
