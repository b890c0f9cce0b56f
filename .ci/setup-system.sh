#!/usr/bin/env bash
# System packages the test suite needs: a C toolchain for the recorder tests,
# gobjc for the Metal hook-engine tests, clang + lld + llvm (nm, objdump) for the
# Metal recorder's Darwin compile and link check, clang-format for the C/ObjC
# format check (scripts/check.mjs), Chromium for the report's
# browser tests, python3 for the Python binding and program tests. `npm test`
# runs this itself when it can (root or passwordless sudo), else prints the command.
# Idempotent; skips what is already installed.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(gcc)
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
