"""Image-classification training loop with an apex-style CUDA data prefetcher.

The prefetcher copies the next uint8 image batch from pinned host memory to the
GPU on a side stream and does the preprocessing there (convert to float,
per-channel normalization, and a separable Gaussian blur written as two dense
matmuls), so that batch k+1 is being prepared while the model trains on batch
k.  The dataset is synthetic (one grey level per batch), which lets every step
check the mean of the batch it trained on against the value expected from the
preprocessing.  Bug (default): `next()` hands the prepared batch to the
training stream without making the training stream wait for the prefetch
stream, so the model can read the batch before the side stream has written it.
Fix (--fixed): `current_stream().wait_stream(prefetch_stream)` before the batch
is used (the batch is already `record_stream`ed to the training stream in both
variants).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
GREY_LEVELS = (10, 60, 200, 250)  # one per cached batch, cycled


def gaussian_matrix(n, sigma, device):
    """Row-normalized dense Toeplitz matrix of a 1-D Gaussian blur of length n."""
    i = torch.arange(n, device=device, dtype=torch.float32)
    k = torch.exp(-((i[:, None] - i[None, :]) ** 2) / (2 * sigma * sigma))
    return k / k.sum(dim=1, keepdim=True)


class SyntheticImages:
    """A few decoded batches kept in pinned host memory, cycled for `n` batches.

    Yields (index, images); the labels of the cached batches live on the GPU.
    """

    def __init__(self, n, batch, size):
        self.n = n
        self.cache = [torch.full((batch, 3, size, size), grey, dtype=torch.uint8).pin_memory()
                      for grey in GREY_LEVELS]

    def __iter__(self):
        for i in range(self.n):
            j = i % len(self.cache)
            yield j, self.cache[j]


class DataPrefetcher:
    def __init__(self, loader, size, sync_with_prefetch):
        self.loader = iter(loader)
        self.stream = torch.cuda.Stream()
        self.sync_with_prefetch = sync_with_prefetch
        self.mean = torch.tensor(MEAN, device="cuda").view(1, 3, 1, 1)
        self.std = torch.tensor(STD, device="cuda").view(1, 3, 1, 1)
        self.blur_h = gaussian_matrix(size, 3.0, "cuda")        # rows sum to 1
        self.blur_w = gaussian_matrix(size, 3.0, "cuda").t().contiguous()  # columns sum to 1
        torch.cuda.synchronize()  # constants above were made on the default stream
        self.preload()

    def preload(self):
        try:
            self.next_index, cpu_img = next(self.loader)
        except StopIteration:
            self.next_input = None
            return
        with torch.cuda.stream(self.stream):
            img = cpu_img.cuda(non_blocking=True)
            x = img.float().div_(255.0)
            x = x.sub_(self.mean).div_(self.std)
            # separable blur: rows then columns
            x = torch.matmul(self.blur_h, x)
            self.next_input = torch.matmul(x, self.blur_w)

    def next(self):
        if self.sync_with_prefetch:
            torch.cuda.current_stream().wait_stream(self.stream)
        index, inp = self.next_index, self.next_input
        if inp is not None:
            # allocated on the prefetch stream; keep the allocator from handing
            # its memory out again while the training stream still uses it
            inp.record_stream(torch.cuda.current_stream())
        self.preload()
        return index, inp


def expected_batch_mean(grey, blur_h, blur_w):
    a = [(grey / 255.0 - m) / s for m, s in zip(MEAN, STD)]
    k = blur_h.double().sum(dim=1).mean().item() * blur_w.double().sum(dim=0).mean().item()
    return sum(a) / 3.0 * k


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=1024)
    args = p.parse_args()

    torch.manual_seed(0)
    n_classes = 100
    model = nn.Sequential(
        nn.Conv2d(3, 32, kernel_size=8, stride=8), nn.ReLU(),
        nn.Conv2d(32, 64, kernel_size=4, stride=4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, n_classes),
    ).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    labels = torch.randint(0, n_classes, (len(GREY_LEVELS), args.batch), device="cuda")
    loader = SyntheticImages(args.steps, args.batch, args.size)
    prefetcher = DataPrefetcher(loader, args.size, sync_with_prefetch=args.fixed)
    expected = [expected_batch_mean(g, prefetcher.blur_h, prefetcher.blur_w) for g in GREY_LEVELS]

    times, wrong = [], 0
    for step in range(args.steps):
        t0 = time.perf_counter()
        index, inp = prefetcher.next()
        out = model(inp)
        loss = F.cross_entropy(out, labels[index])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        # sanity check on the batch we actually trained on
        batch_mean = inp.mean().item()
        times.append(time.perf_counter() - t0)
        want = expected[index]
        if not abs(batch_mean - want) <= 5e-3 * abs(want):
            wrong += 1
    torch.cuda.synchronize()
    print("RESULT scenario=prefetch_loader fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
