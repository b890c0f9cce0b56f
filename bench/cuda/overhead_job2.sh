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
source "$(dirname "$0")/overhead_job_lib.sh"
job_start overhead-job2
python3 bench/cuda/overhead.py --lib "$LIB" --pin 2-7 --modes plain,plain2,rec,nocupti,compl_off,cb_none,cb_rt \
  --paired rec --configs on,off,off2,no_hooks,no_torch,no_cupti,no_completions --block-steps 30 \
  --gens 3 --rounds 4 --steps 80 --budget-s "${OV_BUDGET:-330}" 2>&1 | tee "$OUTD/overhead2.txt" | grep -v '^g[0-9]'
echo "overhead rc=${PIPESTATUS[0]}"
for w in transformer mlp; do profile "$w" rec-cupti libcupti; done
job_end
