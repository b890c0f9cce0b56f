"""Causal-LM training loop whose variable-length token batches are uploaded on a side stream into a padded buffer.

The data pipeline hands over batches of token ids of varying length in pinned
host memory.  While step k runs, the next batch is collated: a fixed-shape
[batch, seq_len] token buffer is allocated and filled with the pad id on the
training stream, and an upload stream copies the real tokens into its leading
columns with a non_blocking copy, so the H2D traffic overlaps with the step's
compute; the next step waits on the upload's event before using the buffer.
The loss is normalized by the number of non-pad target tokens, which is also
recorded per step and checked at the end against the lengths of the host
batches. Bug (default): the upload stream is not ordered after the pad fill
queued on the training stream, so the two writes to the buffer race; when the
training stream is still busy with the current step (the usual case) the fill
lands after the copy and wipes the batch.  Fix (--fixed):
`upload_stream.wait_stream(train_stream)` before the copy (the fill is queued
behind the current step, so the upload now waits for the step as well).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PAD = 0


class TinyLM(nn.Module):
    def __init__(self, vocab, d):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, ids):
        h = self.embed(ids)
        h = h + self.mlp(h)
        return self.head(self.norm(h))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--seq-len", type=int, default=512)
    p.add_argument("--vocab", type=int, default=8192)
    p.add_argument("--d-model", type=int, default=1024)
    args = p.parse_args()

    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    B, T, V = args.batch, args.seq_len, args.vocab
    lengths = [T, T * 7 // 8, T * 3 // 4, T * 5 // 8, T * 15 // 16, T * 13 // 16, T * 11 // 16]
    host_batches = [torch.randint(1, V, (B, n), generator=gen).pin_memory() for n in lengths]

    model = TinyLM(V, args.d_model).cuda()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    ntok_history = torch.zeros(args.steps, dtype=torch.long, device="cuda")
    loss_history = torch.zeros(args.steps, device="cuda")
    torch.cuda.synchronize()

    train_stream = torch.cuda.current_stream()
    upload_stream = torch.cuda.Stream()

    def collate(src):
        """Padded [B, T] token buffer for one host batch; returns it with the upload's event."""
        tokens = torch.full((B, T), PAD, dtype=torch.long, device="cuda")
        if args.fixed:
            upload_stream.wait_stream(train_stream)
        with torch.cuda.stream(upload_stream):
            tokens[:, : src.shape[1]].copy_(src, non_blocking=True)
            uploaded = torch.cuda.Event()
            uploaded.record()
        return tokens, uploaded

    times = []
    batch = collate(host_batches[0])
    for step in range(args.steps):
        t0 = time.perf_counter()
        tokens, uploaded = batch
        train_stream.wait_event(uploaded)

        inputs, targets = tokens[:, :-1], tokens[:, 1:]
        ntok = (targets != PAD).sum()
        ntok_history[step] = ntok
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1),
                               ignore_index=PAD, reduction="sum") / ntok.clamp(min=1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_history[step] = loss.detach()
        # prepare the next batch while this step runs on the GPU
        if step + 1 < args.steps:
            batch = collate(host_batches[(step + 1) % len(host_batches)])
        times.append(time.perf_counter() - t0)

    got = ntok_history.cpu().tolist()
    wrong = sum(1 for step in range(args.steps)
                if got[step] != B * (host_batches[step % len(host_batches)].shape[1] - 1))
    print("RESULT scenario=lm_collate_stream fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), args.steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
