#!/usr/bin/env bash
# Hook cost per intercepted call, by how the program links libcudart and by
# recorder path, measured in one run on the GPU machine (no Node.js needed):
#
#   bash bench/cuda/capture_bench.sh [ROUNDS] [CALLS]      (from the repo root)
#
# Builds the recorder twice: as it is (LIB: runtime hooks + driver-entry
# wrappers) and with the driver-entry path compiled out (LIB_RT,
# -DMPST_NO_DLSYM_HOOK: the recorder before the driver-entry path, "today's");
# and bench/cuda/hookbench.cu twice: nvcc's default (static libcudart) and
# --cudart shared. Then runs, interleaved, ROUNDS times each, with CUPTI off
# (MPSTRACE_CUPTI=0: the hooks' own cost, not CUPTI's):
#   shared plain | shared + LIB_RT | shared + LIB | static plain | static + LIB_RT | static + LIB
# and prints the rows, one trace summary per traced configuration (records
# seen), and last a key=value line: ns added per call (median over rounds,
# traced minus plain) for each.
set -u
ROUNDS=${1:-3}
CALLS=${2:-100000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
if [ -z "${CUDA_HOME:-}" ]; then
  if [ -e /usr/local/cuda/bin/nvcc ]; then CUDA_HOME=/usr/local/cuda
  else CUDA_HOME=$(dirname "$(dirname "$(command -v nvcc)")"); fi
fi
NVCC=${NVCC:-$CUDA_HOME/bin/nvcc}
PY=${PYTHON:-python3}
WORK=$(mktemp -d /tmp/mpst-capbench.XXXXXX)

make -s -C instrumentation CUDA_HOME="$CUDA_HOME" BUILD="$WORK/new" >&2 || exit 1
make -s -C instrumentation CUDA_HOME="$CUDA_HOME" BUILD="$WORK/rt" CFLAGS=-DMPST_NO_DLSYM_HOOK >&2 || exit 1
LIB=$WORK/new/libmpstrace_cuda.so
LIB_RT=$WORK/rt/libmpstrace_cuda.so
"$NVCC" -O2 -o "$WORK/hb_static" bench/cuda/hookbench.cu >&2 || exit 1
"$NVCC" -O2 --cudart shared -o "$WORK/hb_shared" bench/cuda/hookbench.cu >&2 || exit 1

run() { # run <label> <binary> [lib]
  local out
  if [ -n "${3:-}" ]; then
    out=$(env LD_PRELOAD="$3" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$WORK/$1.mpst" "$2" "$CALLS" 2>>"$WORK/err.txt")
  else
    out=$("$2" "$CALLS" 2>>"$WORK/err.txt")
  fi
  echo "$1 $out" >>"$WORK/rows.txt"
}
: >"$WORK/rows.txt"
for r in $(seq "$ROUNDS"); do
  run shared_plain "$WORK/hb_shared"
  run shared_rt "$WORK/hb_shared" "$LIB_RT"
  run shared_new "$WORK/hb_shared" "$LIB"
  run static_plain "$WORK/hb_static"
  run static_rt "$WORK/hb_static" "$LIB_RT"
  run static_new "$WORK/hb_static" "$LIB"
done
cat "$WORK/rows.txt" >&2
tail -n 5 "$WORK/err.txt" >&2
for t in shared_rt shared_new static_rt static_new; do
  echo "$t $("$PY" traces/programs/trace_summary.py "$WORK/$t.mpst" 2>&1)" >&2
done

"$PY" - "$WORK/rows.txt" "$WORK" <<'PYEOF'
import json, re, statistics, subprocess, sys
rows = {}
for line in open(sys.argv[1]):
    mode, _, rest = line.partition(" ")
    for k, v in re.findall(r"(\w+)=([\d.]+)", rest):
        rows.setdefault((mode, k), []).append(float(v))
med = lambda m, k: statistics.median(rows[(m, k)]) if (m, k) in rows else float("nan")
out = {}
for link in ("shared", "static"):
    for path in ("rt", "new"):
        for k in ("event", "launch"):
            out[f"{link}_{path}_ns_per_call_{k}"] = med(f"{link}_{path}", f"ns_per_call_{k}") - med(f"{link}_plain", f"ns_per_call_{k}")
for t in ("shared_rt", "shared_new", "static_rt", "static_new"):
    try:
        s = json.loads(subprocess.run([sys.executable, "traces/programs/trace_summary.py", f"{sys.argv[2]}/{t}.mpst", "--json"], capture_output=True, text=True).stdout)
        out[f"{t}_submits"] = s["kinds"].get("submit", 0)
        out[f"{t}_event_records"] = s["kinds"].get("event_record", 0)
    except Exception:
        out[f"{t}_submits"] = -1
print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in out.items()))
PYEOF
