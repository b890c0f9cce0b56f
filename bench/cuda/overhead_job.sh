#!/usr/bin/env bash
# Device job (issue 16): the recorder's step-time overhead after the driver-entry
# stack-slot memo, and where a hooks-only process spends its extra CPU.
#   1. build the recorder (make test-build)
#   2. bench/cuda/overhead.py, modes plain, plain2 (noise floor), rec (default),
#      nocupti, bare (hooks only: no CUPTI, no torch layer) and loaded (library
#      preloaded, MPSTRACE_ENABLE=0): every worker bound to CPUs 2-7
#   3. bench/cuda/cpusampler.c on profile_workload.py, plain / bare / rec, per workload:
#      the share of CPU samples inside the recorder library, and its top functions
# Run from the repository root on the GPU machine: bash bench/cuda/overhead_job.sh
# (OV_BUDGET: seconds for step 2, default 260; PROF_S seconds per profile, default 8).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUTD=${OUT:-/tmp/overhead-job}
mkdir -p "$OUTD"
export PYTHONUNBUFFERED=1
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
t0=$(date +%s)
make -s -C instrumentation CUDA_HOME="$CUDA_HOME" test-build >"$OUTD/build.log" 2>&1 || { tail -30 "$OUTD/build.log"; exit 1; }
LIB="$ROOT/instrumentation/build/libmpstrace_cuda.so"
echo "# built in $(( $(date +%s) - t0 )) s; git $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; $(date -u +%FT%TZ)"
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,nocupti,bare,loaded \
  --gens 3 --rounds 5 --steps 80 --budget-s "${OV_BUDGET:-260}" 2>&1 | tee "$OUTD/overhead.txt" | grep -v '^g[0-9]'
echo "overhead rc=${PIPESTATUS[0]}"

cc -O2 -shared -fPIC bench/cuda/cpusampler.c -o /tmp/cpusampler.so -ldl
for w in transformer mlp; do
  for m in plain bare rec; do
    f="$OUTD/prof-$w-$m.txt"
    case $m in
      plain) pre=/tmp/cpusampler.so; envs=() ;;
      bare) pre="/tmp/cpusampler.so $LIB"; envs=(MPSTRACE_CUPTI=0 MPSTRACE_TORCH=off) ;;
      rec) pre="/tmp/cpusampler.so $LIB"; envs=() ;;
    esac
    env "${envs[@]}" LD_PRELOAD="$pre" SAMPLER_OUT="$f" SAMPLER_LIB=libmpstrace_cuda MPSTRACE_OUT=/tmp/prof.mpst \
      PYTHONPATH="$ROOT/instrumentation/python" taskset -c 2-7 \
      python3 bench/cuda/profile_workload.py "$w" --seconds "${PROF_S:-8}" 2>&1 | sed "s/^/$w $m: /"
  done
done
echo "# job wall $(( $(date +%s) - t0 )) s"
