"""Builds mpstrace.torch's C++ library (the op observer and the allocator
trace tracker) once, before a device job's timed runs, so no timed run pays
for the build. Prints where the CUDA headers were found, what was built, in
how long, and whether the tracker compiled in; when the tracker's compile
fails (the library then builds without it), the compiler command and its
errors are appended to ERRORS_FILE for the job's output.

    PYTHONPATH=<the layer's python dir> python3 bench/cuda/build_torch_native.py ERRORS_FILE
"""
import subprocess
import sys
import time

import torch
from mpstrace import _torch_native as native


def main(errors_file):
    t0 = time.monotonic()
    print("cuda include:", native._cuda_include(torch))
    real_run = subprocess.run

    def run_keeping_tracker_errors(cmd, **kw):
        r = real_run(cmd, **kw)
        if r.returncode and "-DMPST_CUDA_ALLOC" in cmd:
            with open(errors_file, "a") as f:
                f.write(" ".join(cmd) + "\n" + r.stderr + "\n")
        return r

    native.subprocess.run = run_keeping_tracker_errors
    path = native.build(torch, sys.stdout)
    lib = native.Native(path)
    print("built %s in %.1f s; trace tracker compiled in: %s" % (path, time.monotonic() - t0, lib.lifetimes_available))


if __name__ == "__main__":
    main(sys.argv[1])
