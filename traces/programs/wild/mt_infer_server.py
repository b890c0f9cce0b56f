"""Multi-threaded inference server: shared preprocessing on the default stream, one CUDA stream per worker thread.

The dispatcher thread receives requests (pinned host tensors), copies each to
the GPU and runs the shared feature extractor on the default stream, then
puts the features on a queue together with an event recorded after the
extractor.  A pool of worker threads, each with its own CUDA stream, pops
features, runs the classification head and copies the logits back to answer
the request.  At the end every answer is compared with the same request run
serially on the default stream.  Bug (default): the worker launches the head
on its own stream as soon as it has popped the request and never orders its
stream after the dispatcher's work, so the head can read the features before
the default stream has produced them.  Fix (--fixed): the worker blocks on
the dispatcher's (blocking) event on the host, `ready.synchronize()`, before
launching the head; no device-side wait is needed after that.
"""
import argparse
import queue
import statistics
import threading
import time

import torch
import torch.nn as nn


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20, help="number of requests")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--rows", type=int, default=2048, help="rows per request")
    p.add_argument("--d-in", type=int, default=1024)
    p.add_argument("--d-feat", type=int, default=4096)
    p.add_argument("--classes", type=int, default=1000)
    args = p.parse_args()

    torch.manual_seed(0)
    extractor = nn.Sequential(
        nn.Linear(args.d_in, args.d_feat), nn.GELU(),
        nn.Linear(args.d_feat, args.d_feat), nn.GELU(),
        nn.Linear(args.d_feat, args.d_feat), nn.GELU(),
    ).cuda().eval()
    head = nn.Sequential(nn.LayerNorm(args.d_feat), nn.Linear(args.d_feat, args.classes)).cuda().eval()
    # incoming requests, already decoded into pinned host tensors
    requests = [torch.randn(args.rows, args.d_in).pin_memory() for _ in range(args.steps)]
    torch.cuda.synchronize()

    work = queue.Queue()
    answers = {}
    latencies = []
    lock = threading.Lock()

    def worker():
        stream = torch.cuda.Stream()
        with torch.inference_mode(), torch.cuda.stream(stream):
            while True:
                item = work.get()
                if item is None:
                    return
                rid, feats, ready, t_arrival = item
                if args.fixed:
                    ready.synchronize()
                logits = head(feats)
                answer = logits.cpu()               # syncs this worker's stream
                with lock:
                    answers[rid] = answer
                    latencies.append(time.perf_counter() - t_arrival)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    for t in threads:
        t.start()

    # dispatcher (this thread, default stream)
    with torch.inference_mode():
        for rid, req in enumerate(requests):
            t_arrival = time.perf_counter()
            x = req.cuda(non_blocking=True)
            feats = extractor(x)
            ready = torch.cuda.Event(blocking=True)
            ready.record()
            work.put((rid, feats, ready, t_arrival))
            del feats
    for _ in threads:
        work.put(None)
    for t in threads:
        t.join()
    torch.cuda.synchronize()

    wrong = 0
    with torch.inference_mode():
        for rid, req in enumerate(requests):
            ref = head(extractor(req.cuda())).cpu()
            if not torch.allclose(answers[rid], ref, rtol=1e-3, atol=1e-3 * ref.abs().max().item()):
                wrong += 1
    print("RESULT scenario=mt_infer_server fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(latencies) * 1e3, wrong))


if __name__ == "__main__":
    main()
