"""Builds and loads mpstrace.torch's C++ library (torch_hook.cpp): the op
observer of level ``full`` and the block lifetimes of levels api and full.

Level ``full`` records every op's byte accesses. A Python TorchDispatchMode
does that at a Python call per op; the observer does it in C++ through
torch's own RecordFunction callbacks. Block lifetimes come from the CUDA
caching allocator's trace tracker (C++, built in when CUDA's headers are
found: CUDA_HOME, /usr/local/cuda, or the nvidia-* runtime wheel beside
torch), not from a Python callback per allocation and free. The library is
compiled on first use against the installed torch's headers and libraries (no
ninja, no pybind, no Python headers: one compiler call), into a cache keyed by
the source, torch's version and location, the Python version, the compiler
and the CUDA headers used, so a second run loads it at once.

    python3 -m mpstrace._torch_native      # build now (prints the library's path)

``MPSTRACE_TORCH_HOOK=auto|cpp|python`` picks the per-op hook (auto: C++
when it builds, else Python; python also means no block lifetimes at level
api); ``MPSTRACE_CACHE`` the cache folder (default
``$XDG_CACHE_HOME/mpstrace`` or ``~/.cache/mpstrace``); ``CXX`` the compiler.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

__mpstrace_skip__ = True

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_hook.cpp")
HEADERS = [os.path.join(os.path.dirname(SOURCE), "torch_hook_nesting.h")]  # included by SOURCE
HOOKS = ("auto", "cpp", "python")
_FLAGS_VERSION = "3"  # bump when the compile command changes: a new cache key


def hook_choice():
    """(choice, warning): MPSTRACE_TORCH_HOOK, auto when unset or unknown."""
    v = os.environ.get("MPSTRACE_TORCH_HOOK", "").strip().lower()
    if not v:
        return "auto", None
    if v in HOOKS:
        return v, None
    return "auto", "MPSTRACE_TORCH_HOOK=%r is not one of auto, cpp, python: using auto" % (v,)


def cache_dir():
    d = os.environ.get("MPSTRACE_CACHE")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "mpstrace")
    return d


def _compiler():
    for c in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if c and shutil.which(c):
            return shutil.which(c)
    return None


def _torch_paths(torch):
    root = os.path.dirname(os.path.abspath(torch.__file__))
    return os.path.join(root, "include"), os.path.join(root, "lib")


def _abi_flag(torch):
    abi = getattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", True)
    return "-D_GLIBCXX_USE_CXX11_ABI=%d" % (1 if abi else 0)


def _cuda_include(torch):
    """A folder with CUDA's cuda_runtime_api.h (torch's CUDA headers include
    it), for the caching allocator's trace tracker; None without CUDA (a CPU
    torch, no toolkit and no nvidia-* runtime wheel)."""
    _inc, lib = _torch_paths(torch)
    try:
        if not any(n.startswith("libc10_cuda.") for n in os.listdir(lib)):
            return None
    except OSError:
        return None
    cands = []
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            cands.append(os.path.join(os.environ[var], "include"))
    cands.append("/usr/local/cuda/include")
    # the nvidia-cuda-runtime wheels torch depends on: site-packages/nvidia/{cuda_runtime,cu13}/include
    nv = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(torch.__file__))), "nvidia")
    if os.path.isdir(nv):
        for d in sorted(os.listdir(nv)):
            cands.append(os.path.join(nv, d, "include"))
    for c in cands:
        if os.path.exists(os.path.join(c, "cuda_runtime_api.h")):
            return c
    return None


def _key(torch, cxx):
    h = hashlib.sha256()
    for src in [SOURCE] + HEADERS:
        with open(src, "rb") as f:
            h.update(f.read())
    for part in (torch.__version__, os.path.abspath(torch.__file__), sys.version, cxx or "", _FLAGS_VERSION,
                 _cuda_include(torch) or ""):
        h.update(part.encode("utf-8", "replace"))
    return h.hexdigest()[:16]


def library_path(torch, cxx=None):
    cxx = cxx or _compiler()
    return os.path.join(cache_dir(), "torch_hook-%s-%s.so" % (torch.__version__.replace("+", "_"), _key(torch, cxx)))


def build(torch, log=None):
    """The observer library for this torch: from the cache, else compiled
    now. Returns its path; raises RuntimeError saying what to do when it
    cannot be built (no compiler, no headers, a compile error)."""
    cxx = _compiler()
    if cxx is None:
        raise RuntimeError("no C++ compiler (set CXX, or install g++); the Python dispatch mode is used instead")
    out = library_path(torch, cxx)
    if os.path.exists(out):
        return out
    inc, lib = _torch_paths(torch)
    if not os.path.exists(os.path.join(inc, "ATen", "record_function.h")):
        raise RuntimeError("torch's C++ headers are missing under %s; the Python dispatch mode is used instead" % inc)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    if log is not None:
        log.write("mpstrace: building its C++ library for torch %s (block lifetimes, op observer; once per torch; "
                  "about half a minute)...\n" % torch.__version__)
    fd, tmp = tempfile.mkstemp(prefix=".torch_hook-", suffix=".so", dir=os.path.dirname(out))
    os.close(fd)
    errors = []
    try:
        # torch 2.10+ headers want C++20; older ones build as C++17. NDEBUG as in
        # torch's own release build: some structs (RecordFunction) have debug-only members
        # with CUDA's headers: first with the caching allocator's trace tracker
        # (block lifetimes in C++), then without it, so the observer never depends on it
        cuda_inc = _cuda_include(torch)
        extras = ([["-DMPST_CUDA_ALLOC", "-I", cuda_inc, "-lc10_cuda"]] if cuda_inc else []) + [[]]
        for extra, std in [(e, s) for e in extras for s in ("-std=c++20", "-std=c++17")]:
            cmd = [cxx, std, "-O2", "-DNDEBUG", "-fPIC", "-shared", "-fvisibility=hidden", _abi_flag(torch),
                   "-I", inc, "-I", os.path.join(inc, "torch", "csrc", "api", "include"),
                   SOURCE, "-o", tmp, "-L", lib, "-Wl,-rpath," + lib] + extra + ["-lc10", "-ltorch_cpu"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0:
                os.replace(tmp, out)  # atomic: concurrent first runs each build, one file wins
                if log is not None:
                    if errors and extra == []:  # built, but not with the trace tracker: say why
                        log.write("mpstrace: the C++ library has no allocator trace tracker (no block lifetimes at "
                                  "level api): %s\n" % errors[-1][-600:])
                    log.write("mpstrace: built its C++ library: %s\n" % out)
                return out
            errors.append("%s%s: %s" % (std, " (trace tracker)" if extra else "", r.stderr.strip()[-1500:]))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    raise RuntimeError("compiling %s failed (the Python dispatch mode is used instead): %s" % (SOURCE, errors[-1]))


class Native:
    """The loaded observer's entry points (ctypes.PyDLL: called with the GIL)."""

    def __init__(self, path):
        lib = ctypes.PyDLL(path)
        self.lib = lib
        lib.mpst_torch_hook_install.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.py_object, ctypes.c_char_p,
                                                ctypes.c_int]
        lib.mpst_torch_hook_install.restype = ctypes.c_int
        lib.mpst_torch_hook_set_active.argtypes = [ctypes.c_int]
        lib.mpst_torch_hook_set_active.restype = None
        lib.mpst_torch_hook_remove.argtypes = []
        lib.mpst_torch_hook_remove.restype = None
        for name in ("mpst_torch_hook_ops", "mpst_torch_hook_records"):
            getattr(lib, name).restype = ctypes.c_uint64
        lib.mpst_torch_hook_failed.restype = ctypes.c_int
        lib.mpst_torch_capture_end.restype = ctypes.c_void_p
        lib.mpst_torch_replay.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
        lib.mpst_torch_replay.restype = None
        lib.mpst_torch_capture_free.argtypes = [ctypes.c_void_p]
        # torch's GPU trace callbacks call these directly: a ctypes function
        # is a callable, so no Python frame runs per block
        proto = ctypes.CFUNCTYPE(None, ctypes.c_uint64)
        self.block_alloc = proto(("mpst_torch_block_alloc", lib))
        self.block_free = proto(("mpst_torch_block_free", lib))
        # block lifetimes from the caching allocator's trace tracker (C++; builds with CUDA headers only)
        lib.mpst_torch_lifetimes_available.restype = ctypes.c_int
        lib.mpst_torch_lifetimes_attach.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.mpst_torch_lifetimes_attach.restype = ctypes.c_int
        lib.mpst_torch_lifetimes_set_active.argtypes = [ctypes.c_int]
        lib.mpst_torch_lifetimes_set_active.restype = None
        for name in ("mpst_torch_lifetimes_allocs", "mpst_torch_lifetimes_frees"):
            getattr(lib, name).restype = ctypes.c_uint64
        self.lifetimes_available = bool(lib.mpst_torch_lifetimes_available())
        self.lifetimes_error = None

    def lifetimes_attach(self, level):
        """Attaches the allocator trace tracker (once CUDA is initialized);
        False with the reason in lifetimes_error when it cannot."""
        err = ctypes.create_string_buffer(512)
        if self.lib.mpst_torch_lifetimes_attach(int(level), err, len(err)) != 0:
            self.lifetimes_error = err.value.decode("utf-8", "replace")
            return False
        return True

    def lifetimes_set_active(self, on):
        self.lib.mpst_torch_lifetimes_set_active(1 if on else 0)

    def lifetimes_counts(self):
        return int(self.lib.mpst_torch_lifetimes_allocs()), int(self.lib.mpst_torch_lifetimes_frees())

    def install(self, device_type, level, classify):
        err = ctypes.create_string_buffer(512)
        if self.lib.mpst_torch_hook_install(int(device_type), int(level), classify, err, len(err)) != 0:
            raise RuntimeError(err.value.decode("utf-8", "replace"))

    def set_active(self, on):
        self.lib.mpst_torch_hook_set_active(1 if on else 0)

    def remove(self):
        self.lib.mpst_torch_hook_remove()

    def failed(self):
        return bool(self.lib.mpst_torch_hook_failed())

    def counts(self):
        return int(self.lib.mpst_torch_hook_ops()), int(self.lib.mpst_torch_hook_records())

    def capture_begin(self):
        self.lib.mpst_torch_capture_begin()

    def capture_end(self):
        return self.lib.mpst_torch_capture_end()

    def replay(self, capture, stream):
        self.lib.mpst_torch_replay(capture, int(stream))


def load(torch, log=None):
    return Native(build(torch, log))


if __name__ == "__main__":
    import torch as _torch  # noqa: PLC0415
    print(build(_torch, sys.stderr))
