"""A small but real PyTorch training loop (MLP, AdamW, side-stream prefetch
synchronized by events) timed end to end; prints `wall_s=<seconds>`."""
import sys
import time

import torch

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
torch.manual_seed(0)
dev = torch.device("cuda")
model = torch.nn.Sequential(
    torch.nn.Linear(1024, 4096), torch.nn.GELU(), torch.nn.Linear(4096, 4096), torch.nn.GELU(), torch.nn.Linear(4096, 10)
).to(dev)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
host = [torch.randn(512, 1024).pin_memory() for _ in range(4)]
labels = torch.randint(0, 10, (512,), device=dev)
side = torch.cuda.Stream()

def prefetch(i):
    with torch.cuda.stream(side):
        x = host[i % 4].to(dev, non_blocking=True)
        ev = torch.cuda.Event()
        ev.record(side)
    return x, ev

for warm in range(20):  # warm-up: allocator, cuBLAS handles, kernels
    x, ev = prefetch(warm)
    torch.cuda.current_stream().wait_event(ev)
    loss = torch.nn.functional.cross_entropy(model(x), labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
torch.cuda.synchronize()

t0 = time.perf_counter()
nxt = prefetch(0)
for i in range(steps):
    x, ev = nxt
    torch.cuda.current_stream().wait_event(ev)
    x.record_stream(torch.cuda.current_stream())
    nxt = prefetch(i + 1)
    loss = torch.nn.functional.cross_entropy(model(x), labels)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if i % 50 == 0:
        loss.item()
torch.cuda.synchronize()
print(f"wall_s={time.perf_counter() - t0:.4f} loss={loss.item():.4f}")
