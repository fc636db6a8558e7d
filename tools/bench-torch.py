#!/usr/bin/env python3
"""The PyTorch side of our side-by-side GPU benchmarks.

Times, on the same GPU and in the same run as `allegro-studio bench ops`:
  - torch.matmul in bf16 (and f16) at 8192^3;
  - torch.nn.functional.scaled_dot_product_attention, 2 x 24 heads,
    head_dim 96, 16,384 tokens, f16 and bf16;
and prints one JSON object per line: op, dtype, shape, seconds, tflops.
"""
import json
import sys

import torch


def timed(fn, flops, repeat=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(5):
        start.record()
        for _ in range(repeat):
            fn()
        end.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(end) / 1e3 / repeat)
    return best, flops / best / 1e12


def main():
    if not torch.cuda.is_available():
        print(json.dumps({"error": "no CUDA device"}))
        return 1
    name = torch.cuda.get_device_name()
    for dtype in (torch.bfloat16, torch.float16):
        n = 8192
        a = torch.randn(n, n, device="cuda", dtype=dtype)
        b = torch.randn(n, n, device="cuda", dtype=dtype)
        seconds, tflops = timed(lambda: torch.matmul(a, b), 2.0 * n ** 3)
        print(json.dumps({"op": "matmul", "dtype": str(dtype).split(".")[1], "shape": "8192x8192x8192",
                          "seconds": seconds, "tflops": tflops, "device": name}), flush=True)
        del a, b
    for dtype in (torch.float16, torch.bfloat16):
        batch, heads, tokens, dim = 2, 24, 16384, 96
        q = torch.randn(batch, heads, tokens, dim, device="cuda", dtype=dtype)
        k = torch.randn_like(q)
        v = torch.randn_like(q)
        f = torch.nn.functional.scaled_dot_product_attention
        seconds, tflops = timed(lambda: f(q, k, v), 4.0 * batch * heads * tokens * tokens * dim, repeat=5)
        print(json.dumps({"op": "flash_attention", "dtype": str(dtype).split(".")[1],
                          "shape": "%dx%dx%dx%d" % (batch, heads, tokens, dim),
                          "seconds": seconds, "tflops": tflops, "device": name}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
