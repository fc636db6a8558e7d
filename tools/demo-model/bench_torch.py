#!/usr/bin/python3
"""Our engine against PyTorch on the same weights, steps and size, in the same run, two ways.

    bench_torch.py [--exe build/app/allegro-studio] [--model resources/demo-model] [--device cpu|cuda]
                   [--frames 16] [--size 64] [--steps 20] [--guidance 7.5] [--repeat 3] [--dtype f32]
                   [--torch-out DIR]

Warm render, both sides timed the same way: load the models once, one warm-up render of 2 steps, then the
best of --repeat renders (tokenizer, T5, `steps` Euler-Ancestral steps with classifier-free guidance at
batch 2, VAE decode, RGB frames in host memory):
  ours     `allegro-studio bench render --json` (whatever device the engine picks: lavapipe on a machine
           without a GPU), DiT and T5 in --dtype (f32 by default, as PyTorch's side);
  pytorch  allegro_torch.py's reference-exact modules in F32 on --device.
Whole process, cold: from starting a program to PNG frames on disk, best of --repeat:
  ours     `allegro-studio generate --out DIR`;
  pytorch  this script in a fresh interpreter (--cold-child): import torch, load, render once, write PNGs.
Prints a line per side and measure, the ratios, and a JSON summary. Ours must be the faster on the GPU.
--torch-out writes PyTorch's frames as PNGs (to look at; the random numbers differ from ours).
"""
import argparse
import json
import os
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


def process_seconds(cmd_for, what):
    """Seconds from starting the command cmd_for(folder) to its PNG frames in folder."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        r = subprocess.run(cmd_for(os.path.join(tmp, "frames")), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
        wall = time.time() - t0
    if r.returncode != 0:
        raise SystemExit(what + " failed:\n" + r.stdout)
    return wall


def ours_process(a):
    """`allegro-studio generate --out DIR`, start to PNGs on disk."""
    return process_seconds(lambda out: [
        a.exe, "generate", "--model", a.model, "--prompt", a.prompt, "--raw-prompt", "--frames", str(a.frames),
        "--width", str(a.size), "--height", str(a.size), "--steps", str(a.steps), "--guidance", str(a.guidance),
        "--dtype", a.dtype, "--seed", "1", "--out", out], "allegro-studio generate")


def ours_render(a):
    """`allegro-studio bench render --json`: the best warm render and its split, the setup, the device."""
    cmd = [a.exe, "bench", "render", "--json", "--model", a.model, "--prompt", a.prompt, "--frames", str(a.frames),
           "--size", str(a.size), "--steps", str(a.steps), "--guidance", str(a.guidance), "--repeat",
           str(a.repeat), "--dtype", a.dtype]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("allegro-studio bench render failed:\n" + r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def torch_process(a):
    """A fresh interpreter on this script (--cold-child), start to PNGs on disk."""
    return process_seconds(lambda out: [
        sys.executable, os.path.abspath(__file__), "--cold-child", "--model", a.model, "--device", a.device,
        "--threads", str(a.threads), "--prompt", a.prompt, "--frames", str(a.frames), "--size", str(a.size),
        "--steps", str(a.steps), "--guidance", str(a.guidance), "--torch-out", out], "the PyTorch child")


def write_frames(folder, rgb):
    os.makedirs(folder, exist_ok=True)
    for i, f in enumerate(rgb):
        write_png(os.path.join(folder, "frame-%04d.png" % (i + 1)), f)


def faster(ours_s, torch_s):
    if ours_s < torch_s:
        return "ours %.2fx faster" % (torch_s / ours_s)
    return "pytorch %.2fx faster" % (ours_s / torch_s)


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
    ap.add_argument("--dtype", default="f32", help="our DiT and T5 dtype: f32 (as PyTorch's side), f16, bf16, auto")
    ap.add_argument("--torch-out")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--skip-process", action="store_true", help="time warm renders only")
    ap.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.cold_child:
        p = TorchPipeline(a.model, a.device)
        rgb, _ = p.generate(a.prompt, a.frames, a.size, a.steps, a.guidance, 1)
        write_frames(a.torch_out, rgb)
        return 0

    what = "%d frames of %dx%d, %d steps, guidance %g" % (a.frames, a.size, a.size, a.steps, a.guidance)
    result = {"size": what}
    print(what, flush=True)
    if not a.skip_ours:
        r = ours_render(a)
        sp = r["split"]
        print("ours     %-28s render  %7.3f s  (best of %d, %s; text %.3f, denoise %.3f, decode %.3f; setup %.2f s "
              "once)" % (r["device"][:28], r["seconds"], a.repeat, r["dtype"], sp["text"], sp["denoise"],
                         sp["decode"], r["setup_seconds"]), flush=True)
        result["ours"] = r
        if not a.skip_process:
            wall = min(ours_process(a) for _ in range(a.repeat))
            print("ours     %-28s process %7.3f s  (allegro-studio generate to PNGs on disk, best of %d)" % (
                r["device"][:28], wall, a.repeat), flush=True)
            result["ours"]["process_seconds"] = wall
    p = TorchPipeline(a.model, a.device)
    p.generate(a.prompt, a.frames, a.size, 2, a.guidance, 0)  # warm-up (kernels, allocator)
    runs = [p.generate(a.prompt, a.frames, a.size, a.steps, a.guidance, s) for s in range(a.repeat)]
    rgb, t = min(runs, key=lambda r: r[1]["total"])
    dev = a.device if a.device == "cpu" else torch.cuda.get_device_name()
    label = (dev + " " + torch.__version__)[:28]
    print("pytorch  %-28s render  %7.3f s  (best of %d, f32, %d threads; text %.3f, denoise %.3f, decode %.3f; "
          "loading %.2f s once)" % (label, t["total"], a.repeat, a.threads, t["text"], t["denoise"], t["decode"],
                                    p.load_seconds), flush=True)
    result["pytorch"] = {"device": dev, "torch": torch.__version__, "threads": a.threads, "seconds": t["total"],
                         "split": t, "load_seconds": p.load_seconds}
    if not a.skip_process:
        wall = min(torch_process(a) for _ in range(a.repeat))
        print("pytorch  %-28s process %7.3f s  (python3 to PNGs on disk, best of %d)" % (label, wall, a.repeat),
              flush=True)
        result["pytorch"]["process_seconds"] = wall
    if "ours" in result:
        o, q = result["ours"], result["pytorch"]
        result["render_ratio"] = q["seconds"] / o["seconds"]
        print("render:  %s" % faster(o["seconds"], q["seconds"]))
        if "process_seconds" in o and "process_seconds" in q:
            result["process_ratio"] = q["process_seconds"] / o["process_seconds"]
            print("process: %s" % faster(o["process_seconds"], q["process_seconds"]))
    if a.torch_out:
        write_frames(a.torch_out, rgb)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
