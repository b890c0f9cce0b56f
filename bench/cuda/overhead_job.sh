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
source "$(dirname "$0")/overhead_job_lib.sh"
job_start overhead-job
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,nocupti,bare,loaded \
  --gens 3 --rounds 5 --steps 80 --budget-s "${OV_BUDGET:-260}" 2>&1 | tee "$OUTD/overhead.txt" | grep -v '^g[0-9]'
echo "overhead rc=${PIPESTATUS[0]}"

for w in transformer mlp; do
  profile "$w" plain libmpstrace_cuda
  profile "$w" bare libmpstrace_cuda MPSTRACE_CUPTI=0 MPSTRACE_TORCH=off
  profile "$w" rec libmpstrace_cuda
done
job_end
