"""A cuBLAS-heavy PyTorch loop: GEMMs (cuBLAS/cuBLASLt launch their kernels
through the driver API, not through libcudart) on a side stream, with the
result consumed on the default stream after a wait. Recorded with
MPSTRACE_CUPTI=0 the GEMM launches must still be in the trace: the recorder
sees them at the driver entry points cuBLAS looks up (cuGetProcAddress)."""
import sys

import torch


def main(steps: int) -> None:
    dev = torch.device("cuda")
    a = torch.randn(1024, 1024, device=dev)
    b = torch.randn(1024, 1024, device=dev)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        c = a
        for _ in range(steps):
            c = torch.relu(c @ b) * 1e-3  # cuBLAS GEMM, then two elementwise kernels
    torch.cuda.current_stream().wait_stream(side)
    total = c.sum().item()
    print(f"gemm_torch: {steps} GEMMs, sum {total:.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
