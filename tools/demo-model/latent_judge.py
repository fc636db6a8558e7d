#!/usr/bin/python3
"""Judges a DiT checkpoint on latents, without the VAE or the engine (quick, while a run trains).

    latent_judge.py --work WORK [--ck dit.pt] [--guidance G] [--steps N] [--n N] [--seeds K] [--train] [--threads N]

Samples each prompt's 4x8x8 latent from WORK's checkpoint with bench_torch.py's scheduler (Euler
ancestral, a fixed seed per prompt), reads the latent cells as colours (channels 0-2 hold each cell's colour,
see construct_vae in train.py) and judges them as the quality test judges pixels, in cells: the background
is the median cell's nearest background, the shape's colour is the cell farthest from it, and the shape's
weighted centroid and area must change between the first and last latent frames as the quality test's
motion_ok asks of pixels (a cell is 8 pixels). Prints one line per prompt, with the shape's
first-frame centroid (x0, y0, in cells), then the totals. The held-out prompts by default; --train draws N
training prompts instead, to tell what is not learnt from what does not generalise. --seeds K samples each
prompt K times, with the quality test's seed numbers (PyTorch's generator, so not the engine's noise): on 48
prompts one sample moves the rate by 2%, so comparing two checkpoints wants more than one seed each.
"""
import argparse
import importlib.util
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import allegro_torch as at  # noqa: E402
import bench_torch  # noqa: E402
import make_data  # noqa: E402
import tokenize_t5  # noqa: E402
import train  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, "../.."))
spec = importlib.util.spec_from_file_location("quality", os.path.join(ROOT, "tests/demo/test-demo-quality.py"))
quality = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quality)


def judge(lat, case, colours, backgrounds):
    """(ok, first-frame centroid, dx, dy, area ratio, background, colour) for one latent (T, 8, 8, 3)."""
    c, _, m, b = case
    med = np.median(lat.reshape(-1, 3), 0)
    bgn = min(backgrounds, key=lambda k: ((backgrounds[k] - med) ** 2).sum())
    d = np.sqrt(((lat - med) ** 2).sum(-1))
    far = lat.reshape(-1, 3)[d.argmax()]
    fgn = min(colours, key=lambda k: ((colours[k] - far) ** 2).sum())
    w = d / (d.max() + 1e-6)
    w = np.where(w > 0.3, w, 0)
    yy, xx = np.mgrid[0:lat.shape[1], 0:lat.shape[2]]
    cen = [((w[f] * xx).sum() / (w[f].sum() + 1e-6), (w[f] * yy).sum() / (w[f].sum() + 1e-6), w[f].sum())
           for f in range(lat.shape[0])]
    dx, dy = cen[-1][0] - cen[0][0], cen[-1][1] - cen[0][1]
    ratio = cen[-1][2] / (cen[0][2] + 1e-6)
    moved = quality.motion_ok(m, dx * 8, dy * 8, ratio)  # the quality test's rule; a cell is 8 pixels
    return (bgn == b, fgn == c, moved), cen[0][:2], dx, dy, ratio, bgn, fgn


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--ck", default="dit.pt")
    ap.add_argument("--guidance", type=float, default=make_data.SETTINGS["sampling"]["guidance"])
    ap.add_argument("--steps", type=int, default=make_data.SETTINGS["sampling"]["steps"])
    ap.add_argument("--n", type=int, default=48)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck = torch.load(os.path.join(a.work, a.ck))
    t5 = at.T5Encoder(ck.get("t5_config") or train.t5_config(ck["vocab"]))
    t5.load_state_dict(ck["t5"])
    dit = at.AllegroTransformer3D(ck.get("dit_config") or train.dit_config())
    dit.load_state_dict(ck["dit"])
    t5.eval()
    dit.eval()
    sf = ck["scaling_factor"]
    tok = tokenize_t5.Tokenizer(os.path.join(a.work, "spiece.model"), make_data.SETTINGS["tokenizer"]["max_length"])
    pal = make_data.SETTINGS["palette"]
    colours = {k: np.array(v) / 127.5 - 1 for k, v in pal["colours"].items()}
    backgrounds = {k: np.array(v) / 127.5 - 1 for k, v in pal["backgrounds"].items()}
    if a.train:
        rng = np.random.default_rng(5)
        combos = make_data.training_combos()
        cases = [combos[i] for i in rng.choice(len(combos), a.n, replace=False)]
    else:
        cases = [(c, s, m, b) for _, c, s, m, b in make_data.held_out_prompts()][:a.n]
    score = {"bg": 0, "fg": 0, "motion": 0, "all": 0}
    runs = quality.runs_of(cases, a.seeds)
    for seed, case in runs:
        g = torch.Generator().manual_seed(seed)
        enc = [tok.encode(t) for t in ["", make_data.caption(*case)]]
        ids = torch.tensor([e[0] for e in enc])
        mask = torch.tensor([e[1] for e in enc])
        with torch.no_grad():
            x = bench_torch.euler_ancestral(dit, t5(ids, mask), mask, (1, 4, 4, 8, 8), a.steps, a.guidance, g)
        lat = (x[0, :3] / sf).permute(1, 2, 3, 0).numpy()
        ok, (x0, y0), dx, dy, ratio, bgn, fgn = judge(lat, case, colours, backgrounds)
        for key, v in zip(("bg", "fg", "motion"), ok):
            score[key] += v
        score["all"] += all(ok)
        print("x0 %.1f y0 %.1f  %-55s bg %-6s fg %-7s dx %+.1f dy %+.1f area x%.2f %s"
              % (x0, y0, make_data.caption(*case), bgn, fgn, dx, dy, ratio, "ok" if all(ok) else "FAIL"), flush=True)
    print("guidance %g, %d steps: %s" % (a.guidance, a.steps,
                                          ", ".join("%s %d/%d" % (k, v, len(runs)) for k, v in score.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
