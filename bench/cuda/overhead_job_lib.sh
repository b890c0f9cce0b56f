# Shared by bench/cuda/overhead_job*.sh (sourced, not run): what every device job
# of issue 16 does first, and the CPU profile of one workload.
#   job_start NAME   cd to the repository root, OUTD=$OUT (else /tmp/NAME), build the
#                    recorder (LIB), print the build line; t0 for job_end
#   profile W LABEL SAMPLER_LIB [VAR=VALUE...]
#                    bench/cuda/cpusampler.c on profile_workload.py W (CPUs 2-7, PROF_S
#                    seconds, default 8), the recorder preloaded unless LABEL is plain;
#                    the profile goes to $OUTD/prof-W-LABEL.txt
#   job_end          the job's wall time
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PYTHONUNBUFFERED=1
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
LIB="$ROOT/instrumentation/build/libmpstrace_cuda.so"

job_start() {
  cd "$ROOT" || exit 1
  OUTD=${OUT:-/tmp/$1}
  mkdir -p "$OUTD"
  t0=$(date +%s)
  make -s -C instrumentation CUDA_HOME="$CUDA_HOME" test-build >"$OUTD/build.log" 2>&1 || { tail -30 "$OUTD/build.log"; exit 1; }
  echo "# built in $(( $(date +%s) - t0 )) s; git $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; $(date -u +%FT%TZ)"
}

profile() {
  local w=$1 label=$2 want=$3 pre=/tmp/cpusampler.so
  shift 3
  [ -n "${SAMPLER_BUILT:-}" ] || { cc -O2 -shared -fPIC bench/cuda/cpusampler.c -o /tmp/cpusampler.so -ldl && SAMPLER_BUILT=1; }
  [ "$label" = plain ] || pre="$pre $LIB"
  env "$@" LD_PRELOAD="$pre" SAMPLER_OUT="$OUTD/prof-$w-$label.txt" SAMPLER_LIB="$want" MPSTRACE_OUT=/tmp/prof.mpst \
    PYTHONPATH="$ROOT/instrumentation/python" taskset -c 2-7 \
    python3 bench/cuda/profile_workload.py "$w" --seconds "${PROF_S:-8}" 2>&1 | sed "s/^/$w $label: /"
}

job_end() {
  echo "# job wall $(( $(date +%s) - t0 )) s"
}
