#!/usr/bin/env python3
"""Does the demo model follow prompts it was never trained on?

    test-demo-quality.py ALLEGRO_STUDIO MODEL_DIR HELD_OUT_JSON

For every held-out prompt (caption combinations of colour, motion and background that training never saw,
written by tools/demo-model/export.py), renders 16 frames of 64x64 with the engine (`allegro-studio generate`
with the model's default steps and guidance, fixed seeds) and checks from the PNG frames alone:
  - background: the most common colour of the clip is the named background;
  - colour: the named colour is the largest region that is not background;
  - motion: the region's centroid moves at least 8 pixels the named way (left, right, up, down) and little
    across, its area grows 1.8x (growing) or falls below 0.55x (shrinking), or neither moves nor resizes (still).
Each pixel is given the nearest colour of the palette the training clips use.
Every prompt is rendered DEMO_QUALITY_SEEDS times (default 3; seeds 1000 + i, 1000 + i + 100000, ...) and
the rate is over all the clips: one clip moves a 48-clip rate by 2%, which is the size of the differences
between two trainings worth telling apart. Prints every verdict, each seed's rate and the overall rate;
fails below DEMO_QUALITY_MIN (default 0.85).
Standard library only (CI has python3 but not numpy).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

FRAMES, SIZE = 16, 64
# Unset, the model's own defaults (model_index.json's `_allegro_studio` hints), as the application uses them.
STEPS = os.environ.get("DEMO_QUALITY_STEPS")
GUIDANCE = os.environ.get("DEMO_QUALITY_GUIDANCE")


def read_png(path):
    """8-bit RGB or RGBA, non-interlaced PNG -> (width, height, bytes of RGB rows)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s is not a PNG file" % path)
    pos, idat, w = 8, [], None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError("%s: only 8-bit RGB(A) non-interlaced PNGs are read here" % path)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride if ft else 0):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        out += line if bpp == 3 else bytes(v for j, v in enumerate(line) if j % 4 != 3)
    return w, h, bytes(out)


def classify(rgb, palette):
    """Label of the nearest palette colour for every pixel."""
    names = list(palette)
    cols = [palette[n] for n in names]
    cache, labels = {}, []
    for i in range(0, len(rgb), 3):
        px = rgb[i:i + 3]
        lab = cache.get(px)
        if lab is None:
            r, g, b = px
            lab = min(range(len(cols)), key=lambda k: (r - cols[k][0]) ** 2 + (g - cols[k][1]) ** 2
                      + (b - cols[k][2]) ** 2)
            cache[px] = lab
        labels.append(lab)
    return names, labels


def judge(frames, case, palette):
    """(ok, reason) for one clip: frames = [(w, h, rgb)]."""
    counts, regions = {}, []
    for w, h, rgb in frames:
        names, labels = classify(rgb, palette)
        for lab in labels:
            counts[names[lab]] = counts.get(names[lab], 0) + 1
        want = names.index(case["colour"])
        n = sx = sy = 0
        for i, lab in enumerate(labels):
            if lab == want:
                n += 1
                sx += i % w
                sy += i // w
        regions.append((n, sx / n if n else 0.0, sy / n if n else 0.0))
    ranked = sorted(counts, key=counts.get, reverse=True)
    if ranked[0] != case["background"]:
        return False, "background looks %s" % ranked[0]
    fg = [c for c in ranked if c != case["background"]]
    if not fg or fg[0] != case["colour"]:
        return False, "largest region is %s" % (fg[0] if fg else "nothing")
    first, last = regions[:4], regions[-4:]
    if min(r[0] for r in first + last) < 6:
        return False, "the %s region vanishes (areas %s)" % (case["colour"], [r[0] for r in regions])
    mean = lambda rs, k: sum(r[k] for r in rs) / len(rs)  # noqa: E731
    dx, dy = mean(last, 1) - mean(first, 1), mean(last, 2) - mean(first, 2)
    ratio = mean(last, 0) / mean(first, 0)
    return motion_ok(case["motion"], dx, dy, ratio), "dx %+.1f dy %+.1f area x%.2f" % (dx, dy, ratio)


def motion_ok(m, dx, dy, ratio):
    """Whether a region whose centroid moved (dx, dy) pixels and whose area changed `ratio` times did motion m
    (also used by tools/demo-model/latent_judge.py on latent cells, in pixels)."""
    along = {"left": -dx, "right": dx, "up": -dy, "down": dy}
    if m in along:
        across = abs(dy) if m in ("left", "right") else abs(dx)
        return along[m] >= 8 and across <= max(4.0, along[m] / 2)
    if m == "growing":
        return ratio >= 1.8
    if m == "shrinking":
        return ratio <= 0.55
    return abs(dx) <= 4 and abs(dy) <= 4 and 0.67 <= ratio <= 1.5


def runs_of(cases, seeds):
    """[(seed, case)]: every case with `seeds` seeds, seed 1000 + i, then 1000 + i + 100000, ... (the first
    seed the same however many there are; tools/demo-model/latent_judge.py draws its seeds from here too)."""
    return [(1000 + i + 100000 * k, case) for k in range(seeds) for i, case in enumerate(cases)]


def render(exe, model, prompt, seed, folder):
    cmd = [exe, "generate", "--model", model, "--prompt", prompt, "--raw-prompt", "--frames", str(FRAMES),
           "--width", str(SIZE), "--height", str(SIZE), "--seed", str(seed), "--out", folder]
    if STEPS:
        cmd += ["--steps", STEPS]
    if GUIDANCE:
        cmd += ["--guidance", GUIDANCE]
    t0 = time.time()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (" ".join(cmd), r.returncode, r.stdout))
    return time.time() - t0


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    exe, model, held = sys.argv[1:]
    spec = json.load(open(held))
    palette = {k: tuple(v) for k, v in spec["palette"]["colours"].items()}
    palette.update({k: tuple(v) for k, v in spec["palette"]["backgrounds"].items()})
    cases = spec["prompts"]
    threshold = float(os.environ.get("DEMO_QUALITY_MIN", "0.85"))
    jobs = int(os.environ.get("DEMO_QUALITY_JOBS", "2"))
    seeds = int(os.environ.get("DEMO_QUALITY_SEEDS", "3"))
    runs = runs_of(cases, seeds)
    with tempfile.TemporaryDirectory() as tmp:
        folders = [os.path.join(tmp, "clip%03d" % i) for i in range(len(runs))]
        t0 = time.time()
        with ThreadPoolExecutor(jobs) as pool:
            seconds = list(pool.map(lambda i: render(exe, model, runs[i][1]["prompt"], runs[i][0], folders[i]),
                                    range(len(runs))))
        wall = time.time() - t0
        passed, per_seed = 0, [0] * seeds
        for n, (folder, (seed, case)) in enumerate(zip(folders, runs)):
            frames = [read_png(os.path.join(folder, "frame-%04d.png" % (f + 1))) for f in range(FRAMES)]
            tag = " (seed %d)" % seed if seeds > 1 else ""
            if any((w, h) != (SIZE, SIZE) for w, h, _ in frames):
                print("FAIL %s%s: frames are not %dx%d" % (case["prompt"], tag, SIZE, SIZE))
                continue
            ok, why = judge(frames, case, palette)
            passed += ok
            per_seed[n // len(cases)] += ok
            print("%s  %-58s %s%s" % ("ok  " if ok else "FAIL", case["prompt"], why, tag))
    hints = json.load(open(os.path.join(model, "model_index.json"))).get("_allegro_studio", {})
    print("sampling: %s steps, guidance %s (%s)" % (STEPS or hints.get("steps"), GUIDANCE or hints.get("guidance_scale"),
                                                    "from the environment" if STEPS or GUIDANCE else "the model's defaults"))
    if seeds > 1:
        print("prompts followed with each seed: %s of %d" % (", ".join(str(p) for p in per_seed), len(cases)))
    rate = passed / len(runs)
    what = "held-out prompts followed" if seeds == 1 else "held-out clips followed (%d prompts x %d seeds)" % (
        len(cases), seeds)
    print("%s: %d of %d (%.1f%%); threshold %.0f%%" % (what, passed, len(runs), 100 * rate, 100 * threshold))
    print("render time per clip: mean %.2f s, max %.2f s (%d at a time; %.1f s in all)" % (
        sum(seconds) / len(seconds), max(seconds), jobs, wall))
    return 0 if rate >= threshold else 1


if __name__ == "__main__":
    sys.exit(main())
