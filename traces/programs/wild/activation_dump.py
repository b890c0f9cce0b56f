"""Dumps a teacher model's hidden states to host memory for offline distillation, overlapping the copies with the forward pass.

A bf16 teacher MLP runs over batches of tokens; after each layer its hidden
state is queued for a device-to-host copy into a per-layer pinned buffer on a
dedicated dump stream (which first waits for the compute stream), so the
forward pass never waits for PCIe.  Once per batch the host waits for the
dump stream only (`dump_stream.synchronize()`) and then hands the pinned
buffers to the shard writer; here it spot-checks a few thousand values of
every dumped layer against samples gathered on the compute stream.
Bug (default): the forward loop drops its reference to a hidden state as soon
as the next layer has consumed it; the caching allocator gives that memory to
the next layers' outputs while the dump stream, which is behind, has not yet
copied it, so the host receives overwritten activations.  Fix (--fixed):
`hidden.record_stream(dump_stream)` when the copy is queued, so the block is
not reused before the dump stream is done with it.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Teacher(nn.Module):
    def __init__(self, d, n_layers):
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(d, d, device="cuda", dtype=torch.bfloat16) for _ in range(n_layers))

    def forward(self, x, on_hidden=None):
        h = x
        for i, layer in enumerate(self.layers):
            h = F.gelu(layer(h))
            if on_hidden is not None:
                on_hidden(i, h)
        return h


class HiddenStateDumper:
    def __init__(self, n_layers, shape, record_stream):
        self.stream = torch.cuda.Stream()
        self.host = [torch.empty(shape, dtype=torch.bfloat16, pin_memory=True) for _ in range(n_layers)]
        self.record_stream = record_stream

    def __call__(self, i, hidden):
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            self.host[i].copy_(hidden, non_blocking=True)
        if self.record_stream:
            hidden.record_stream(self.stream)

    def wait(self):
        self.stream.synchronize()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--tokens", type=int, default=4096)
    p.add_argument("--d-model", type=int, default=4096)
    p.add_argument("--layers", type=int, default=8)
    args = p.parse_args()

    torch.manual_seed(0)
    L, shape = args.layers, (args.tokens, args.d_model)
    teacher = Teacher(args.d_model, L).eval()
    dumper = HiddenStateDumper(L, shape, record_stream=args.fixed)
    n_check = 4096
    idx = torch.randint(0, args.tokens * args.d_model, (n_check,), device="cuda")
    idx_cpu = idx.cpu()
    torch.cuda.synchronize()

    times, wrong = [], 0
    with torch.inference_mode():
        for step in range(args.steps):
            t0 = time.perf_counter()
            x = torch.randn(shape, device="cuda", dtype=torch.bfloat16)
            samples = torch.empty(L, n_check, device="cuda", dtype=torch.bfloat16)

            def on_hidden(i, h):
                samples[i] = h.view(-1)[idx]     # spot-check values, taken on the compute stream
                dumper(i, h)

            teacher(x, on_hidden)
            want = samples.cpu()
            dumper.wait()                        # this batch's hidden states are on the host now
            got = torch.stack([buf.view(-1)[idx_cpu] for buf in dumper.host])
            times.append(time.perf_counter() - t0)
            if not torch.equal(got, want):
                wrong += 1
    print("RESULT scenario=activation_dump fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
