#!/usr/bin/env bash
# Records the real-program traces on the GPU machine (no Node.js needed there).
#
#   bash traces/programs/device_run.sh [--quick|--pool]   (from the repo root, with $OUT set)
#
# Prints versions, rebuilds the recorder (make -B -C instrumentation), records
# every program under plain LD_PRELOAD (the python process only), runs the
# recorder's bench/cuda/run.sh last in the time left, and leaves
# $OUT/traces.tgz (cuda/{*.mpst,gate/,pool/,logs/,RUNLOG.txt}; unpack with
# `tar -xzf traces.tgz -C traces/`) and $OUT/log.txt (each run's exit code,
# trace size, time and result line). A failed run is logged and the script
# goes on. --quick: build + two tiny recordings under cuda/smoke/ (~20 s);
# --pool: build + the stream-pool fixtures only (cuda/pool/).
# Env: MPST_BUDGET_S (default 380): optional runs are skipped past this many
# seconds, so the whole script stays under 7 minutes (about 5.5 in full).
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
QUICK=0
POOL_ONLY=0
case "${1:-}" in
  --quick) QUICK=1 ;;
  --pool) POOL_ONLY=1 ;;
  "") ;;
  *) echo "usage: bash traces/programs/device_run.sh [--quick|--pool]" >&2; exit 2 ;;
esac
OUT=${OUT:-$ROOT/out/device}
mkdir -p "$OUT" || exit 2
WORK=$(mktemp -d /tmp/mpst-real.XXXXXX) || exit 2
mkdir -p "$WORK/cuda/gate" "$WORK/cuda/pool" "$WORK/cuda/logs"
LOG=$OUT/log.txt
: >"$LOG"
T0=$(date +%s)
BUDGET=${MPST_BUDGET_S:-380}
export PYTHONUNBUFFERED=1
# the interpreter itself, not a wrapper script: an exec'ing shim would move the
# recording into a second file
PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)' 2>/dev/null || echo python3)

log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
over_budget() { [ $(($(date +%s) - T0)) -ge "$BUDGET" ]; }

log "== mpstrace real runs ($([ $QUICK = 1 ] && echo quick || { [ $POOL_ONLY = 1 ] && echo pool-only; } || echo full)) in $ROOT, work dir $WORK"
log "git: $(git -C "$ROOT" log -1 --format='%h %s' 2>/dev/null || echo 'no git')"

log "== versions"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "kernel: $(uname -r) $(uname -m)"
  echo "python: $($PY --version 2>&1)"
  $PY - <<'EOF' 2>&1
import torch
print("torch:", torch.__version__, "cuda:", torch.version.cuda, "cudnn:", torch.backends.cudnn.version())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print("gpu:", p.name, "sm_%d%d" % (p.major, p.minor), "%d MiB" % (p.total_memory >> 20), "SMs:", p.multi_processor_count)
else:
    print("gpu: none visible to torch")
EOF
  echo "driver: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1 | head -n 1)"
  echo "nvcc: $(nvcc --version 2>&1 | tail -n 2 | tr '\n' ' ')"
  echo "gcc: $(gcc --version 2>&1 | head -n 1)"
  echo "cupti: $(timeout 20 find /usr/local/cuda* /opt /usr/lib "$($PY -c 'import site;print(site.getsitepackages()[0])' 2>/dev/null)" -name 'libcupti.so*' 2>/dev/null | head -n 3 | tr '\n' ' ')"
} | tee -a "$LOG"

log "== build: make -B -C instrumentation (always rebuilt: a kept build folder may be stale)"
timeout 240 make -B -C instrumentation >"$WORK/cuda/logs/build.txt" 2>&1
rc=$?
tail -n 5 "$WORK/cuda/logs/build.txt" | sed 's/^/  | /' | tee -a "$LOG"
log "build rc=$rc"
ls -la instrumentation/build 2>&1 | sed 's/^/  | /' | tee -a "$LOG"
LIB=$ROOT/instrumentation/build/libmpstrace_cuda.so
if [ -f "$LIB" ]; then
  log "recorder: $LIB"
else
  log "WARNING: $LIB is missing: programs run UNRECORDED (they still check themselves)"
  LIB=""
fi

# rec <name> <timeout_s> <program.py> [args...]: one recorded run, to $WORK/cuda/<name>.mpst
# (<name> may hold a sub folder: gate/..., pool/...). EXPECT=<rc> when a run is
# meant to end otherwise than with 0 (124: killed by its timeout).
rec() {
  local name=$1 tmo=$2 prog=$3
  shift 3
  local trace=$WORK/cuda/$name.mpst out=$WORK/cuda/logs/${name//\//_}.txt start rc ms bytes ok
  local expect=${EXPECT:-0}
  mkdir -p "$(dirname "$trace")"
  start=$(date +%s%N)
  # only the python image is preloaded (not timeout or a shell), so the trace is
  # the program's own file, not a fork/exec child file
  PYTHONPATH="$ROOT/instrumentation/python${PYTHONPATH:+:$PYTHONPATH}" \
    timeout -k 10 "$tmo" bash -c 'LD_PRELOAD=$0 MPSTRACE_OUT=$1 exec "$2" "${@:3}"' \
    "$LIB" "$trace" "$PY" "traces/programs/$prog" "$@" >"$out" 2>&1
  rc=$?
  ms=$((($(date +%s%N) - start) / 1000000))
  local files=("$trace" "$WORK/cuda/$name".[0-9]*.mpst)
  bytes=$(cat "${files[@]}" 2>/dev/null | wc -c)
  ok=$([ "$rc" = "$expect" ] && echo yes || echo no)
  log "run $name rc=$rc expected=$expect ok=$ok bytes=$bytes ms=$ms files=$(ls "${files[@]}" 2>/dev/null | wc -l) cmd=$prog $*"
  echo "run=$name rc=$rc expected=$expect ok=$ok bytes=$bytes ms=$ms" >>"$WORK/cuda/logs/runs.txt"
  grep -E '^(observed|error|steps=|requests=|iters=|scenarios=|annotations:)' "$out" | tail -n 12 | sed 's/^/  | /' | tee -a "$LOG"
  [ $ok = yes ] || tail -n 6 "$out" | sed 's/^/  ! /' | tee -a "$LOG"
  for f in "${files[@]}"; do
    [ -f "$f" ] && "$PY" traces/programs/trace_summary.py "$f" 2>&1 | head -n 6 | sed 's/^/  = /' | tee -a "$LOG"
  done
  return 0
}

record_pool() {
  log "== stream pool: buggy and fixed, all scenarios"
  rec pool/stream_pool_buggy 90 stream_pool.py --scenario all
  rec pool/stream_pool_fixed 90 stream_pool.py --scenario all --fixed

  log "== stream pool: one trace per scenario"
  for s in device-sync wrong-stream-event double-owned-slot elapsed-no-timing retained-buffer leaked-slot; do
    over_budget && { log "budget reached: skipping per-scenario runs from $s"; break; }
    rec "pool/${s//-/_}_buggy" 60 stream_pool.py --scenario "$s"
    rec "pool/${s//-/_}_fixed" 60 stream_pool.py --scenario "$s" --fixed
  done

  log "== stream pool: elapsed-hang, killed by its timeout while blocked (rc 124 expected)"
  EXPECT=124 rec pool/elapsed_hang_buggy 10 stream_pool.py --scenario elapsed-hang --hang-s 30
  rec pool/elapsed_hang_fixed 60 stream_pool.py --scenario elapsed-hang --fixed
}

if [ $QUICK = 1 ]; then
  log "== quick: one tiny recording"
  # under smoke/: not fixtures, don't commit them
  rec smoke/timing_events 60 timing_events.py --iters 3 --size 1024
  rec smoke/pool_device_sync 60 stream_pool.py --scenario device-sync
elif [ $POOL_ONLY = 1 ]; then
  # the stream-pool fixtures only (e.g. after an annotation change)
  record_pool
else
  log "== real programs"
  rec train_prefetch 90 train_prefetch.py --steps 300
  rec timing_events 60 timing_events.py
  rec mt_inference 90 mt_inference.py --threads 4 --requests 40
  record_pool

  log "== CI perf gate: train_prefetch unchanged x6, --extra-sync x3, --prefetch-on-main x3"
  # interleaved, so slow drift of the machine hits every variant alike
  for i in 1 2 3; do
    over_budget && { log "budget reached: skipping the rest of the gate runs"; break; }
    rec "gate/train_base_$((2 * i - 1))" 90 train_prefetch.py --steps 60
    rec "gate/train_extra_sync_$i" 90 train_prefetch.py --steps 60 --extra-sync
    rec "gate/train_base_$((2 * i))" 90 train_prefetch.py --steps 60
    rec "gate/train_prefetch_on_main_$i" 90 train_prefetch.py --steps 60 --prefetch-on-main
  done

  log "== CI perf gate: 4 more unchanged runs (10 in all), for the false-positive rate over A/A splits"
  for i in 7 8 9 10; do
    over_budget && { log "budget reached: skipping extra unchanged runs from $i"; break; }
    rec "gate/train_base_$i" 90 train_prefetch.py --steps 60
  done

  # the recorder's own bench last, in whatever time is left of the 7 minutes
  if [ -f bench/cuda/run.sh ]; then
    left=$((400 - ($(date +%s) - T0)))
    [ $left -gt 240 ] && left=240
    if [ $left -ge 60 ]; then
      log "== recorder bench: bash bench/cuda/run.sh (limit ${left}s)"
      mkdir -p "$WORK/bench"
      OUT="$WORK/bench" timeout -k 10 "$left" bash bench/cuda/run.sh >"$WORK/cuda/logs/bench_cuda.txt" 2>&1
      rc=$?
      log "bench rc=$rc last line: $(tail -n 1 "$WORK/cuda/logs/bench_cuda.txt")"
    else
      log "recorder bench skipped: only ${left}s left"
    fi
  else
    log "no bench/cuda/run.sh: recorder bench skipped"
  fi
fi

log "== packing"
cp "$LOG" "$WORK/cuda/RUNLOG.txt"
# unpack with: tar -xzf traces.tgz -C traces/   (gives traces/cuda/...)
tar -C "$WORK" -czf "$OUT/traces.tgz" cuda
size=$(wc -c <"$OUT/traces.tgz")
limit=$((15 * 1024 * 1024))
if [ "$size" -gt "$limit" ]; then
  # files come back at most 16 MiB each: split, rejoin with `cat traces.tgz.part-* > traces.tgz`
  split -b "$limit" -d -a 1 "$OUT/traces.tgz" "$OUT/traces.tgz.part-" && rm -f "$OUT/traces.tgz"
  log "traces.tgz was $size bytes: split into $(ls "$OUT"/traces.tgz.part-* | wc -l) parts"
fi
log "runs: $(wc -l <"$WORK/cuda/logs/runs.txt" 2>/dev/null || echo 0), not as expected: $(grep -c ' ok=no ' "$WORK/cuda/logs/runs.txt" 2>/dev/null)"
ls -la "$OUT" | sed 's/^/  | /' | tee -a "$LOG"
log "done in $(($(date +%s) - T0)) s"
