#!/usr/bin/env bash
# GPU-machine half of the race side-by-side (bench/races/table.mjs is the other
# half, run where Node.js is). For each program of traces/programs/races/ and
# its safe twin (--fixed) it runs:
#   plain     the program alone (baseline step time)
#   csan      under PyTorch's CUDA sanitizer (TORCH_CUDA_SANITIZER=1): verdict + step time
#   mpstrace  under the recorder with the torch layer at level full: trace + step time
#   mpstrace-api  the same at the layer's default level api (only when TOOLS names it)
# and writes, under $DEST (default $OUT/race):
#   results.tsv            scenario, variant, tool, rc, wall_s, step_ms, wrong, csan_reported
#   logs/<scenario>_<variant>_<tool>.txt   each run's stdout+stderr
#   traces/<scenario>_{buggy,fixed}[_api].mpst   the recordings (commit under traces/cuda/races/)
#   traces/clean_<program>_torchfull.mpst  clean programs of traces/programs/ at torch level full
# Never fails the shell: a failed run is logged and the loop goes on.
# TOOLS (default "plain csan mpstrace") picks the tools; PYDIR the mpstrace
# Python folder (default instrumentation/python); MPSTRACE_TORCH_HOOK
# (auto|cpp|python) passes through to the recorded programs; MPST_ROOT the
# checkout whose programs run (default: the one holding this script); PROGDIR
# the folder of the scenario programs (default traces/programs/races; e.g.
# traces/programs/wild with its SCENARIOS); CLEAN=0 skips the clean programs.
#
#   PY=python3 LIB=$PWD/instrumentation/build/libmpstrace_cuda.so bash bench/races/device.sh
set -u
cd "${MPST_ROOT:-$(dirname "$0")/../..}" || exit 0
ROOT=$PWD
PYDIR=${PYDIR:-$ROOT/instrumentation/python}
TOOLS=${TOOLS:-plain csan mpstrace}
DEST=${DEST:-${OUT:-$ROOT/out}/race}
PY=${PY:-$(python3 -c 'import sys; print(sys.executable)')}
LIB=${LIB:-$ROOT/instrumentation/build/libmpstrace_cuda.so}
STEPS=${STEPS:-30}
PROGDIR=${PROGDIR:-traces/programs/races}
CLEAN=${CLEAN:-1}
SCENARIOS=${SCENARIOS:-"side_write_default_read event_before_write wrong_stream_sync overlapping_views freed_block_reuse graph_replay"}
mkdir -p "$DEST/logs" "$DEST/traces"
RES=$DEST/results.tsv
printf 'scenario\tvariant\ttool\trc\twall_s\tstep_ms\twrong\tcsan_reported\n' >"$RES"
export PYTHONUNBUFFERED=1
echo "git: $(git log -1 --format='%h %s' 2>/dev/null)" >"$DEST/info.txt"
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' >>"$DEST/info.txt" 2>&1
[ -f "$LIB" ] || echo "recorder library $LIB is missing" >>"$DEST/info.txt"
[ -f "$PYDIR/mpstrace/torch.py" ] && echo "torch layer: present ($PYDIR), hook ${MPSTRACE_TORCH_HOOK:-auto}" >>"$DEST/info.txt" || echo "torch layer: MISSING (no tensor_access records)" >>"$DEST/info.txt"

run_one() {  # scenario variant tool
  local sc=$1 var=$2 tool=$3 flag="" log t0 t1 rc
  [ "$var" = fixed ] && flag=--fixed
  log=$DEST/logs/${sc}_${var}_${tool}.txt
  t0=$(date +%s.%N)
  case $tool in
    plain) timeout -k 5 90 "$PY" "$PROGDIR/$sc.py" $flag --steps "$STEPS" >"$log" 2>&1 ;;
    csan) TORCH_CUDA_SANITIZER=1 timeout -k 5 120 "$PY" "$PROGDIR/$sc.py" $flag --steps "$STEPS" >"$log" 2>&1 ;;
    # only the python process is preloaded (timeout execs it through env, which is not preloaded)
    mpstrace) timeout -k 5 90 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$DEST/traces/${sc}_${var}.mpst" \
        PYTHONPATH="$PYDIR" MPSTRACE_TORCH=full "$PY" "$PROGDIR/$sc.py" $flag --steps "$STEPS" >"$log" 2>&1 ;;
    mpstrace-api) timeout -k 5 90 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$DEST/traces/${sc}_${var}_api.mpst" \
        PYTHONPATH="$PYDIR" MPSTRACE_TORCH=api "$PY" "$PROGDIR/$sc.py" $flag --steps "$STEPS" >"$log" 2>&1 ;;
  esac
  rc=$?
  t1=$(date +%s.%N)
  local line step wrong csan
  line=$(grep '^RESULT' "$log" | tail -1)
  step=$(echo "$line" | sed -n 's/.*step_ms=\([0-9.]*\).*/\1/p')
  wrong=$(echo "$line" | sed -n 's/.*wrong=\([0-9]*\).*/\1/p')
  csan=$(grep -c 'CSAN detected a possible data race' "$log")
  printf '%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\n' "$sc" "$var" "$tool" "$rc" "$(awk "BEGIN{print $t1 - $t0}")" "${step:--}" "${wrong:--}" "$csan" >>"$RES"
}

for sc in $SCENARIOS; do
  for var in buggy fixed; do
    for tool in $TOOLS; do
      run_one "$sc" "$var" "$tool"
    done
  done
done
# clean programs of traces/programs/ under the torch layer at level full: the
# rule must stay silent on them (real false-positive check with per-op accesses)
[ "$CLEAN" = 0 ] || for spec in "train_prefetch --steps 40" "mt_inference --threads 4 --requests 40" "timing_events"; do
  set -- $spec
  name=$1; shift
  timeout -k 5 120 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$DEST/traces/clean_${name}_torchfull.mpst" \
    PYTHONPATH="$PYDIR" MPSTRACE_TORCH=full "$PY" "traces/programs/$name.py" "$@" \
    >"$DEST/logs/clean_${name}_torchfull.txt" 2>&1
  echo "clean $name rc=$?" >>"$DEST/info.txt"
done
ls -l "$DEST/traces" >>"$DEST/info.txt" 2>&1
cat "$RES"
exit 0
