"""Small CUDA helpers shared by the example programs (need torch + a GPU)."""
import sys
import time

import torch


def require_cuda():
    if not torch.cuda.is_available():
        sys.stderr.write("error: CUDA is not available to torch %s; run this on the GPU machine\n"
                         % torch.__version__)
        sys.exit(2)
    return torch.device("cuda", 0)


def stream_handle(stream):
    """The cudaStream_t of a torch stream as an int (what the recorder sees)."""
    return int(stream.cuda_stream)


def event_handle(event):
    """The cudaEvent_t of a torch event as an int; 0 until it was first recorded."""
    return int(event.cuda_event)


class Spinner:
    """Launches a GPU kernel that spins for about `ms` milliseconds.

    Uses torch.cuda._sleep (a cycle-counting spin kernel) calibrated once on
    the host clock, so a scenario can keep a stream busy for a known time and
    a race really happens; falls back to repeated matmuls if _sleep is gone.
    """

    def __init__(self, device):
        self.device = device
        self._sleep = getattr(torch.cuda, "_sleep", None)
        self._a = None
        self.unit_per_ms = self._calibrate()

    def _launch(self, units):
        if self._sleep is not None:
            self._sleep(int(units))
        else:
            if self._a is None:
                self._a = torch.randn(1024, 1024, device=self.device)
            for _ in range(max(1, int(units))):
                self._a = torch.tanh(self._a @ self._a * 1e-3)

    def _calibrate(self):
        trial = 20_000_000 if self._sleep is not None else 50
        self._launch(trial // 10)  # warm up (module load, clocks)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        self._launch(trial)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - t0) * 1e3
        return trial / max(ms, 0.01)

    def spin(self, ms, stream=None):
        """Enqueue ~ms of GPU work on `stream` (default: the current stream)."""
        units = max(1.0, ms * self.unit_per_ms)
        if stream is None:
            self._launch(units)
        else:
            with torch.cuda.stream(stream):
                self._launch(units)
