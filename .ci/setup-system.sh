#!/usr/bin/env bash
# System packages the test suite needs: a C toolchain for the recorder tests,
# gobjc for the Metal hook-engine tests, clang + lld + llvm (nm, objdump) for the
# Metal recorder's Darwin compile and link check, clang-format for the C/ObjC
# format check (scripts/check.mjs), Chromium for the report's
# browser tests, python3 for the Python binding and program tests, a CPU torch with
# its C++ headers and g++ for the real-torch tests of mpstrace.torch (Debian's
# python3-torch 1.13 + libtorch-dev, for /usr/bin/python3, which the tests pick when
# python3 has no torch: scripts/torch-python.mjs; about 190 packages, 700 MB).
# `npm test` runs this itself when it can (root or passwordless sudo), else prints
# the command. Idempotent; skips what is already installed.
set -euo pipefail
need=()
# the check of scripts/torch-python.mjs: torch importable, its C++ headers beside it
torch_ok() {
  [ -x "$(command -v "$1")" ] && "$1" -c 'import importlib.util, os, sys
s = importlib.util.find_spec("torch")
sys.exit(0 if s and s.origin and os.path.exists(os.path.join(os.path.dirname(s.origin), "include", "ATen", "record_function.h")) else 1)' 2>/dev/null
}
command -v cc >/dev/null || need+=(gcc)
command -v c++ >/dev/null || need+=(g++)
torch_ok python3 || torch_ok /usr/bin/python3 || need+=(python3-torch libtorch-dev)
command -v make >/dev/null || need+=(make)
command -v python3 >/dev/null || need+=(python3)
command -v gcc >/dev/null && gcc -print-file-name=libobjc.so | grep -q / && [ -e "$(gcc -print-file-name=libobjc.so)" ] || need+=(gobjc)
command -v clang >/dev/null || need+=(clang)
command -v clang-format >/dev/null || need+=(clang-format)
command -v ld64.lld >/dev/null || command -v ld64.lld-14 >/dev/null || need+=(lld)
command -v llvm-objdump >/dev/null && command -v llvm-nm >/dev/null || need+=(llvm)
[ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-headless-shell ] || need+=(chromium-headless-shell)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
