#!/usr/bin/env bash
# Cost of the recorder for programs that start many short-lived threads (a
# thread per request, 4 inference threads per step): each new thread claims a
# whole chunk of the trace file. Interleaved rounds of instrumentation/test's
# drv_threads (4 threads x 20 records, 2000 rounds = 8000 threads), plain and
# recorded (LIB=path measures another build); prints wall/user/sys seconds and page faults per run, the median
# per mode, and last a key=value line.   bash bench/short-threads.sh [ROUNDS]
set -u
cd "$(dirname "$0")/.." || exit 2
ROUNDS=${1:-5}
make -s -C instrumentation test-build >/dev/null || exit 2
T=instrumentation/build/test
LIB=${LIB:-$PWD/instrumentation/build/libmpstrace_cuda.so}
OUTF=$(mktemp -d)/t.mpst
declare -A SYS FLT WALL
for r in $(seq "$ROUNDS"); do
  for mode in plain recorded; do
    pre=""; [ "$mode" = recorded ] && pre=$LIB
    line=$( { /usr/bin/time -f "%e %S %R" env LD_LIBRARY_PATH=$T LD_PRELOAD=$pre MPSTRACE_OUT=$OUTF $T/drv_threads 4 20 2000 >/dev/null; } 2>&1 | tail -n 1)
    set -- $line
    echo "round $r $mode wall ${1}s sys ${2}s minflt $3 trace $( [ "$mode" = recorded ] && stat -c %s "$OUTF" || echo -) bytes"
    WALL[$mode]+="$1 "; SYS[$mode]+="$2 "; FLT[$mode]+="$3 "
  done
done
med() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
kv=""
for mode in plain recorded; do
  w=$(echo "${WALL[$mode]}" | med); s=$(echo "${SYS[$mode]}" | med); f=$(echo "${FLT[$mode]}" | med)
  echo "$mode: median wall ${w}s, sys ${s}s, page faults $f"
  kv+="${mode}_wall_s=$w ${mode}_sys_s=$s ${mode}_minflt=$f "
done
echo "${kv}threads=8000"
