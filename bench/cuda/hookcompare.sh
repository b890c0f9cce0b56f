#!/usr/bin/env bash
# Per-call hook cost and per-thread setup cost of this tree's recorder against
# another build, side by side in one run (issue 16), on the GPU machine:
#
#   LIB_BEFORE=OLD.so RUNTIME_BEFORE=OLD_runtime.a bash bench/cuda/hookcompare.sh [ROUNDS]
#
# Builds this tree's recorder (make test-build) into a temporary folder and
# runs, interleaved ROUNDS times (default 3), each under both builds:
# - hookparts (bench/cuda/hookparts.c linked against each runtime archive):
#   the hook's parts on this CPU after a warm-up (clock calibrated); the new
#   build once more with MPSTRACE_CRC=table (the record check without
#   carry-less multiplies);
# - drv_bench against the stand-in libcudart (whole hook per call, no GPU;
#   200 ms warm-up), trace in TRACE_DIR (default /tmp) and in /dev/shm; the new
#   build also with MPSTRACE_CLOCK=gettime and with MPSTRACE_CRC=table (what the
#   TSC clock and the carry-less-multiply check each save);
# - drv_static gemm-bench: a cuBLAS-like stand-in launching through the driver
#   entry path (call site found above the library's frames);
# - drv_threads 4 threads x 20 records x 500 rounds with MPSTRACE_STATS=1:
#   recorder setup per new thread (thread_setup_ns / threads) and its chunk claim;
# - hookbench (bench/cuda/hookbench.cu, real GPU): ns per cudaEventRecord+Query
#   and per launch, plain and under each build (MPSTRACE_CUPTI=0 and default).
# Prints the raw rows, then medians per build and a key=value line.
set -u
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
: "${LIB_BEFORE:?set LIB_BEFORE to the recorder .so to compare with}"
if [ -z "${CUDA_HOME:-}" ]; then
  if [ -e /usr/local/cuda/bin/nvcc ]; then CUDA_HOME=/usr/local/cuda
  elif command -v nvcc >/dev/null; then CUDA_HOME=$(dirname "$(dirname "$(command -v nvcc)")")
  else CUDA_HOME=/usr/local/cuda; fi
fi
NVCC=${NVCC:-$CUDA_HOME/bin/nvcc}
TRACE_DIR=${TRACE_DIR:-/tmp}
WORK=$(mktemp -d /tmp/mpst-hookcmp.XXXXXX)
ROWS=$WORK/rows.txt
: >"$ROWS"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) cores $(nproc); tsc flags:$(grep -m1 -o -w -e constant_tsc -e nonstop_tsc -e tsc_known_freq /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "# clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null); kernel $(uname -r); trace dir $TRACE_DIR on $(df -T "$TRACE_DIR" | awk 'NR==2 {print $2}'); cc $(cc -dumpfullversion 2>/dev/null)"

NEWB=${BUILD_DIR:-$WORK/new} # BUILD_DIR: keep this tree's build there (e.g. for overhead.py after)
make -s -C instrumentation CUDA_HOME="$CUDA_HOME" BUILD="$NEWB" test-build >&2 || exit 1
NEW=$NEWB/libmpstrace_cuda.so
T=$NEWB/test
cc -O2 -Iinstrumentation/include -Iinstrumentation/runtime bench/cuda/hookparts.c "$NEWB/libmpstrace_runtime.a" -ldl -lpthread -o "$WORK/hp_new" >&2 || exit 1
if [ -n "${RUNTIME_BEFORE:-}" ]; then
  cc -O2 -Iinstrumentation/include -Iinstrumentation/runtime bench/cuda/hookparts.c "$RUNTIME_BEFORE" -ldl -lpthread -o "$WORK/hp_before" >&2 || echo "# hookparts for the old runtime did not build" >&2
fi
if [ -x "$NVCC" ]; then
  "$NVCC" -O2 --cudart shared -o "$WORK/hookbench" bench/cuda/hookbench.cu >&2 || echo "# hookbench did not build" >&2
fi

row() { # row <label> <command...>: the command's last output line, labelled
  local label=$1
  shift
  echo "$label $(timeout 60 "$@" 2>>"$WORK/err.txt" | tail -n 1)" | tee -a "$ROWS"
}
stats_row() { # stats_row <label> <lib>: drv_threads with the recorder's counters
  local line
  line=$(timeout 60 env LD_LIBRARY_PATH="$T" LD_PRELOAD="$2" MPSTRACE_OUT="$TRACE_DIR/hc_thr.mpst" MPSTRACE_STATS=1 MPSTRACE_CUPTI=0 \
    "$T/drv_threads" 4 20 500 2>&1 | grep -o 'mpstrace: stats .*' | tail -n 1)
  echo "$1 $(echo "$line" | awk '{
    for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "threads=%d setup_us_per_thread=%.2f chunk_us_per_claim=%.2f prefault_ms=%.1f", v["threads"],
      v["threads"] ? v["thread_setup_ns"] / v["threads"] / 1e3 : 0, v["chunks"] ? v["chunk_ns"] / v["chunks"] / 1e3 : 0, v["prefault_ns"] / 1e6 }')" | tee -a "$ROWS"
}

for r in $(seq "$ROUNDS"); do
  [ -x "$WORK/hp_before" ] && row hp_before env MPSTRACE_OUT="$TRACE_DIR/hc_hp.mpst" "$WORK/hp_before" 1000000
  row hp_new env MPSTRACE_OUT="$TRACE_DIR/hc_hp.mpst" "$WORK/hp_new" 1000000
  row hp_new_crctable env MPSTRACE_CRC=table MPSTRACE_OUT="$TRACE_DIR/hc_hp.mpst" "$WORK/hp_new" 1000000
  row drv_plain "$T/drv_bench" 1000000 200
  row drv_before env LD_PRELOAD="$LIB_BEFORE" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_drv.mpst" "$T/drv_bench" 1000000 200
  row drv_new env LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_drv.mpst" "$T/drv_bench" 1000000 200
  row drv_new_gettime env LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_CLOCK=gettime MPSTRACE_OUT="$TRACE_DIR/hc_drv.mpst" "$T/drv_bench" 1000000 200
  row drv_new_crctable env LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_CRC=table MPSTRACE_OUT="$TRACE_DIR/hc_drv.mpst" "$T/drv_bench" 1000000 200
  row drv_before_shm env LD_PRELOAD="$LIB_BEFORE" MPSTRACE_CUPTI=0 MPSTRACE_OUT=/dev/shm/hc_drv.mpst "$T/drv_bench" 1000000 200
  row drv_new_shm env LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_OUT=/dev/shm/hc_drv.mpst "$T/drv_bench" 1000000 200
  row gemm_plain env LD_LIBRARY_PATH="$T" "$T/drv_static" gemm-bench 200000 6
  row gemm_before env LD_LIBRARY_PATH="$T" LD_PRELOAD="$LIB_BEFORE" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_gemm.mpst" "$T/drv_static" gemm-bench 200000 6
  row gemm_new env LD_LIBRARY_PATH="$T" LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_gemm.mpst" "$T/drv_static" gemm-bench 200000 6
  stats_row thr_before "$LIB_BEFORE"
  stats_row thr_new "$NEW"
  if [ -x "$WORK/hookbench" ]; then
    row gpu_plain "$WORK/hookbench" 200000
    row gpu_before_nocupti env LD_PRELOAD="$LIB_BEFORE" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_gpu.mpst" "$WORK/hookbench" 200000
    row gpu_new_nocupti env LD_PRELOAD="$NEW" MPSTRACE_CUPTI=0 MPSTRACE_OUT="$TRACE_DIR/hc_gpu.mpst" "$WORK/hookbench" 200000
    row gpu_before env LD_PRELOAD="$LIB_BEFORE" MPSTRACE_OUT="$TRACE_DIR/hc_gpu.mpst" "$WORK/hookbench" 200000
    row gpu_new env LD_PRELOAD="$NEW" MPSTRACE_OUT="$TRACE_DIR/hc_gpu.mpst" "$WORK/hookbench" 200000
  fi
done
echo "# stderr (last lines):"
tail -n 5 "$WORK/err.txt"
rm -f "$TRACE_DIR"/hc_*.mpst /dev/shm/hc_*.mpst

python3 - "$ROWS" <<'PYEOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, _, rest = line.partition(" ")
    for k, v in re.findall(r"(\w+)=(-?[\d.]+)", rest):
        rows.setdefault(label, {}).setdefault(k, []).append(float(v))
def med(label, k):
    v = rows.get(label, {}).get(k)
    return statistics.median(v) if v else float("nan")
kv = []
for label in ("hp_before", "hp_new", "hp_new_crctable"):
    for k in rows.get(label, {}):
        kv.append(f"{label}_{k}={med(label, k):.2f}")
for k in ("ns_per_call_event", "ns_per_call_launch"):
    for b in ("before", "new", "new_gettime", "new_crctable", "before_shm", "new_shm"):
        kv.append(f"hook_{b}_{k}={med('drv_' + b, k) - med('drv_plain', k):.1f}")
for b in ("before", "new"):
    kv.append(f"gemm_driver_path_{b}_ns={med('gemm_' + b, 'ns_per_gemm_launch') - med('gemm_plain', 'ns_per_gemm_launch'):.1f}")
for b in ("before", "new"):
    for k in ("setup_us_per_thread", "chunk_us_per_claim", "prefault_ms"):
        kv.append(f"thr_{b}_{k}={med('thr_' + b, k):.2f}")
for k in ("ns_per_call_event", "ns_per_call_launch"):
    for b in ("before_nocupti", "new_nocupti", "before", "new"):
        kv.append(f"gpu_{b}_{k}_added={med('gpu_' + b, k) - med('gpu_plain', k):.1f}")
print(" ".join(kv))
PYEOF
rm -rf "$WORK"
