"""CUDA-graph inference loop with the request upload on a separate copy stream.

The model (an MLP) is captured once into a CUDA graph that reads a static
input buffer and writes a static output buffer, following the PyTorch
whole-network capture recipe (warm-up on a side stream, then
`torch.cuda.graph`).  For each request the host uploads the pinned request
tensor into the static input on a copy stream so the upload overlaps with
the previous replay, makes the compute stream wait for the upload's event,
replays the graph and clones the static output.  At the end every output is
compared with an eager run of the model on the same request.
Bug (default): only the upload -> replay direction is ordered; nothing makes
the next upload wait for the previous replay, so the copy stream overwrites
the static input while an earlier replay has not read it yet.  Fix (--fixed):
an event is recorded after each replay and the copy stream waits for it
before overwriting the static input (a single static input leaves little
overlap after that; the fix is about correctness).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20, help="number of requests")
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--d-in", type=int, default=1024)
    p.add_argument("--hidden", type=int, default=4096)
    args = p.parse_args()

    torch.manual_seed(0)
    h = args.hidden
    model = nn.Sequential(
        nn.Linear(args.d_in, h), nn.ReLU(),
        nn.Linear(h, h), nn.ReLU(),
        nn.Linear(h, h), nn.ReLU(),
        nn.Linear(h, h), nn.ReLU(),
        nn.Linear(h, 256),
    ).cuda().eval()
    # incoming requests, already decoded into pinned host tensors
    payloads = [torch.randn(args.batch, args.d_in).pin_memory() for _ in range(args.steps)]
    static_in = torch.zeros(args.batch, args.d_in, device="cuda")

    with torch.no_grad():
        warm = torch.cuda.Stream()
        warm.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(warm):
            for _ in range(3):
                model(static_in)
        torch.cuda.current_stream().wait_stream(warm)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            static_out = model(static_in)
    torch.cuda.synchronize()

    copy_stream = torch.cuda.Stream()
    uploaded = torch.cuda.Event()
    replayed = torch.cuda.Event()
    outputs, times = [], []
    with torch.no_grad():
        for step in range(args.steps):
            t0 = time.perf_counter()
            if args.fixed:
                copy_stream.wait_event(replayed)
            with torch.cuda.stream(copy_stream):
                static_in.copy_(payloads[step], non_blocking=True)
                uploaded.record()
            torch.cuda.current_stream().wait_event(uploaded)
            graph.replay()
            replayed.record()
            outputs.append(static_out.clone())
            times.append(time.perf_counter() - t0)
        torch.cuda.synchronize()

        wrong = 0
        for step, out in enumerate(outputs):
            ref = model(payloads[step].cuda())
            if not torch.allclose(out, ref, rtol=1e-3, atol=1e-3 * ref.abs().max().item()):
                wrong += 1
    print("RESULT scenario=graph_serving fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
