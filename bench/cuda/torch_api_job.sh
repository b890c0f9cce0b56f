# budget: 240 s
# Device job (issue 10, level api cost): where the api level's time goes, and
# block lifetimes from C++ vs Python callbacks. D = the folder holding this
# branch's instrumentation/python copy and bench scripts (default: this checkout).
set -u
D=${D:-.}
PYDIR=$D/python
[ -d "$PYDIR" ] || PYDIR=$D/instrumentation/python
BENCH=$D/torch_layer.py
[ -f "$BENCH" ] || BENCH=$D/bench/cuda/torch_layer.py
CHECK=$D/torch_lifetimes_check.py
[ -f "$CHECK" ] || CHECK=$D/bench/cuda/torch_lifetimes_check.py
OUTD=${JOB_OUT:-${OUT:-/tmp}}
mkdir -p "$OUTD/traces"
export MPSTRACE_CACHE=/tmp/mpstrace-cache-apilife PYTHONUNBUFFERED=1
T0=$(date +%s)
{
  echo "# $(date -u +%FT%TZ) torch layer api-level job"
  "$PY" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda)'
  command -v nvcc; ls -d /usr/local/cuda*/include 2>/dev/null | head -3
  nvidia-smi -L 2>&1 | head -1
  # the C++ library, built once outside the timed runs (with the trace tracker when CUDA's headers are found)
  PYTHONPATH=$PYDIR timeout 150 "$PY" -c '
import sys, time, torch
from mpstrace import _torch_native as n
t = time.monotonic(); print("cuda include:", n._cuda_include(torch))
p = n.build(torch, sys.stdout); lib = n.Native(p)
print("built %s in %.1f s; trace tracker compiled in: %s" % (p, time.monotonic() - t, lib.lifetimes_available))'
} >"$OUTD/info.txt" 2>&1
echo "prep done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"

# 1. lifetimes at level api: what the tracker saw, a trace to read back
for hook in auto python; do
  timeout 40 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/api_lifetimes_$hook.mpst" PYTHONPATH="$PYDIR" \
    MPSTRACE_TORCH=api MPSTRACE_TORCH_HOOK=$hook "$PY" "$CHECK" >"$OUTD/lifetimes_$hook.txt" 2>&1
  echo "lifetimes check hook=$hook rc=$?" >>"$OUTD/info.txt"
done
# 2. nested ops: one race program at level full with the C++ observer (occurrences were doubled)
for var in buggy fixed; do
  flag=; [ $var = fixed ] && flag=--fixed
  for sc in side_write_default_read freed_block_reuse; do
    timeout 40 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$OUTD/traces/${sc}_${var}_cpp.mpst" PYTHONPATH="$PYDIR" \
      MPSTRACE_TORCH=full MPSTRACE_TORCH_HOOK=cpp "$PY" traces/programs/races/$sc.py $flag --steps 10 \
      >"$OUTD/race_${sc}_${var}.txt" 2>&1
    echo "race $sc $var rc=$?" >>"$OUTD/info.txt"
  done
done
# per-call costs on this machine's CPU, stand-in torch (no GPU)
CPUB=$D/torch_api_cpu.py; [ -f "$CPUB" ] || CPUB=$D/bench/torch_api_cpu.py
timeout 40 env LD_PRELOAD="$LIB" MPSTRACE_OUT=/tmp/api_cpu.mpst MPSTRACE_TORCH=off PYTHONPATH="$PYDIR:test/fake_torch" \
  "$PY" "$CPUB" >"$OUTD/api_cpu.txt" 2>&1
echo "checks done after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
# 3. the bench: separate processes (off / api / api without lifetimes / api with Python
#    lifetime callbacks), rotating order, then the in-process A/B
LEFT=$(( 225 - ($(date +%s) - T0) ))
BENCH_PYDIR=$PYDIR timeout $LEFT "$PY" "$BENCH" --lib "$LIB" --modes off,api,apinolife,apipy --rounds 4 --steps 40 \
  --budget-s $(( LEFT - 75 )) >"$OUTD/bench.txt" 2>"$OUTD/bench.stderr"
echo "bench rc=$? after $(( $(date +%s) - T0 )) s" >>"$OUTD/info.txt"
