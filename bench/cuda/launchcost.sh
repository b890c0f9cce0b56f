#!/usr/bin/env bash
# Where the recorder's per-launch cost goes (issue 16), in one run on the GPU
# machine, from the repository root (no Node.js needed):
#
#   bash bench/cuda/launchcost.sh [ROUNDS]        (env: PY=python with torch, LIB=recorder .so to test)
#
# 1. hookparts (bench/cuda/hookparts.c): the hook's parts on this CPU, no GPU:
#    reentrancy guard, clock, call site, kernel name, correlation id, record write.
# 2. drv_bench against the stand-in libcudart: the whole hook per call, no GPU;
#    drv_static gemm-bench: a cuBLAS-like stand-in launching through the driver
#    entry path (call site found above the library's frames). LIB_BEFORE=OLD.so
#    adds both under an older recorder build.
# 3. launchcost (bench/cuda/launchcost.cu), interleaved ROUNDS times:
#    - CUPTI used by the program itself, one part at a time (no recorder):
#      none, act (activity records), cb (callbacks: runtime+driver ids),
#      cbrt, cbdrv, cbreg (cb + activity buffers registered, no kind on),
#      both (= the recorder's CUPTI setup), actrt, ext (LC_MODES overrides the list)
#    - under the recorder: rec (default), rec_nocupti (MPSTRACE_CUPTI=0),
#      rec_cbonly (MPSTRACE_CUPTI_SAMPLE=0), rec_cbnone/rec_cbrt/rec_cbdrv
#      (MPSTRACE_CUPTI_CB=none|rt|drv: which callbacks are subscribed)
# 4. torchops (bench/cuda/torchops.py) in the same recorder modes plus
#    torchoff (MPSTRACE_TORCH=off), ROUNDS/2 rounds (at least 1); then a
#    summary of the last traces (completions joined to submissions?).
# Shorter runs: HP_RUNS=1, LC_MODES="none act cb", LC_SHORT=1 (no cbrt/cbdrv
# recorder modes), SKIP_TORCH=1.
# Prints the raw rows, then per mode the median and the difference to its
# baseline (none / plain), last a key=value line.
set -u
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
PY=${PY:-python3}
if [ -z "${CUDA_HOME:-}" ]; then
  if [ -e /usr/local/cuda/bin/nvcc ]; then CUDA_HOME=/usr/local/cuda
  else CUDA_HOME=$(dirname "$(dirname "$(command -v nvcc)")"); fi
fi
NVCC=${NVCC:-$CUDA_HOME/bin/nvcc}
WORK=$(mktemp -d /tmp/mpst-launchcost.XXXXXX)
ROWS=$WORK/rows.txt
: >"$ROWS"

make -s -C instrumentation CUDA_HOME="$CUDA_HOME" BUILD="$WORK/build" test-build >&2 || exit 1
LIB=${LIB:-$WORK/build/libmpstrace_cuda.so}
echo "# lib $LIB" >&2
cc -O2 -Iinstrumentation/include -Iinstrumentation/runtime bench/cuda/hookparts.c "$WORK/build/libmpstrace_runtime.a" -ldl -lpthread \
  -o "$WORK/hookparts" >&2 || exit 1
CUPTI_LIB=$(dirname "$(find "$CUDA_HOME/" -name 'libcupti.so' 2>/dev/null | head -n 1)")
CUPTI_INC=$(dirname "$(find "$CUDA_HOME/" -name 'cupti.h' 2>/dev/null | head -n 1)")
"$NVCC" -O2 --cudart shared -I"$CUPTI_INC" -L"$CUPTI_LIB" -Xlinker -rpath="$CUPTI_LIB" -o "$WORK/launchcost" \
  bench/cuda/launchcost.cu -lcupti >&2 || echo "# launchcost did not build" >&2

rec() { # rec <label> <env...> -- <command...>
  local label=$1
  shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local out
  out=$(timeout 60 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$WORK/$label.mpst" PYTHONPATH="$ROOT/instrumentation/python" "${envs[@]}" \
    "$@" 2>>"$WORK/err.txt" | tail -n 1)
  echo "$label $out" | tee -a "$ROWS"
}
plain() { # plain <label> <command...>
  local label=$1
  shift
  echo "$label $(timeout 60 "$@" 2>>"$WORK/err.txt" | tail -n 1)" | tee -a "$ROWS"
}

for r in $(seq "${HP_RUNS:-2}"); do
  plain hookparts env MPSTRACE_OUT="$WORK/hp$r.mpst" "$WORK/hookparts" 1000000
done
for r in $(seq "$ROUNDS"); do
  plain drv_plain "$WORK/build/test/drv_bench" 1000000
  rec drv_rec MPSTRACE_CUPTI=0 -- "$WORK/build/test/drv_bench" 1000000
  plain gemm_plain env LD_LIBRARY_PATH="$WORK/build/test" "$WORK/build/test/drv_static" gemm-bench 200000 6
  rec gemm_rec MPSTRACE_CUPTI=0 LD_LIBRARY_PATH="$WORK/build/test" -- "$WORK/build/test/drv_static" gemm-bench 200000 6
  if [ -n "${LIB_BEFORE:-}" ]; then
    LIB="$LIB_BEFORE" rec drv_rec_before MPSTRACE_CUPTI=0 -- "$WORK/build/test/drv_bench" 1000000
    LIB="$LIB_BEFORE" rec gemm_rec_before MPSTRACE_CUPTI=0 LD_LIBRARY_PATH="$WORK/build/test" -- "$WORK/build/test/drv_static" gemm-bench 200000 6
  fi
done
if [ -x "$WORK/launchcost" ]; then
  for r in $(seq "$ROUNDS"); do
    for m in ${LC_MODES:-none act cb cbrt cbdrv cbreg both actrt ext}; do plain "lc_$m" "$WORK/launchcost" --cupti "$m" 30000; done
    rec lc_rec -- "$WORK/launchcost" 30000
    rec lc_rec_nocupti MPSTRACE_CUPTI=0 -- "$WORK/launchcost" 30000
    rec lc_rec_cbonly MPSTRACE_CUPTI_SAMPLE=0 -- "$WORK/launchcost" 30000
    rec lc_rec_cbnone MPSTRACE_CUPTI_CB=none -- "$WORK/launchcost" 30000
    if [ -z "${LC_SHORT:-}" ]; then
      rec lc_rec_cbrt MPSTRACE_CUPTI_CB=rt -- "$WORK/launchcost" 30000
      rec lc_rec_cbdrv MPSTRACE_CUPTI_CB=drv -- "$WORK/launchcost" 30000
    fi
  done
fi
TR=$(( ROUNDS / 2 > 0 ? ROUNDS / 2 : 1 ))
[ -n "${SKIP_TORCH:-}" ] && TR=0
for r in $(seq "$TR"); do
  plain to_plain "$PY" bench/cuda/torchops.py --n 10000
  rec to_rec -- "$PY" bench/cuda/torchops.py --n 10000
  rec to_nocupti MPSTRACE_CUPTI=0 -- "$PY" bench/cuda/torchops.py --n 10000
  rec to_torchoff MPSTRACE_TORCH=off -- "$PY" bench/cuda/torchops.py --n 10000
  rec to_cbonly MPSTRACE_CUPTI_SAMPLE=0 -- "$PY" bench/cuda/torchops.py --n 10000
  rec to_cbnone MPSTRACE_CUPTI_CB=none -- "$PY" bench/cuda/torchops.py --n 10000
done
# did GPU completions join their submissions? (the last run of each mode)
for t in lc_rec to_rec; do
  [ -f "$WORK/$t.mpst" ] && echo "summary $t $("$PY" traces/programs/trace_summary.py "$WORK/$t.mpst" --json 2>&1 | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
k = d.get("kinds", {})
print(" ".join("%s=%s" % (x, d.get(x)) for x in ("cupti_active", "driver_launches_covered", "submissions", "submissions_with_completion")),
      "completes=%s problems=%d" % (k.get("complete", 0), len(d.get("problems", []))))' 2>&1 | tail -n 1)"
done
echo "# stderr (last lines):"
tail -n 8 "$WORK/err.txt"

"$PY" - "$ROWS" <<'PYEOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, _, rest = line.partition(" ")
    for k, v in re.findall(r"(\w+)=(-?[\d.]+)", rest):
        rows.setdefault(label, {}).setdefault(k, []).append(float(v))
med = lambda label, k: statistics.median(rows[label][k]) if label in rows and k in rows[label] else float("nan")
kv = []
if "hookparts" in rows:
    for k in rows["hookparts"]:
        kv.append(f"part_{k}={med('hookparts', k):.1f}")
for k in ("ns_per_call_event", "ns_per_call_launch"):
    kv.append(f"stand_in_hook_{k}={med('drv_rec', k) - med('drv_plain', k):.1f}")
    if "drv_rec_before" in rows:
        kv.append(f"stand_in_hook_before_{k}={med('drv_rec_before', k) - med('drv_plain', k):.1f}")
kv.append(f"gemm_driver_path_ns={med('gemm_rec', 'ns_per_gemm_launch') - med('gemm_plain', 'ns_per_gemm_launch'):.1f}")
if "gemm_rec_before" in rows:
    kv.append(f"gemm_driver_path_before_ns={med('gemm_rec_before', 'ns_per_gemm_launch') - med('gemm_plain', 'ns_per_gemm_launch'):.1f}")
base = med("lc_none", "ns_per_launch")
ebase = med("lc_none", "ns_per_event_call")
print(f"launchcost: plain {base:.0f} ns per launch, {ebase:.0f} ns per event call; added by each mode (median of rounds):")
for label in [l for l in rows if l.startswith("lc_") and l != "lc_none"]:
    d, de = med(label, "ns_per_launch") - base, med(label, "ns_per_event_call") - ebase
    extra = " ".join(f"{k}={med(label, k):.0f}" for k in ("callbacks", "kernel_recs", "ext_recs", "runtime_recs") if k in rows[label])
    print(f"  {label:16s} +{d:7.0f} ns/launch  +{de:6.0f} ns/event-call  {extra}")
    kv.append(f"{label}_ns_per_launch_added={d:.0f}")
    kv.append(f"{label}_ns_per_event_added={de:.0f}")
tb = {k: med("to_plain", k) for k in rows.get("to_plain", {})}
if tb:
    print("torchops: us per op, plain, then added by each mode:")
    print("  plain            " + " ".join(f"{k}={v:.3f}" for k, v in tb.items()))
    for label in [l for l in rows if l.startswith("to_") and l != "to_plain"]:
        print(f"  {label:16s} " + " ".join(f"{k}=+{med(label, k) - v:.3f}" for k, v in tb.items()))
        for k, v in tb.items():
            kv.append(f"{label}_{k}_added={med(label, k) - v:.3f}")
print(" ".join(kv))
PYEOF
rm -rf "$WORK"
