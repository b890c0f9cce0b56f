"""Batched LLM decode loop with a preallocated KV cache and token streaming to the host.

A small decoder-only transformer (random weights) generates tokens for a batch
of sequences one position at a time, appending each layer's K/V to a
preallocated cache and sampling with Gumbel-max.  The sampled token ids are
copied to a pinned host buffer on a dedicated copy stream so that the
detokenizer/streaming side can hand them to clients without stalling the
compute stream; the GPU keeps decoding while the host streams.  At the end
the streamed tokens are compared with the token history kept on the GPU.
Bug (default): the host reads the pinned row right after queueing the
non_blocking device-to-host copy, i.e. before the copy has run, and streams
stale ids.  Fix (--fixed): each row is streamed only once the event recorded
after its copy reports completion (`Event.query()` polled every step, the
rest drained with `Event.synchronize()` at the end).
"""
import argparse
import collections
import math
import statistics
import time

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, n_heads):
        super().__init__()
        self.n_heads, self.hd = n_heads, d // n_heads
        self.ln1 = nn.LayerNorm(d, device="cuda")
        self.qkv = nn.Linear(d, 3 * d, bias=False, device="cuda")
        self.proj = nn.Linear(d, d, bias=False, device="cuda")
        self.ln2 = nn.LayerNorm(d, device="cuda")
        self.fc1 = nn.Linear(d, 4 * d, bias=False, device="cuda")
        self.fc2 = nn.Linear(4 * d, d, bias=False, device="cuda")

    def forward(self, h, cache, pos):
        # h: [B, d]; cache: [2, B, H, max_len, hd]
        B = h.shape[0]
        q, k, v = self.qkv(self.ln1(h)).view(B, 3, self.n_heads, self.hd).unbind(1)
        cache[0, :, :, pos] = k
        cache[1, :, :, pos] = v
        keys = cache[0, :, :, : pos + 1]                       # [B, H, T, hd]
        vals = cache[1, :, :, : pos + 1]
        scores = torch.einsum("bhd,bhtd->bht", q, keys) / math.sqrt(self.hd)
        att = torch.einsum("bht,bhtd->bhd", scores.softmax(-1), vals)
        h = h + self.proj(att.reshape(B, -1))
        return h + self.fc2(torch.nn.functional.gelu(self.fc1(self.ln2(h))))


class Decoder(nn.Module):
    def __init__(self, vocab, d, n_layers, n_heads, batch, max_len):
        super().__init__()
        self.embed = nn.Embedding(vocab, d, device="cuda")
        self.blocks = nn.ModuleList(Block(d, n_heads) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d, device="cuda")
        self.lm_head = nn.Linear(d, vocab, bias=False, device="cuda")
        self.kv_cache = torch.zeros(n_layers, 2, batch, n_heads, max_len, d // n_heads, device="cuda")

    def decode_step(self, tokens, pos):
        h = self.embed(tokens)
        for i, blk in enumerate(self.blocks):
            h = blk(h, self.kv_cache[i], pos)
        return self.lm_head(self.ln_f(h))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fixed", action="store_true")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--d-model", type=int, default=4096)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--vocab", type=int, default=32000)
    args = p.parse_args()

    torch.manual_seed(0)
    B, steps = args.batch, args.steps
    model = Decoder(args.vocab, args.d_model, args.layers, 32, B, steps + 1).eval()
    gen = torch.Generator(device="cuda")
    gen.manual_seed(1234)
    tokens = torch.randint(1, args.vocab, (B,), device="cuda")        # BOS / prompt tokens
    history = torch.empty(steps, B, dtype=torch.long, device="cuda")  # what the GPU sampled
    host_tokens = torch.full((steps, B), -1, dtype=torch.long).pin_memory()
    torch.cuda.synchronize()

    copy_stream = torch.cuda.Stream()
    streamed = {}                        # step -> token ids handed to the clients
    pending = collections.deque()        # (step, event) copies still in flight

    def emit(t):
        streamed[t] = host_tokens[t].tolist()

    times = []
    with torch.inference_mode():
        for t in range(steps):
            t0 = time.perf_counter()
            logits = model.decode_step(tokens, t).float()
            u = torch.rand(logits.shape, generator=gen, device="cuda")
            tokens = (logits / 0.8 - torch.log(-torch.log(u))).argmax(dim=-1)  # Gumbel-max sampling
            history[t] = tokens

            sampled = torch.cuda.Event()
            sampled.record()
            copy_stream.wait_event(sampled)
            with torch.cuda.stream(copy_stream):
                host_tokens[t].copy_(tokens, non_blocking=True)
                copied = torch.cuda.Event()
                copied.record()
            tokens.record_stream(copy_stream)

            if args.fixed:
                pending.append((t, copied))
                while pending and pending[0][1].query():
                    emit(pending.popleft()[0])
            else:
                emit(t)
            times.append(time.perf_counter() - t0)

        while pending:                   # end of generation: flush what is left
            t, ev = pending.popleft()
            ev.synchronize()
            emit(t)

    truth = history.cpu().tolist()
    wrong = sum(1 for t in range(steps) if streamed[t] != truth[t])
    print("RESULT scenario=kv_decode_stream fixed=%d steps=%d step_ms=%.3f wrong=%d"
          % (int(args.fixed), steps, statistics.median(times) * 1e3, wrong))


if __name__ == "__main__":
    main()
