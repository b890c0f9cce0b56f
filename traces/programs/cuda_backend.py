"""The pool runtime's backend on CUDA: streams and events through the CUDA
runtime API (ctypes), kernels through PyTorch on those streams.

Streams and events are created with cudaStreamCreateWithFlags /
cudaEventCreateWithFlags rather than torch.cuda.Stream/Event so that, like
the MPS runtime, the pool owns real handles from the start (an event's handle
exists before its first record), can destroy its streams, and makes the very
backend calls (cudaEventRecord on the wrong stream, cudaEventElapsedTime on
non-timing events) the recorder must see. The functions are looked up in the
process's global scope first, so an LD_PRELOADed recorder intercepts them.
"""
import ctypes
import os

import torch

from _gpu import Spinner
from pool_runtime import BackendError

CUDA_STREAM_NON_BLOCKING = 0x1
CUDA_EVENT_DISABLE_TIMING = 0x2
CUDA_SUCCESS, CUDA_ERROR_NOT_READY = 0, 600
_ERROR_NAMES = {1: "cudaErrorInvalidValue", 400: "cudaErrorInvalidResourceHandle", 600: "cudaErrorNotReady",
                709: "cudaErrorContextIsDestroyed"}


def _loaded_cudart_path():
    """Path of the libcudart torch loaded, from /proc/self/maps."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if "/" in line else ""
                if "libcudart.so" in os.path.basename(path):
                    return path
    except OSError:
        pass
    return None


class CudaRuntime:
    """The few CUDA runtime functions the pool needs, resolved once."""

    _SIGS = {
        "cudaStreamCreateWithFlags": [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint],
        "cudaStreamDestroy": [ctypes.c_void_p],
        "cudaStreamSynchronize": [ctypes.c_void_p],
        "cudaEventCreateWithFlags": [ctypes.POINTER(ctypes.c_void_p), ctypes.c_uint],
        "cudaEventDestroy": [ctypes.c_void_p],
        "cudaEventRecord": [ctypes.c_void_p, ctypes.c_void_p],
        "cudaStreamWaitEvent": [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint],
        "cudaEventQuery": [ctypes.c_void_p],
        "cudaEventSynchronize": [ctypes.c_void_p],
        "cudaEventElapsedTime": [ctypes.POINTER(ctypes.c_float), ctypes.c_void_p, ctypes.c_void_p],
        "cudaGetLastError": [],
    }

    def __init__(self):
        torch.cuda.init()
        scopes = [ctypes.CDLL(None)]  # global scope: the preloaded recorder comes first
        path = _loaded_cudart_path()
        for name in filter(None, [path, "libcudart.so.13", "libcudart.so.12", "libcudart.so"]):
            try:
                scopes.append(ctypes.CDLL(name))
                break
            except OSError:
                continue
        self.where = {}
        for fn_name, argtypes in self._SIGS.items():
            fn = None
            for i, lib in enumerate(scopes):
                fn = getattr(lib, fn_name, None) if lib is not None else None
                if fn is not None:
                    self.where[fn_name] = "global" if i == 0 else lib._name
                    break
            if fn is None:
                raise RuntimeError("cannot find %s in this process or in libcudart (%s); "
                                   "is torch built with CUDA?" % (fn_name, path))
            fn.argtypes = argtypes
            fn.restype = ctypes.c_int
            setattr(self, fn_name, fn)

    def check(self, api, code, ok=(CUDA_SUCCESS,)):
        if code not in ok:
            # clear the thread's sticky "last error", or torch's next launch check reports it as its own
            self.cudaGetLastError()
            raise BackendError(api, code, _ERROR_NAMES.get(code, ""))
        return code


class CudaEvent:
    def __init__(self, ptr, timing):
        self.ptr, self.timing = ptr, timing


class CudaBackend:
    def __init__(self, device):
        self.device = device
        self.rt = CudaRuntime()
        self.spinner = Spinner(device)

    # streams
    def new_stream(self):
        p = ctypes.c_void_p()
        self.rt.check("cudaStreamCreateWithFlags",
                      self.rt.cudaStreamCreateWithFlags(ctypes.byref(p), CUDA_STREAM_NON_BLOCKING))
        return torch.cuda.ExternalStream(p.value, device=self.device)

    def handle(self, stream):
        return int(stream.cuda_stream)

    def destroy_stream(self, stream):
        if torch.cuda.current_stream().cuda_stream == stream.cuda_stream:
            torch.cuda.set_stream(torch.cuda.default_stream())
        self.rt.check("cudaStreamDestroy", self.rt.cudaStreamDestroy(ctypes.c_void_p(stream.cuda_stream)))

    def set_current(self, stream):
        torch.cuda.set_stream(stream)  # torch's current stream is per thread, like the pool's TLS slot

    def sync_stream(self, stream):
        self.rt.check("cudaStreamSynchronize", self.rt.cudaStreamSynchronize(ctypes.c_void_p(stream.cuda_stream)))

    # events
    def new_event(self, timing):
        p = ctypes.c_void_p()
        flags = 0 if timing else CUDA_EVENT_DISABLE_TIMING
        self.rt.check("cudaEventCreateWithFlags", self.rt.cudaEventCreateWithFlags(ctypes.byref(p), flags))
        return CudaEvent(p.value, timing)

    def destroy_event(self, ev):
        self.rt.check("cudaEventDestroy", self.rt.cudaEventDestroy(ctypes.c_void_p(ev.ptr)))

    def event_handle(self, ev):
        return int(ev.ptr)

    def event_timing(self, ev):
        return ev.timing

    def record(self, ev, stream):
        self.rt.check("cudaEventRecord",
                      self.rt.cudaEventRecord(ctypes.c_void_p(ev.ptr), ctypes.c_void_p(stream.cuda_stream)))

    def wait(self, ev, stream):
        self.rt.check("cudaStreamWaitEvent", self.rt.cudaStreamWaitEvent(
            ctypes.c_void_p(stream.cuda_stream), ctypes.c_void_p(ev.ptr), 0))

    def query(self, ev):
        """True when complete."""
        code = self.rt.check("cudaEventQuery", self.rt.cudaEventQuery(ctypes.c_void_p(ev.ptr)),
                             ok=(CUDA_SUCCESS, CUDA_ERROR_NOT_READY))
        return code == CUDA_SUCCESS

    def event_sync(self, ev):
        self.rt.check("cudaEventSynchronize", self.rt.cudaEventSynchronize(ctypes.c_void_p(ev.ptr)))

    def elapsed_ms(self, start, end):
        ms = ctypes.c_float(0.0)
        self.rt.check("cudaEventElapsedTime", self.rt.cudaEventElapsedTime(
            ctypes.byref(ms), ctypes.c_void_p(start.ptr), ctypes.c_void_p(end.ptr)))
        return float(ms.value)

    # work and memory
    def spin(self, ms, stream):
        self.spinner.spin(ms, stream)

    def alloc(self, nbytes, stream):
        with torch.cuda.stream(stream):
            t = torch.empty(int(nbytes), dtype=torch.uint8, device=self.device)
            t.fill_(0)  # touched by the batch's work
        return t, int(t.data_ptr())

    def touch(self, workspace, stream):
        with torch.cuda.stream(stream):
            workspace.add_(1)

    def free(self, workspace):
        """Nothing to call: once the pool drops its reference, torch's caching allocator
        reclaims the block (ordered after the batch's stream work)."""

    def flag(self, value=0.0):
        """A one-element device buffer (allocated on the current stream)."""
        return torch.full((1,), float(value), device=self.device)

    def write_flag(self, buf, value, stream):
        with torch.cuda.stream(stream):
            buf.fill_(float(value))

    def copy_flag(self, dst, src, stream):
        with torch.cuda.stream(stream):
            dst.copy_(src)

    def read_flag(self, buf):
        return float(buf.cpu()[0])

    def sync_all(self):
        torch.cuda.synchronize()
