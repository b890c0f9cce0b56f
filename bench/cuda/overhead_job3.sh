#!/usr/bin/env bash
# Device job 3 (issue 16): do CUPTI's driver callbacks cost on top of its activity
# records? Modes plain, plain2, rec (default), cb_rt (activity + runtime callbacks
# only: no driver callbacks) and compl_off (callbacks, no activity), on the two
# training loops, more generations than jobs 1-2. CPUs 2-7.
# Run from the repository root on the GPU machine: bash bench/cuda/overhead_job3.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUTD=${OUT:-/tmp/overhead-job3}
mkdir -p "$OUTD"
export PYTHONUNBUFFERED=1
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
t0=$(date +%s)
make -s -C instrumentation CUDA_HOME="$CUDA_HOME" test-build >"$OUTD/build.log" 2>&1 || { tail -30 "$OUTD/build.log"; exit 1; }
LIB="$ROOT/instrumentation/build/libmpstrace_cuda.so"
echo "# built in $(( $(date +%s) - t0 )) s; git $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; $(date -u +%FT%TZ)"
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,cb_rt,compl_off --workloads transformer,mlp \
  --gens 5 --rounds 6 --steps 80 --budget-s "${OV_BUDGET:-300}" 2>&1 | tee "$OUTD/overhead3.txt" | grep -v '^g[0-9]\|^# gen'
echo "overhead rc=${PIPESTATUS[0]}"
echo "# job wall $(( $(date +%s) - t0 )) s"
