# budget: 200 s
# Device job (issue 10, level api cost), second run: block lifetimes from the
# C++ allocator trace tracker at level api, checked and timed. (The first run,
# commit 134c44e's version of this file, also timed api with Python GPU-trace
# lifetime callbacks (apipy) and checked nested-op records on two race programs.)
# D = the folder holding this branch's instrumentation/python copy and bench
# scripts (default: this checkout). $PY, $LIB, $JOB_OUT as the lead's runner sets them.
set -u
D=${D:-.}
PYDIR=$D/python
[ -d "$PYDIR" ] || PYDIR=$D/instrumentation/python
BENCH=$D/torch_layer.py
[ -f "$BENCH" ] || BENCH=$D/bench/cuda/torch_layer.py
BUILD=$D/build_torch_native.py
[ -f "$BUILD" ] || BUILD=$D/bench/cuda/build_torch_native.py
CHECK=$D/torch_lifetimes_check.py
[ -f "$CHECK" ] || CHECK=$D/bench/cuda/torch_lifetimes_check.py
OUTD=${JOB_OUT:-${OUT:-/tmp}}
mkdir -p "$OUTD/traces"
export MPSTRACE_CACHE=/tmp/mpstrace-cache-apilife2 PYTHONUNBUFFERED=1
T0=$(date +%s)
{
  echo "# $(date -u +%FT%TZ) torch layer api-level job 2"
  "$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'
  nvidia-smi -L 2>&1 | head -1
  # the C++ library, built once outside the timed runs; the tracker attempt's full errors kept
  PYTHONPATH=$PYDIR timeout 120 "$PY" "$BUILD" "$OUTD/tracker_build_errors.txt"
} >"$OUTD/info.txt" 2>&1
echo "prep done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

# 1. lifetimes at level api: what the tracker saw, and a trace to read back
timeout 40 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/api_lifetimes.mpst" PYTHONPATH="$PYDIR" \
  MPSTRACE_TORCH=api "$PY" "$CHECK" >"$OUTD/lifetimes_api.txt" 2>&1
echo "lifetimes check rc=$?" >>"$OUTD/info.txt"
# 2. the freed-block race, lifetimes from the tracker at level full (C++ observer)
for var in buggy fixed; do
  flag=; [ $var = fixed ] && flag=--fixed
  timeout 40 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/freed_block_reuse_${var}_cpp.mpst" PYTHONPATH="$PYDIR" \
    MPSTRACE_TORCH=full MPSTRACE_TORCH_HOOK=cpp "$PY" traces/programs/races/freed_block_reuse.py $flag --steps 10 \
    >"$OUTD/race_freed_block_reuse_${var}.txt" 2>&1
  echo "race freed_block_reuse $var rc=$?" >>"$OUTD/info.txt"
done
echo "checks done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
# 3. the bench: plain / off / api (C++ lifetimes) / api without the C++ library, rotating order; in-process A/B
LEFT=$(( 188 - ($(date +%s) - T0) ))
BENCH_PYDIR=$PYDIR timeout $LEFT "$PY" "$BENCH" --lib "$LIB" --modes plain,off,api,apinolife --rounds 4 --steps 40 \
  --budget-s $(( LEFT - 58 )) >"$OUTD/bench.txt" 2>"$OUTD/bench.stderr"
echo "bench rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
