#!/usr/bin/env bash
# Slowdown past the recorder's table of per-thread slots (1024; issue 17 saw
# the recorder slow a program 20x at 2000 live threads). drv_threads starts N
# threads that all live at once (a barrier holds them), each writes RECORDS
# records (range_pop; `cuda`: cudaEventRecord + cudaStreamSynchronize through
# the hooked stand-in runtime), ROUNDS times. Plain and recorded runs
# interleave; prints the median wall seconds per (N, mode), the recorded/plain
# ratio and microseconds per thread, then a key=value line. A cliff shows as a
# ratio or a per-thread cost that jumps between 1024 and 2048 threads.
#   bash bench/many-threads.sh [REPEATS] [RECORDS] [MODE]      MODE: annotate (default) | cuda
#   LIB=path/to/libmpstrace_cuda.so to measure another build (default: this checkout's)
set -u
cd "$(dirname "$0")/.." || exit 2
REPEATS=${1:-3}; RECORDS=${2:-100}; MODE=${3:-annotate}
make -s -C instrumentation test-build >/dev/null || exit 2
T=$PWD/instrumentation/build/test
LIB=${LIB:-$PWD/instrumentation/build/libmpstrace_cuda.so}
OUTD=$(mktemp -d); trap 'rm -rf "$OUTD"' EXIT
extra=""; [ "$MODE" = cuda ] && extra=cuda
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
kv=""
echo "# $RECORDS records per thread ($MODE), $REPEATS repeats, lib $LIB"
for n in 256 1024 1100 2048 4096; do
  P=""; R=""; B=""
  for i in $(seq "$REPEATS"); do
    p=$(LD_LIBRARY_PATH=$T MPSTRACE_CUPTI=0 "$T/drv_threads" "$n" "$RECORDS" 1 $extra 2>/dev/null | sed -n 's/.*seconds=//p')
    r=$(LD_LIBRARY_PATH=$T LD_PRELOAD=$LIB MPSTRACE_CUPTI=0 MPSTRACE_OUT=$OUTD/t.mpst "$T/drv_threads" "$n" "$RECORDS" 1 $extra 2>/dev/null | sed -n 's/.*seconds=//p')
    [ -z "$p" ] || [ -z "$r" ] && { echo "threads=$n: a run failed (thread limit?)"; continue 2; }
    P+="$p "; R+="$r "; B=$(stat -c %s "$OUTD/t.mpst")
  done
  pm=$(echo "$P" | med); rm_=$(echo "$R" | med)
  awk -v n="$n" -v p="$pm" -v r="$rm_" -v b="$B" 'BEGIN { printf "threads %5d  plain %.3f s  recorded %.3f s  ratio %.2f  recorder cost %.1f us/thread  trace %.1f MB\n", n, p, r, r / p, (r - p) / n * 1e6, b / 1e6 }'
  kv+="plain_s_$n=$pm rec_s_$n=$rm_ "
done
echo "$kv"
