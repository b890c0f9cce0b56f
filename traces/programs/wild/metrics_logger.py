"""Training loop that ships its per-step metrics and the batch logits to the host on a logging stream.

Each step trains a classifier MLP; the loss and the batch accuracy are packed
into a small device tensor.  A logging stream (ordered after the training
stream with `wait_stream`) copies the batch logits (kept for the end-of-run
calibration report) and the metrics into pinned host buffers with
non_blocking copies, so the training stream never stalls on the device-to-host
traffic.  The host then logs the metrics of the step.  At the end the logged
values are compared with a metrics history that was kept on the GPU.
Bug (default): before reading the pinned metrics the host synchronizes the
*training* stream (`torch.cuda.current_stream().synchronize()`), not the
logging stream that does the copies, so it reads the pinned row before the
copy has landed (the logits copy queued ahead of it makes this the common
case).  Fix (--fixed): the host waits on the event recorded on the logging
stream after the copies (`Event.synchronize()`).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=8192)
    p.add_argument("--d-in", type=int, default=512)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--classes", type=int, default=1000)
    args = p.parse_args()

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(args.d_in, args.hidden), nn.ReLU(),
                          nn.Linear(args.hidden, args.classes)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    data = [(torch.randn(args.batch, args.d_in, device="cuda"),
             torch.randint(0, args.classes, (args.batch,), device="cuda")) for _ in range(4)]
    history = torch.zeros(args.steps, 2, device="cuda")          # kept for the final check
    metrics_host = torch.full((args.steps, 2), float("nan")).pin_memory()
    logits_host = torch.empty(args.batch, args.classes).pin_memory()
    torch.cuda.synchronize()

    log_stream = torch.cuda.Stream()
    logged = []
    times = []
    for step in range(args.steps):
        t0 = time.perf_counter()
        x, y = data[step % len(data)]
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == y).float().mean()
            metrics = torch.stack([loss.detach(), acc])
            history[step] = metrics

        log_stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(log_stream):
            logits_host.copy_(logits.detach(), non_blocking=True)
            metrics_host[step].copy_(metrics, non_blocking=True)
            copied = torch.cuda.Event()
            copied.record()
        logits.record_stream(log_stream)
        metrics.record_stream(log_stream)

        if args.fixed:
            copied.synchronize()
        else:
            torch.cuda.current_stream().synchronize()
        loss_v, acc_v = metrics_host[step].tolist()
        logged.append((loss_v, acc_v))
        times.append(time.perf_counter() - t0)

    torch.cuda.synchronize()
    # end-of-run calibration report on the last batch's logits
    report = {"mean_confidence": logits_host.softmax(dim=1).max(dim=1).values.mean().item(),
              "final_loss": logged[-1][0], "final_acc": logged[-1][1]}
    truth = history.cpu().tolist()
    wrong = sum(1 for step in range(args.steps) if list(logged[step]) != truth[step])
    print("RESULT scenario=metrics_logger fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
