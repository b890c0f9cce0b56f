#!/usr/bin/env bash
# Records the PyTorch-layer fixtures and runs the layer's bench on the GPU
# machine (no Node.js needed). From the repository root, after
# `make -B -C instrumentation`:
#
#   PY=<python3 path> LIB=<abs path of libmpstrace_cuda.so> OUT=<dir> bash traces/programs/torch/record.sh [--no-bench]
#
# Writes $OUT/torch/<name>.mpst (unpack into traces/cuda/torch/), $OUT/torch/logs/<name>.txt,
# $OUT/log.txt (one line per run: rc, expected rc, bytes, ms; record counts per kind) and
# $OUT/bench.txt (bench/cuda/torch_layer.py). Every program is UNMODIFIED PyTorch (no mpstrace
# import); the layer comes in through instrumentation/python/sitecustomize.py on PYTHONPATH;
# runtime bugs are planted below torch's public API by _launch.py. Never fails the shell.
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" || exit 0
PY=${PY:-$(python3 -c 'import sys; print(sys.executable)')}
LIB=${LIB:-$ROOT/instrumentation/build/libmpstrace_cuda.so}
OUT=${OUT:-$ROOT/out/torch}
mkdir -p "$OUT/torch/logs"
LOG=$OUT/log.txt
T0=$(date +%s)
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
export PYTHONUNBUFFERED=1

# rec <name> <level> <expected rc> <plant> <program> [args...]
rec() {
  local name=$1 level=$2 expect=$3 plant=$4 prog=$5
  shift 5
  local trace=$OUT/torch/$name.mpst out=$OUT/torch/logs/$name.txt start rc ms
  start=$(date +%s%N)
  # only the python process is preloaded
  PYTHONPATH="$ROOT/instrumentation/python${PYTHONPATH:+:$PYTHONPATH}" MPSTRACE_TORCH=$level \
    timeout -k 5 60 env LD_PRELOAD="$LIB" MPSTRACE_OUT="$trace" \
    "$PY" traces/programs/torch/_launch.py --plant "$plant" "traces/programs/torch/$prog" "$@" >"$out" 2>&1
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  log "run $name level=$level plant=$plant rc=$rc expected=$expect ok=$([ $rc = "$expect" ] && echo yes || echo no) bytes=$(wc -c <"$trace" 2>/dev/null || echo 0) ms=$ms cmd=$prog $*"
  tail -n 3 "$out" | sed 's/^/  | /' | tee -a "$LOG"
  [ -f "$trace" ] && "$PY" traces/programs/trace_summary.py "$trace" 2>&1 | grep -E 'api_|intent_|tensor_access|alloc|free|event_record|sync|callsite' | head -n 20 | sed 's/^/  = /' | tee -a "$LOG"
  return 0
}

log "== torch layer fixtures ($(git log -1 --format='%h %s' 2>/dev/null))"
log "torch: $("$PY" -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>&1 | tail -n 1)"
rec device_sync_planted api 0 device-sync-stream-only device_sync.py
rec device_sync_clean api 0 none device_sync.py
rec event_handoff_planted api 0 record-ignores-stream event_handoff.py
rec event_handoff_clean api 0 none event_handoff.py
rec timed_steps_planted api 1 untimed-events timed_steps.py
rec timed_steps_user_untimed api 1 none timed_steps.py --events plain
rec timed_steps_clean api 0 none timed_steps.py
rec prefetch_train_full full 0 none prefetch_train.py
rec prefetch_train_api api 0 none prefetch_train.py
rec prefetch_train_off off 0 none prefetch_train.py --steps 5

if [ "${1:-}" != "--no-bench" ]; then
  log "== bench: bench/cuda/torch_layer.py"
  timeout -k 5 150 "$PY" bench/cuda/torch_layer.py --lib "$LIB" --rounds 3 --budget-s 60 >"$OUT/bench.txt" 2>&1
  log "bench rc=$?"
  tail -n 8 "$OUT/bench.txt" | sed 's/^/  | /' | tee -a "$LOG"
fi
log "done"
exit 0
