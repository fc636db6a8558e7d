#!/usr/bin/python3
"""Our engine against PyTorch on the same weights, steps and size, in the same run.

    bench_torch.py [--exe build/app/allegro-studio] [--model resources/demo-model] [--device cpu|cuda]
                   [--frames 16] [--size 64] [--steps 20] [--guidance 7.5] [--repeat 3] [--torch-out DIR]

1. runs `allegro-studio generate` (whatever device the engine picks: lavapipe on a machine without a GPU),
   and times the whole process; the engine's own text/denoise/decode split is read from its output;
2. runs the same pipeline in PyTorch (allegro_torch.py, the reference-exact modules, F32) on --device:
   tokenizer, T5, `steps` Euler-Ancestral steps with classifier-free guidance (batch 2), VAE decode;
   times model loading and the render separately.
Prints one line per side and a JSON summary. Best of --repeat runs each. Ours must be the faster on the GPU.
--torch-out writes PyTorch's frames as PNGs (to look at; the random numbers differ from ours).
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
sys.path.insert(0, HERE)
import allegro_torch as at  # noqa: E402
import st_io  # noqa: E402
import tokenize_t5  # noqa: E402


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


@torch.no_grad()
def euler_ancestral(dit, ctx, mask, shape, steps, guidance, g):
    """The scheduler (spec 4: linspace timesteps, sigmas interpolated in float64) from noise drawn from the
    CPU generator g to the final latent of `shape`; ctx/mask hold ["", prompt] with guidance > 1, else
    [prompt]."""
    dev = ctx.device
    cfg = guidance > 1
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float32)
    acp = torch.cumprod(1 - betas, 0).double()
    ts = np.linspace(0, 999, steps, dtype=np.float32)[::-1].copy()
    full = ((1 - acp) / acp).sqrt().numpy()
    sig = np.interp(ts.astype(np.float64), np.arange(1000), full)
    sig = np.concatenate([sig, [0.0]]).astype(np.float32)
    x = (torch.randn(shape, generator=g) * float(sig.max())).to(dev)
    rope = dit.rope(*shape[2:], dev)
    for i, t in enumerate(ts):
        s, s_to = float(sig[i]), float(sig[i + 1])
        xin = x / (s * s + 1) ** 0.5
        xin = torch.cat([xin, xin]) if cfg else xin
        tt = torch.full((xin.shape[0],), float(t), device=dev)
        eps = dit(xin, ctx, mask, tt, rope)
        if cfg:
            u, c = eps.chunk(2)
            eps = u + guidance * (c - u)
        x0 = x - s * eps
        s_up = (s_to ** 2 * (s ** 2 - s_to ** 2) / s ** 2) ** 0.5
        s_down = (s_to ** 2 - s_up ** 2) ** 0.5
        noise = torch.randn(shape, generator=g).to(dev)
        x = x + (x - x0) / s * (s_down - s) + noise * s_up
    return x


class TorchPipeline:
    def __init__(self, model, device):
        t0 = time.time()
        cfg = lambda c: json.load(open(os.path.join(model, c, "config.json")))  # noqa: E731

        def load(module, path):
            sd = {k: torch.from_numpy(v).float() for k, v in st_io.load(os.path.join(model, path)).items()}
            module.load_state_dict(sd)
            return module.to(device).eval()

        self.device = device
        self.t5 = load(at.T5Encoder(cfg("text_encoder")), "text_encoder/model.safetensors")
        self.dit = load(at.AllegroTransformer3D(cfg("transformer")), "transformer/diffusion_pytorch_model.safetensors")
        self.vae = load(at.AllegroVAE(cfg("vae")), "vae/diffusion_pytorch_model.safetensors")
        self.sf = cfg("vae")["scaling_factor"]
        tc = json.load(open(os.path.join(model, "tokenizer/tokenizer_config.json")))
        self.tok = tokenize_t5.Tokenizer(os.path.join(model, "tokenizer/spiece.model"), tc.get("model_max_length", 512))
        sync(device)
        self.load_seconds = time.time() - t0

    @torch.no_grad()
    def generate(self, prompt, frames, size, steps, guidance, seed):
        dev = self.device
        g = torch.Generator().manual_seed(seed)
        t0 = time.time()
        cfg = guidance > 1
        texts = ["", prompt] if cfg else [prompt]
        enc = [self.tok.encode(t) for t in texts]
        ids = torch.tensor([e[0] for e in enc], device=dev)
        mask = torch.tensor([e[1] for e in enc], device=dev)
        ctx = self.t5(ids, mask)
        sync(dev)
        t1 = time.time()
        T = frames // 4 if frames % 2 == 0 else (frames - 1 + 3) // 4 + 1
        x = euler_ancestral(self.dit, ctx, mask, (1, self.dit.cfg["in_channels"], T, size // 8, size // 8), steps,
                            guidance, g)
        sync(dev)
        t2 = time.time()
        video = self.vae.decode(x / self.sf)[:, :, :frames, :size, :size]
        rgb = ((video[0] * 0.5 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 3, 0).cpu().numpy()
        sync(dev)
        t3 = time.time()
        return rgb, {"text": t1 - t0, "denoise": t2 - t1, "decode": t3 - t2, "total": t3 - t0}


def write_png(path, a):
    h, w, _ = a.shape
    raw = b"".join(b"\0" + a[y].tobytes() for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)  # noqa
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def ours(a):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [a.exe, "generate", "--model", a.model, "--prompt", a.prompt, "--raw-prompt", "--frames", str(a.frames),
               "--width", str(a.size), "--height", str(a.size), "--steps", str(a.steps), "--guidance",
               str(a.guidance), "--seed", "1", "--out", os.path.join(tmp, "frames")]
        t0 = time.time()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.time() - t0
    if r.returncode != 0:
        raise SystemExit("allegro-studio generate failed:\n" + r.stdout)
    m = re.search(r"Text ([\d.]+) s, denoising ([\d.]+) s, decoding ([\d.]+) s", r.stdout)
    dev = re.search(r" on (.*), seed", r.stdout)
    split = {"text": float(m.group(1)), "denoise": float(m.group(2)), "decode": float(m.group(3))} if m else {}
    return wall, split, dev.group(1) if dev else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", default=os.path.join(ROOT, "build/app/allegro-studio"))
    ap.add_argument("--model", default=os.path.join(ROOT, "resources/demo-model"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--prompt", default="a red circle moving right on a black background")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--guidance", type=float, default=7.5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--torch-out")
    ap.add_argument("--skip-ours", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    what = "%d frames of %dx%d, %d steps, guidance %g" % (a.frames, a.size, a.size, a.steps, a.guidance)
    result = {"size": what}
    if not a.skip_ours:
        runs = [ours(a) for _ in range(a.repeat)]
        best = min(runs, key=lambda r: r[0])
        print("ours     %-28s %7.2f s  (process, best of %d; text %.2f, denoise %.2f, decode %.2f)" % (
            best[2][:28], best[0], a.repeat, best[1].get("text", 0), best[1].get("denoise", 0),
            best[1].get("decode", 0)), flush=True)
        result["ours"] = {"device": best[2], "seconds": best[0], "split": best[1]}
    p = TorchPipeline(a.model, a.device)
    p.generate(a.prompt, a.frames, a.size, 2, a.guidance, 0)  # warm-up (kernels, allocator)
    runs = [p.generate(a.prompt, a.frames, a.size, a.steps, a.guidance, s) for s in range(a.repeat)]
    rgb, t = min(runs, key=lambda r: r[1]["total"])
    dev = a.device if a.device == "cpu" else torch.cuda.get_device_name()
    print("pytorch  %-28s %7.2f s  (render, best of %d, %d threads; text %.2f, denoise %.2f, decode %.2f; "
          "loading %.2f s more)" % ((dev + " " + torch.__version__)[:28], t["total"], a.repeat, a.threads,
                                    t["text"], t["denoise"], t["decode"], p.load_seconds), flush=True)
    result["pytorch"] = {"device": dev, "torch": torch.__version__, "threads": a.threads, "seconds": t["total"],
                         "split": t, "load_seconds": p.load_seconds}
    if a.torch_out:
        os.makedirs(a.torch_out, exist_ok=True)
        for i, f in enumerate(rgb):
            write_png(os.path.join(a.torch_out, "frame-%04d.png" % (i + 1)), f)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
