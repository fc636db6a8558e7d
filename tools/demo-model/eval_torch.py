#!/usr/bin/python3
"""The quality test's judgement on PyTorch renders of an exported model (quick, while tuning training).

    eval_torch.py [--model resources/demo-model] [--guidance G] [--steps N] (default: settings.json "sampling") [--train]

Renders every held-out prompt (tests/demo/held-out.json) with bench_torch.py's PyTorch pipeline and judges
it with tests/demo/test-demo-quality.py's checks; --train uses prompts seen in training instead.
"""
import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
sys.path.insert(0, HERE)
import bench_torch  # noqa: E402
import make_data  # noqa: E402

spec = importlib.util.spec_from_file_location("quality", os.path.join(ROOT, "tests/demo/test-demo-quality.py"))
quality = importlib.util.module_from_spec(spec)
spec.loader.exec_module(quality)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "resources/demo-model"))
    ap.add_argument("--guidance", type=float, default=make_data.SETTINGS["sampling"]["guidance"])
    ap.add_argument("--steps", type=int, default=make_data.SETTINGS["sampling"]["steps"])
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N prompts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    held = json.load(open(os.path.join(ROOT, "tests/demo/held-out.json")))
    palette = {k: tuple(v) for k, v in held["palette"]["colours"].items()}
    palette.update({k: tuple(v) for k, v in held["palette"]["backgrounds"].items()})
    cases = held["prompts"]
    if a.train:
        rng = np.random.default_rng(5)
        combos = make_data.training_combos()
        cases = []
        for i in rng.choice(len(combos), 48, replace=False):
            c, s, m, b = combos[i]
            cases.append({"prompt": make_data.caption(c, s, m, b), "colour": c, "motion": m, "background": b})
    if a.limit:
        cases = cases[:a.limit]
    p = bench_torch.TorchPipeline(a.model, "cpu")
    passed = 0
    for i, case in enumerate(cases):
        rgb, _ = p.generate(case["prompt"], 16, 64, a.steps, a.guidance, 1000 + i)
        frames = [(64, 64, f.tobytes()) for f in rgb]
        ok, why = quality.judge(frames, case, palette)
        passed += ok
        print("%s  %-58s %s" % ("ok  " if ok else "FAIL", case["prompt"], why), flush=True)
    print("followed %d of %d (%.0f%%)" % (passed, len(cases), 100.0 * passed / len(cases)))


if __name__ == "__main__":
    main()
