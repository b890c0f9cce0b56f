"""Block lifetimes at level api on a real GPU: which source the layer picked
(C++ allocator trace tracker, or none without the C++ library) and what it
saw. Run under the recorder (LD_PRELOAD + PYTHONPATH, MPSTRACE_TORCH=api);
prints one JSON line; the trace holds the alloc/free records (mem torch_block).

    python3 bench/cuda/torch_lifetimes_check.py
"""
import json

import torch


def main():
    side = torch.cuda.Stream()
    a = torch.empty(1 << 20, device="cuda")  # 4 MiB on the default stream
    with torch.cuda.stream(side):
        b = torch.empty(1000, device="cuda")  # a small block on the side stream
    torch.cuda.synchronize()
    ptrs = {"a": a.untyped_storage().data_ptr(), "b": b.untyped_storage().data_ptr(),
            "side": side.cuda_stream, "default": torch.cuda.current_stream().cuda_stream}
    del a, b
    c = torch.ones(1 << 20, device="cuda")  # likely a's block again
    ptrs["c"] = c.untyped_storage().data_ptr()
    del c
    torch.cuda.synchronize()
    import mpstrace.torch as L
    lib = L._S.lib
    out = {"level": L.level(), "lifetimes": L._S.lifetimes, "ptrs": ptrs,
           "counts": lib.lifetimes_counts() if lib is not None else None,
           "available": getattr(lib, "lifetimes_available", None),
           "error": getattr(lib, "lifetimes_error", None)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
