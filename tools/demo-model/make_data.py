"""Synthetic clips for the demo model: one coloured shape moving over a plain background.

A caption names the shape, its colour, its motion and the background, e.g.
"a red circle moving left on a black background". `held_out()` lists the caption
combinations (colour, motion, background) that training never sees, for every shape;
tests/demo/test-demo-quality.py renders prompts made from them.

Run directly to print a few captions and write preview strips (PPM) to a folder:
    make_data.py [--preview DIR]
"""
import itertools
import json
import os
import random
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SETTINGS = json.load(open(os.path.join(HERE, "settings.json")))

# The palette lives in settings.json so that the quality test reads the same values.
COLOURS = {k: tuple(v) for k, v in SETTINGS["palette"]["colours"].items()}
BACKGROUNDS = {k: tuple(v) for k, v in SETTINGS["palette"]["backgrounds"].items()}
SHAPES = SETTINGS["shapes"]
MOTIONS = SETTINGS["motions"]


def caption(colour, shape, motion, background):
    if motion in ("left", "right", "up", "down"):
        verb = "moving " + motion
    elif motion == "still":
        verb = "staying still"
    else:
        verb = motion  # growing, shrinking
    return "a %s %s %s on a %s background" % (colour, shape, verb, background)


def held_out():
    """The (colour, motion, background) triples never trained on, in a fixed order."""
    triples = list(itertools.product(sorted(COLOURS), MOTIONS, sorted(BACKGROUNDS)))
    rng = random.Random(SETTINGS["data"]["held_out_seed"])
    rng.shuffle(triples)
    return triples[:SETTINGS["data"]["held_out_triples"]]


def held_out_prompts():
    """[(caption, colour, shape, motion, background)] for the quality test: shapes cycle over the triples."""
    out = []
    for i, (c, m, b) in enumerate(held_out()):
        s = SHAPES[i % len(SHAPES)]
        out.append((caption(c, s, m, b), c, s, m, b))
    return out


def training_combos():
    bad = set(held_out())
    return [(c, s, m, b) for c in sorted(COLOURS) for s in SHAPES for m in MOTIONS for b in sorted(BACKGROUNDS)
            if (c, m, b) not in bad]


def _mask(shape, cx, cy, r, size, ss=2):
    """Anti-aliased coverage (size, size) of a shape centred at (cx, cy) with half-extent r."""
    n = size * ss
    g = (np.arange(n, dtype=np.float32) + 0.5) / ss
    x, y = g[None, :] - cx, g[:, None] - cy
    if shape == "circle":
        m = x * x + y * y <= r * r
    elif shape == "square":
        m = (np.abs(x) <= r * 0.88) & (np.abs(y) <= r * 0.88)
    elif shape == "triangle":
        # Pointing up; base at +r, apex at -r.
        m = (y <= r * 0.85) & (y >= -r) & (np.abs(x) <= (y + r) * 0.58)
    elif shape == "diamond":
        m = np.abs(x) + np.abs(y) <= r * 1.15
    else:
        raise ValueError(shape)
    return m.reshape(size, ss, size, ss).mean(axis=(1, 3))


def render(colour, shape, motion, background, rng, frames=None, size=None, cells=0):
    """One clip (frames, size, size, 3) uint8. With cells=N, also its majority cells: (frames, size/N, size/N, 3)
    float, each N x N cell of every frame painted with the shape's colour where the shape covers more than half
    of the cell and with the background's elsewhere."""
    d = SETTINGS["data"]
    frames = frames or d["frames"]
    size = size or d["size"]
    u = lambda a, b: rng.uniform(a, b)  # noqa: E731
    fg = np.array(COLOURS[colour], np.float32) + rng.uniform(-d["jitter"], d["jitter"], 3)
    bg = np.array(BACKGROUNDS[background], np.float32) + rng.uniform(-d["jitter"], d["jitter"], 3)
    s = size / 64.0
    t = np.linspace(0.0, 1.0, frames)
    if motion in ("left", "right", "up", "down"):
        # A fixed speed: with the VAE's 4 frames per latent frame and 8 pixels per latent cell, `speed` 2 moves
        # the shape exactly one cell from one latent frame to the next, so a caption's motion is one fixed
        # offset between the DiT's frames (which RoPE attention can express) rather than a random fraction.
        r = u(7, 10) * s
        dist = d.get("speed", 2.0) * (frames - 1) * s
        lo, hi = r + 2 * s, size - r - 2 * s
        # `exit` lets a shape end its move that far past the edge it heads for (partly out of frame): on 64
        # pixels the start ranges of opposite motions would otherwise not overlap, and a DiT without
        # absolute positions learns "move away from the nearer edge" instead of reading the caption.
        e = d.get("exit", 0.0) * s
        start = u(lo + dist - e, hi) if motion in ("left", "up") else u(lo, hi - dist + e)
        if d.get("start_band"):
            # `start_band` b: every move starts within b pixels of the centre, whatever its direction, so the
            # first frame says nothing of the direction and only the caption does (the move may end partly
            # out of frame: with speed 2, a band of 10 puts the centre at most 2 pixels past the edge by the
            # VAE's last kept frame). Drawn after the confined start, which keeps every later draw, and so the
            # training clips, as the shipped weights saw them.
            b = d["start_band"] * s
            start = u(size / 2 - b, size / 2 + b)
        sign = -1.0 if motion in ("left", "up") else 1.0
        across = u(lo + 4 * s, hi - 4 * s)
        along = start + sign * dist * t
        cx, cy = (along, np.full(frames, across)) if motion in ("left", "right") else (np.full(frames, across), along)
        rr = np.full(frames, r)
    elif motion in ("growing", "shrinking"):
        r0, r1 = u(*d.get("grow_from", [4, 6])) * s, u(*d.get("grow_to", [14, 17])) * s
        rr = r0 + (r1 - r0) * t if motion == "growing" else r1 + (r0 - r1) * t
        cx = np.full(frames, u(size / 2 - 6 * s, size / 2 + 6 * s))
        cy = np.full(frames, u(size / 2 - 6 * s, size / 2 + 6 * s))
    elif motion == "still":
        r = u(7, 12) * s
        cx = np.full(frames, u(r + 4 * s, size - r - 4 * s))
        cy = np.full(frames, u(r + 4 * s, size - r - 4 * s))
        rr = np.full(frames, r)
    else:
        raise ValueError(motion)
    out = np.empty((frames, size, size, 3), np.uint8)
    major = np.empty((frames, size // cells, size // cells, 3), np.float32) if cells else None
    for f in range(frames):
        a = _mask(shape, cx[f], cy[f], rr[f], size)[..., None]
        out[f] = np.clip(np.rint(bg * (1 - a) + fg * a), 0, 255).astype(np.uint8)
        if cells:
            n = size // cells
            cover = a[..., 0].reshape(n, cells, n, cells).mean(axis=(1, 3))[..., None]
            major[f] = np.where(cover > 0.5, np.clip(np.rint(fg), 0, 255), np.clip(np.rint(bg), 0, 255))
    return (out, major) if cells else out


def sample(rng, combos, cells=0):
    """(caption, clip), or (caption, (clip, majority cells)) with cells=N (see render)."""
    c, s, m, b = combos[rng.integers(len(combos))]
    return caption(c, s, m, b), render(c, s, m, b, rng, cells=cells)


def _preview(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    combos = training_combos()
    for i in range(6):
        cap, clip = sample(rng, combos)
        strip = np.concatenate(list(clip[::3]), axis=1)
        with open(os.path.join(folder, "clip%d.ppm" % i), "wb") as f:
            f.write(b"P6 %d %d 255\n" % (strip.shape[1], strip.shape[0]))
            f.write(strip.tobytes())
        print(i, cap)


if __name__ == "__main__":
    print("%d training combinations, %d held-out triples" % (len(training_combos()), len(held_out())))
    for p in held_out_prompts()[:5]:
        print("held out:", p[0])
    if len(sys.argv) == 3 and sys.argv[1] == "--preview":
        _preview(sys.argv[2])
