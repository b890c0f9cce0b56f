"""GPU smoke test of the recorder with PyTorch: threads with their own
streams, events with timing, elapsed_time, annotations, a forked child.
Run under the recorder, then check the traces with traces/programs/trace_summary.py."""
import os
import subprocess
import threading

import torch
import mpstrace

print("recorder enabled:", mpstrace.enabled())
dev = torch.device("cuda")


def worker(i):
    s = torch.cuda.Stream()
    mpstrace.slot_acquire(i, s.cuda_stream, -1, 0)
    with torch.cuda.stream(s):
        a = torch.randn(1024, 1024, device=dev)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record(s)
        with mpstrace.range(f"worker{i}"):
            for _ in range(20):
                a = a @ a
                a = a / a.norm()
        end.record(s)
        end.synchronize()
        print(f"worker {i}: {start.elapsed_time(end):.3f} ms")
    mpstrace.slot_release(i, s.cuda_stream, -1, False)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
torch.cuda.synchronize()
pid = os.fork()
if pid == 0:
    mpstrace.marker("child")
    os._exit(0)
os.waitpid(pid, 0)
subprocess.run(["true"], check=True)  # spawned child: must write its own file, not truncate ours
torch.cuda.synchronize()
print("done")
