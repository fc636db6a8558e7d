#!/usr/bin/env python3
"""Checks allegro_torch.py against the golden fixtures of the reference (diffusers/transformers).

Usage: verify.py [tests/data/allegro-tiny]
Loads the tiny random model, runs T5, the DiT and the VAE encoder/decoder on the fixtures' inputs and
prints the largest relative difference of each; exits 1 when one exceeds 1e-4 (the fixtures' tolerance).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allegro_torch as at  # noqa: E402
import st_io  # noqa: E402


def load_module(module, path):
    sd = {k: torch.from_numpy(v) for k, v in st_io.load(path).items()}
    missing, unexpected = module.load_state_dict(sd, strict=False)
    missing = [m for m in missing if m != "shared.weight" or "shared.weight" not in sd]
    if missing or unexpected:
        raise SystemExit("%s: missing %s, unexpected %s" % (path, missing, unexpected))
    return module.eval()


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/data/allegro-tiny")
    model = os.path.join(root, "model")
    case = lambda n: st_io.load(os.path.join(root, "cases", n + ".safetensors"))  # noqa: E731
    cfg = lambda c: json.load(open(os.path.join(model, c, "config.json")))  # noqa: E731
    worst = 0.0
    torch.set_grad_enabled(False)

    t5 = load_module(at.T5Encoder(cfg("text_encoder")), os.path.join(model, "text_encoder/model.safetensors"))
    c = case("t5_encoder")
    out = t5(torch.from_numpy(c["in.input_ids"]), torch.from_numpy(c["in.attention_mask"]))
    r = rel(out, c["out.last_hidden_state"])
    print("t5_encoder            rel %.2e" % r)
    worst = max(worst, r)

    dit = load_module(at.AllegroTransformer3D(cfg("transformer")),
                      os.path.join(model, "transformer/diffusion_pytorch_model.safetensors"))
    c = case("dit_forward")
    x = torch.from_numpy(c["in.hidden_states"])
    B, C, T, H, W = x.shape
    cos, sin = dit.rope(T, H, W)
    # Our tables against the reference's (what the pipeline passed in).
    d = dit.cfg["attention_head_dim"] // 3
    ref_cos = np.concatenate([c["in.rope_t_cos"][c["in.rope_pos_t"][0]], c["in.rope_h_cos"][c["in.rope_pos_h"][0]],
                              c["in.rope_w_cos"][c["in.rope_pos_w"][0]]], -1)
    r = rel(cos, ref_cos)
    print("rope tables           rel %.2e" % r)
    worst = max(worst, r)
    assert cos.shape[-1] == 3 * d
    out = dit(x, torch.from_numpy(c["in.encoder_hidden_states"]), torch.from_numpy(c["in.encoder_attention_mask"]),
              torch.from_numpy(c["in.timestep"]))
    r = rel(out, c["out.sample"])
    print("dit_forward           rel %.2e" % r)
    worst = max(worst, r)

    vae = load_module(at.AllegroVAE(cfg("vae")), os.path.join(model, "vae/diffusion_pytorch_model.safetensors"))
    c = case("vae_encoder_core")
    r = rel(vae.encoder(torch.from_numpy(c["in.video"])), c["out.h"])
    print("vae_encoder_core      rel %.2e" % r)
    worst = max(worst, r)
    c = case("vae_decoder_core")
    r = rel(vae.decoder(torch.from_numpy(c["in.z"])), c["out.video"])
    print("vae_decoder_core      rel %.2e" % r)
    worst = max(worst, r)

    print("worst %.2e: %s" % (worst, "OK" if worst <= 1e-4 else "MISMATCH"))
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
