#!/usr/bin/env bash
# Device job 2 (issue 16): which part of CUPTI costs across processes, and each
# part's cost inside one process, on the same recorder as overhead_job.sh.
#   1. build the recorder (make test-build)
#   2. bench/cuda/overhead.py, modes plain, plain2, rec, nocupti, compl_off
#      (callbacks, no activity), cb_none (activity, no callbacks), cb_rt (runtime
#      callbacks only), plus one paired process (rec) measuring in-process blocks:
#      on, off, off2, no_hooks, no_torch, no_cupti, no_completions; CPUs 2-7
#   3. cpusampler.c on a recorded process: CPU samples inside libcupti
# Run from the repository root on the GPU machine: bash bench/cuda/overhead_job2.sh
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUTD=${OUT:-/tmp/overhead-job2}
mkdir -p "$OUTD"
export PYTHONUNBUFFERED=1
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
t0=$(date +%s)
make -s -C instrumentation CUDA_HOME="$CUDA_HOME" test-build >"$OUTD/build.log" 2>&1 || { tail -30 "$OUTD/build.log"; exit 1; }
LIB="$ROOT/instrumentation/build/libmpstrace_cuda.so"
echo "# built in $(( $(date +%s) - t0 )) s; git $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; $(date -u +%FT%TZ)"
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,nocupti,compl_off,cb_none,cb_rt \
  --paired rec --configs on,off,off2,no_hooks,no_torch,no_cupti,no_completions --block-steps 30 \
  --gens 3 --rounds 4 --steps 80 --budget-s "${OV_BUDGET:-330}" 2>&1 | tee "$OUTD/overhead2.txt" | grep -v '^g[0-9]'
echo "overhead rc=${PIPESTATUS[0]}"
cc -O2 -shared -fPIC bench/cuda/cpusampler.c -o /tmp/cpusampler.so -ldl
for w in transformer mlp; do
  LD_PRELOAD="/tmp/cpusampler.so $LIB" SAMPLER_OUT="$OUTD/prof-$w-rec-cupti.txt" SAMPLER_LIB=libcupti MPSTRACE_OUT=/tmp/prof.mpst \
    PYTHONPATH="$ROOT/instrumentation/python" taskset -c 2-7 \
    python3 bench/cuda/profile_workload.py "$w" --seconds "${PROF_S:-8}" 2>&1 | sed "s/^/$w rec: /"
done
echo "# job wall $(( $(date +%s) - t0 )) s"
