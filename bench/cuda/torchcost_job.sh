# budget: 200 s
# Device job (issues 10 and 16): level api's cost per call and per step, after
# the call-site lookups stopped hashing code objects and re-reading line
# tables per wrapped call, the layer calls the recorder through C built-ins
# instead of ctypes, and the C++ lifetime tracker lost its lock and map.
#   1. build this branch's recorder (D/instrumentation: the built-ins are in it) and
#      this layer's C++ library (the tracker must compile in)
#   2. bench/cuda/torch_api_parts.py: per call, layer on minus off in one process:
#      this layer (new), the same through ctypes (ctypes), and the layer of the tree
#      this job runs from (old, without its C++ library: no second build)
#   3. bench/cuda/torch_layer.py modes plain,off,api,apinolife, rounds as time allows
#   4. freed_block_reuse (buggy) at level full, C++ observer + tracker: a trace to analyze here
#   overhead: bench/cuda/overhead.py (issue 16's bench) on WORKLOADS, modes plain, rec (this
#      recorder and layer), torchoff (the same, layer off), rec_before (the tree's recorder and layer)
# STAGES picks and orders them (default parts,layer,race); BUDGET the seconds to stay within;
# LAYER_MODES / LAYER_ROUNDS the torch_layer.py modes and rounds (default plain,off,api,apinolife; 6, as time allows);
# PARTS_LAYERS the --layer arguments of torch_api_parts.py; OV_ARGS overhead.py's mode arguments.
# D = the folder holding this branch's instrumentation/python copy (D/python), its
# recorder sources (D/instrumentation) and bench scripts (D/*.py); default this
# checkout. $PY, $LIB (the tree's recorder: used when D has no sources), $JOB_OUT as
# the runner sets them.
set -u
D=${D:-.}
PYDIR=$D/python
[ -d "$PYDIR" ] || PYDIR=$D/instrumentation/python
pick() { if [ -f "$D/$1" ]; then echo "$D/$1"; else echo "$D/bench/cuda/$1"; fi; }
BENCH=$(pick torch_layer.py)
PARTS=$(pick torch_api_parts.py)
BUILD=$(pick build_torch_native.py)
OLD=${OLD_PYDIR:-instrumentation/python}
OLDLIB=$LIB
STAGES=${STAGES:-parts,layer,race}
WORKLOADS=${WORKLOADS:-transformer,mlp,mt}
OVERHEAD=$(pick overhead.py)
has() { case ",$STAGES," in *",$1,"*) return 0;; esac; return 1; }
OUTD=${JOB_OUT:-${OUT:-/tmp}}
BUDGET=${BUDGET:-195}
mkdir -p "$OUTD/traces"
export MPSTRACE_CACHE=/tmp/mpstrace-cache-torchcost PYTHONUNBUFFERED=1
T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
# this branch's recorder, built beside the C++ library's build below
if [ -f "$D/instrumentation/Makefile" ]; then
  rm -rf /tmp/torchcost-rec && cp -a "$D/instrumentation" /tmp/torchcost-rec && rm -rf /tmp/torchcost-rec/build
  make -s -C /tmp/torchcost-rec -j8 >"$OUTD/recorder_build.txt" 2>&1 &
  MAKE_PID=$!
fi
{
  echo "# $(date -u +%FT%TZ) torchcost job; new layer $PYDIR, old layer $OLD"
  "$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'
  nvidia-smi -L 2>&1 | head -1
  PYTHONPATH=$PYDIR timeout 90 "$PY" "$BUILD" "$OUTD/tracker_build_errors.txt"
} >"$OUTD/info.txt" 2>&1
if [ -n "${MAKE_PID:-}" ] && wait "$MAKE_PID" && [ -f /tmp/torchcost-rec/build/libmpstrace_cuda.so ]; then
  LIB=/tmp/torchcost-rec/build/libmpstrace_cuda.so
fi
echo "recorder: $LIB" >>"$OUTD/info.txt"
echo "prep done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

run_parts() {
  # PARTS_LAYERS: the layers torch_api_parts.py times (default this one, it through ctypes, the old one)
  timeout 75 "$PY" "$PARTS" --lib "$LIB" ${PARTS_LAYERS:---layer new=$PYDIR --layer ctypes=$PYDIR@ctypes --layer old=$OLD@python} \
    --rounds 1 --blocks 4 >"$OUTD/parts.txt" 2>&1
  echo "parts rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
}
run_layer() {
  local L=$(( $(left) - ${LAYER_RESERVE:-22} ))
  BENCH_PYDIR=$PYDIR timeout $L "$PY" "$BENCH" --lib "$LIB" --modes ${LAYER_MODES:-plain,off,api,apinolife} --rounds ${LAYER_ROUNDS:-6} --steps 60 \
    --budget-s $(( L - ${LAYER_TAIL:-50} )) >"$OUTD/bench.txt" 2>"$OUTD/bench.stderr"
  echo "bench rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
}
run_overhead() {
  local L=$(( $(left) - ${OVERHEAD_RESERVE:-5} ))
  # OV_ARGS: overhead.py's mode arguments (default: cross-process, both layers)
  timeout $L "$PY" "$OVERHEAD" --lib "$LIB" --pydir "$PYDIR" --lib-before "$OLDLIB" --pydir-before "$OLD" \
    ${OV_ARGS:---modes plain,rec,torchoff,rec_before --gens 2 --rounds 3} --workloads "$WORKLOADS" --steps 80 \
    --budget-s $(( L - 25 )) >"$OUTD/overhead.txt" 2>&1
  echo "overhead rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
}
run_race() {
  local L=$(left)
  [ "$L" -gt 12 ] || return 0
  timeout $L env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/freed_block_reuse_buggy_cpp.mpst" PYTHONPATH="$PYDIR" \
    MPSTRACE_TORCH=full MPSTRACE_TORCH_HOOK=cpp "$PY" traces/programs/races/freed_block_reuse.py --steps 10 \
    >"$OUTD/race_freed_block_reuse_buggy.txt" 2>&1
  echo "race freed_block_reuse buggy rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
}
for st in ${STAGES//,/ }; do
  case $st in
    parts) run_parts ;;
    layer) run_layer ;;
    overhead) run_overhead ;;
    race) run_race ;;
  esac
done
exit 0
