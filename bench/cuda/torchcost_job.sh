# budget: 200 s
# Device job (issues 10 and 16): level api's cost per call and per step, after
# the call-site lookups stopped hashing code objects and re-reading line
# tables per wrapped call, and the C++ lifetime tracker lost its lock and map.
#   1. build this layer's C++ library (the tracker must compile in)
#   2. lifetimes check at level api (what the tracker wrote, a trace to read back)
#   3. bench/cuda/torch_api_parts.py: per call, layer on minus off in one process,
#      this layer (new) and the one in the tree this job runs from (old, without
#      its C++ library: no second build)
#   4. bench/cuda/torch_layer.py modes plain,off,api,apinolife, rounds as time allows
#   5. freed_block_reuse (buggy) at level full, C++ observer + tracker: traces to analyze here
# D = the folder holding this branch's instrumentation/python copy (D/python) and its
# bench scripts (D/*.py); default this checkout. $PY, $LIB, $JOB_OUT as the runner sets them.
set -u
D=${D:-.}
PYDIR=$D/python
[ -d "$PYDIR" ] || PYDIR=$D/instrumentation/python
pick() { if [ -f "$D/$1" ]; then echo "$D/$1"; else echo "$D/bench/cuda/$1"; fi; }
BENCH=$(pick torch_layer.py)
PARTS=$(pick torch_api_parts.py)
CHECK=$(pick torch_lifetimes_check.py)
OLD=${OLD_PYDIR:-instrumentation/python}
OUTD=${JOB_OUT:-${OUT:-/tmp}}
BUDGET=${BUDGET:-195}
mkdir -p "$OUTD/traces"
export MPSTRACE_CACHE=/tmp/mpstrace-cache-torchcost PYTHONUNBUFFERED=1
T0=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
{
  echo "# $(date -u +%FT%TZ) torchcost job; new layer $PYDIR, old layer $OLD"
  "$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'
  nvidia-smi -L 2>&1 | head -1
  PYTHONPATH=$PYDIR timeout 90 "$PY" -c '
import subprocess, sys, time, torch
from mpstrace import _torch_native as n
t = time.monotonic()
real_run = subprocess.run
def run(cmd, **kw):
    r = real_run(cmd, **kw)
    if r.returncode and "-DMPST_CUDA_ALLOC" in cmd:
        open(sys.argv[1], "a").write(" ".join(cmd) + "\n" + r.stderr + "\n")
    return r
n.subprocess.run = run
p = n.build(torch, sys.stdout); lib = n.Native(p)
print("built %s in %.1f s; trace tracker compiled in: %s" % (p, time.monotonic() - t, lib.lifetimes_available))' \
    "$OUTD/tracker_build_errors.txt"
} >"$OUTD/info.txt" 2>&1
echo "prep done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

timeout 30 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/api_lifetimes.mpst" PYTHONPATH="$PYDIR" \
  MPSTRACE_TORCH=api "$PY" "$CHECK" >"$OUTD/lifetimes_api.txt" 2>&1
echo "lifetimes check rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

timeout 60 "$PY" "$PARTS" --lib "$LIB" --layer new="$PYDIR" --layer old="$OLD@python" --rounds 1 --blocks 6 \
  >"$OUTD/parts.txt" 2>&1
echo "parts rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

L=$(( $(left) - 22 ))
BENCH_PYDIR=$PYDIR timeout $L "$PY" "$BENCH" --lib "$LIB" --modes plain,off,api,apinolife --rounds 6 --steps 40 \
  --budget-s $(( L - 50 )) >"$OUTD/bench.txt" 2>"$OUTD/bench.stderr"
echo "bench rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

L=$(left)
if [ "$L" -gt 8 ]; then
  timeout $L env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/freed_block_reuse_buggy_cpp.mpst" PYTHONPATH="$PYDIR" \
    MPSTRACE_TORCH=full MPSTRACE_TORCH_HOOK=cpp "$PY" traces/programs/races/freed_block_reuse.py --steps 10 \
    >"$OUTD/race_freed_block_reuse_buggy.txt" 2>&1
  echo "race freed_block_reuse buggy rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
fi
exit 0
