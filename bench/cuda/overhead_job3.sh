#!/usr/bin/env bash
# Device job 3 (issue 16): do CUPTI's driver callbacks cost on top of its activity
# records? Modes plain, plain2, rec (default), cb_rt (activity + runtime callbacks
# only: no driver callbacks) and compl_off (callbacks, no activity), on the two
# training loops, more generations than jobs 1-2. CPUs 2-7.
# Run from the repository root on the GPU machine: bash bench/cuda/overhead_job3.sh
source "$(dirname "$0")/overhead_job_lib.sh"
job_start overhead-job3
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,cb_rt,compl_off --workloads transformer,mlp \
  --gens 5 --rounds 6 --steps 80 --budget-s "${OV_BUDGET:-300}" 2>&1 | tee "$OUTD/overhead3.txt" | grep -v '^g[0-9]\|^# gen'
echo "overhead rc=${PIPESTATUS[0]}"
job_end
