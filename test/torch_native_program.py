"""Recorded by test/torch-native.test.ts with a real (CPU) torch: the same ops
under the two per-op hooks of mpstrace.torch level full, in one process and
on the same input tensors, so their tensor_access records can be compared
byte for byte. CPU stands in for the GPU (the layer itself only serves CUDA
and MPS). Markers split the trace: "cpp" (the C++ RecordFunction observer),
"python" (the TorchDispatchMode), "thread" (the observer in a second thread).
Prints one JSON line: the hook that ran, torch's version, the input tensors' addresses."""
import json
import sys
import threading

import torch

import mpstrace
import mpstrace.torch as L

L._S.rec = L.Recorder()
L._S.active, L._S.level = True, 2
L._PLUMBING = L._plumbing_dirs(torch)
L._plumbing_cache.clear()


class Cpu:
    name = "cpu"

    def current_stream(self, device=None):
        return 0  # the observer's CPU stream id

    def current_device(self):
        return 0


notes = []
native = L._native_observer(torch, Cpu(), notes)
if native is None:
    print(json.dumps({"hook": None, "torch": torch.__version__, "notes": notes}))
    sys.exit(0)
native.set_active(False)
mode_cls, _ = L._make_mode(torch, Cpu())

x = torch.zeros(4, 8)
w = torch.ones(3, 8)


def ops():
    y = x[:, 2:4]               # op:view
    z = y * 2                   # op:mul
    x.add_(1)                   # op:add_
    x.fill_(1)                  # op:fill_ (overwrites x: written, not read)
    torch.cat([x, x])           # op:cat
    x.flip(1)                   # op:flip
    torch.nn.functional.linear(x, w)  # op:linear
    x.to(torch.float64)         # op:to (_to_copy, with copy_ nested in its kernel)
    return z


mpstrace.marker("cpp")
native.set_active(True)
ops()
native.set_active(False)
mpstrace.marker("python")
with mode_cls():
    ops()
mpstrace.marker("thread")
native.set_active(True)


def worker():
    x.mul_(3)                   # op:thread


t = threading.Thread(target=worker)
t.start()
t.join()
native.set_active(False)
mpstrace.marker("end")
print(json.dumps({"hook": "cpp", "torch": torch.__version__, "x": x.data_ptr(), "w": w.data_ptr(), "failed": native.failed(),
                  "counts": native.counts()}))
