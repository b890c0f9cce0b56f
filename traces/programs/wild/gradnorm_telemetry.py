"""Training loop that computes gradient-norm telemetry on a side stream.

After the backward pass a telemetry helper computes the per-parameter and
total gradient norms on its own stream and copies them into a pinned host
buffer for the dashboard, so the optimizer step is not delayed by it; the
helper orders its stream after the stream that is current when it is called
and `record_stream`s the gradients, which the optimizer frees right after
the step (`zero_grad(set_to_none=True)`).  The loop checks the telemetry
against a reference norm computed on the training stream.
Bug (default): the training loop calls the helper inside
`with torch.cuda.stream(telemetry.stream):` (like the rest of its dashboard
code), so "the current stream" the helper orders itself after is the
telemetry stream itself; the wait is a no-op and the norms read the gradients
before the backward pass has written them.  Fix (--fixed): the helper is
called from the training stream, so it waits for the backward pass.
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GradTelemetry:
    def __init__(self, params, steps):
        self.params = list(params)
        self.stream = torch.cuda.Stream()
        # per step: one norm per parameter, then the total norm
        self.host = torch.zeros(steps, len(self.params) + 1).pin_memory()

    @torch.no_grad()
    def grad_norms(self, step):
        """Queue the norms of step `step`; returns an event that completes when they are on the host."""
        self.stream.wait_stream(torch.cuda.current_stream())   # the backward pass producing the grads
        grads = [p.grad for p in self.params]
        with torch.cuda.stream(self.stream):
            norms = torch.stack(torch._foreach_norm(grads))
            total = torch.linalg.vector_norm(norms)
            self.host[step].copy_(torch.cat([norms, total.view(1)]), non_blocking=True)
            done = torch.cuda.Event()
            done.record()
        for g in grads:
            g.record_stream(self.stream)   # the optimizer drops the grads after the step
        return done


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--hidden", type=int, default=4096)
    args = p.parse_args()

    torch.manual_seed(0)
    h = args.hidden
    model = nn.Sequential(nn.Linear(h, h), nn.GELU(), nn.Linear(h, h), nn.GELU(), nn.Linear(h, 1000)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = [(torch.randn(args.batch, h, device="cuda"), torch.randint(0, 1000, (args.batch,), device="cuda"))
            for _ in range(4)]
    telemetry = GradTelemetry(model.parameters(), args.steps)
    torch.cuda.synchronize()

    times, wrong = [], 0
    for step in range(args.steps):
        t0 = time.perf_counter()
        x, y = data[step % len(data)]
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if args.fixed:
            done = telemetry.grad_norms(step)
        else:
            with torch.cuda.stream(telemetry.stream):   # dashboard work runs on the telemetry stream
                done = telemetry.grad_norms(step)
        with torch.no_grad():
            reference = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(
                [p.grad for p in model.parameters()])))
        opt.step()
        opt.zero_grad(set_to_none=True)

        done.synchronize()
        total = telemetry.host[step, -1].item()
        want = reference.item()
        times.append(time.perf_counter() - t0)
        if not abs(total - want) <= 1e-5 * abs(want):
            wrong += 1
    print("RESULT scenario=gradnorm_telemetry fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
