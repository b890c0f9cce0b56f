"""Producer/consumer hand-off through events (an unmodified program).

A copy stream produces each batch; the producer records an event on the copy
stream (Event.record(stream) and Stream.record_event), and the default stream
waits on it before consuming. Correct as written.
"""
import argparse

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=8)
    p.add_argument("--size", type=int, default=2048)
    a = p.parse_args()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    w = torch.randn(a.size, a.size, device=dev) / a.size ** 0.5
    copy_stream = torch.cuda.Stream()
    ready = torch.cuda.Event()
    main_stream = torch.cuda.current_stream()
    total = 0.0
    for i in range(a.iters):
        with torch.cuda.stream(copy_stream):
            batch = torch.randn(a.size, a.size, device=dev)
            for _ in range(4):
                batch = torch.tanh(batch @ w)
        if i % 2 == 0:
            ready.record(copy_stream)
            main_stream.wait_event(ready)
        else:
            main_stream.wait_event(copy_stream.record_event())
        batch.record_stream(main_stream)
        out = batch @ w
        total += float(out.sum().item())
    torch.cuda.synchronize()
    print("event_handoff: iters=%d checksum=%.3f" % (a.iters, total), flush=True)


if __name__ == "__main__":
    main()
