#!/usr/bin/env bash
# GPU-machine job for the programs of traces/programs/wild (written without looking at
# mpstrace's rules): builds the recorder and the torch layer's C++ library, then runs
# every program, buggy and --fixed, plain, under PyTorch's CUDA sanitizer and under the
# recorder at torch levels full and api (bench/races/device.sh). Output: $OUT/wild.tgz
# (results.tsv, logs/, traces/, info.txt: one file, as the device tool returns only a few).
# SCENARIOS (names, space-separated) runs a subset; TOOLS as in device.sh.
# Analyse here with `npx mpstrace analyze`.
#   OUT=<dir> bash bench/races/wild_job.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
OUTD=${OUT:-/tmp/wild-out}
mkdir -p "$OUTD"
t0=$(date +%s)
make -s -C instrumentation CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}" all >"$OUTD/build.log" 2>&1 || { tail -30 "$OUTD/build.log"; exit 1; }
# the torch layer's C++ library, once, outside the programs' time limits
PYTHONPATH=instrumentation/python python3 -c 'import sys, torch; from mpstrace import _torch_native as n; print("hook library", n.build(torch, sys.stderr))' >>"$OUTD/build.log" 2>&1
echo "# built in $(( $(date +%s) - t0 )) s; git $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u +%FT%TZ)"
tail -2 "$OUTD/build.log"
SC=${SCENARIOS:-$(cd traces/programs/wild && ls ./*.py | sed 's|^\./||; s/\.py$//' | grep -v '^_' | tr '\n' ' ')}
echo "# scenarios: $SC"
PROGDIR=traces/programs/wild SCENARIOS="$SC" CLEAN=0 STEPS="${STEPS:-20}" TOOLS="${TOOLS:-plain csan mpstrace mpstrace-api}" \
  DEST="$OUTD/wild.d" PY=python3 LIB="$PWD/instrumentation/build/libmpstrace_cuda.so" bash bench/races/device.sh
tar -czf "$OUTD/wild.tgz" -C "$OUTD/wild.d" . && rm -rf "$OUTD/wild.d"
echo "# job wall $(( $(date +%s) - t0 )) s"
