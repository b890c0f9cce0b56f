#!/usr/bin/env bash
# Cost of a cuBLAS-style launch through the driver's entry points (the path of
# cuBLAS and of statically linked runtimes), where the recorder must find the
# user's frame above the CUDA libraries. instrumentation/test's drv_static
# gemm-bench calls a stand-in cuBLAS whose frames differ call to call (16
# layouts, as real cuBLAS's do). Interleaved rounds: plain, this build, and
# LIB_BEFORE (another build's libmpstrace_cuda.so) when given; prints ns per
# launch per run, the recorder's stack-walk count (MPSTRACE_STATS), the median
# and worst per mode, and last a key=value line.
#   LIB_BEFORE=old.so bash bench/driver-entry.sh [ROUNDS] [LAUNCHES]
set -u
cd "$(dirname "$0")/.." || exit 2
ROUNDS=${1:-7}
N=${2:-20000}
make -s -C instrumentation test-build >/dev/null || exit 2
T=instrumentation/build/test
LIB=${LIB:-$PWD/instrumentation/build/libmpstrace_cuda.so}
MODES="plain now"
[ -n "${LIB_BEFORE:-}" ] && MODES="plain before now"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
declare -A NS
for r in $(seq "$ROUNDS"); do
  for mode in $MODES; do
    case $mode in
      plain) pre="" ;;
      before) pre=$LIB_BEFORE ;;
      now) pre=$LIB ;;
    esac
    v=$(env LD_LIBRARY_PATH=$T LD_PRELOAD=$pre MPSTRACE_OUT=$TMP/t.mpst MPSTRACE_CUPTI=0 MPSTRACE_STATS=1 \
      $T/drv_static gemm-bench "$N" 6 2>"$TMP/stats")
    ns=${v#ns_per_gemm_launch=}; ns=${ns%% *}
    walks=$(grep -o 'unwinds=[0-9]*' "$TMP/stats" | head -n 1)
    echo "round $r $mode ns_per_launch $ns ${walks:-unwinds=-}"
    NS[$mode]+="$ns "
  done
done
stat() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[NR]}'; }
kv=""
for mode in $MODES; do
  set -- $(echo "${NS[$mode]}" | stat)
  echo "$mode: median ${1} ns per launch, worst ${2}"
  kv+="${mode}_ns_med=$1 ${mode}_ns_worst=$2 "
done
echo "launches=$N rounds=$ROUNDS $kv"
