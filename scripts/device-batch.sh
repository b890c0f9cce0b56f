#!/usr/bin/env bash
# Runs queued GPU-machine jobs in one call of the device tool (the GPU budget is
# small: one call, many jobs). Each job is .devreq/<name>.sh (an ignored folder
# carried to the machine), whose first line says `# budget: N s`. The script
# builds the recorder once, exports PY (the python3 that holds torch) and LIB
# (the preload library), runs each job with its own time limit, and packs
# $OUT/<name>/ into $OUT/<name>.tgz (the device tool brings back at most 8
# files). A failing job is logged; the others still run.
#
#   bash scripts/device-batch.sh            (on the GPU machine, from the repo root, with $OUT set)
set -u
cd "$(dirname "$0")/.." || exit 2
: "${OUT:?set OUT to the folder whose files come back}"
T0=$(date +%s)
LOG=$OUT/batch.log
log() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
export PYTHONUNBUFFERED=1
PY=$(python3 -c 'import sys; print(sys.executable)')
export PY
export LIB=$PWD/instrumentation/build/libmpstrace_cuda.so
log "git $(git log -1 --format='%h %s' 2>/dev/null); $($PY -c 'import torch; print("torch", torch.__version__, torch.cuda.get_device_name(0))' 2>&1 | tail -1)"
make -B -C instrumentation >>"$LOG" 2>&1 || log "recorder build FAILED (see above)"
for job in .devreq/*.sh; do
  [ -e "$job" ] || continue
  name=$(basename "$job" .sh)
  budget=$(sed -n '1s/^# budget: *\([0-9]*\).*/\1/p' "$job")
  budget=${budget:-60}
  mkdir -p "$OUT/$name"
  log "job $name (budget ${budget}s) start"
  OUT="$OUT" JOB_OUT="$OUT/$name" timeout -k 5 $((budget + 30)) bash "$job" >"$OUT/$name/job.log" 2>&1
  log "job $name rc=$? after $(($(date +%s) - T0))s"
  tar -czf "$OUT/$name.tgz" -C "$OUT" "$name" && rm -rf "${OUT:?}/$name"
done
log "done"
