#!/usr/bin/python3
"""Writes the trained demo model in the Hugging Face layout of rhymes-ai/Allegro.

    export.py [--work DIR] [--out resources/demo-model] [--dtype f16|f32]

Folder: model_index.json, scheduler/scheduler_config.json, text_encoder/{config.json,model.safetensors},
tokenizer/{spiece.model,tokenizer_config.json,special_tokens_map.json}, transformer/{config.json,
diffusion_pytorch_model.safetensors}, vae/{config.json,diffusion_pytorch_model.safetensors}, README.md.
Tensor names are the published ones (allegro_torch.py's modules carry them). The text encoder stays F32
(it is tiny); the DiT and VAE are stored in --dtype (default F16) and loaded as the engine wants.
Also writes tests/demo/held-out.json: the held-out prompts and the palette the quality test checks against.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
sys.path.insert(0, HERE)
import make_data  # noqa: E402
import st_io  # noqa: E402
import train  # noqa: E402

S = make_data.SETTINGS


def dump(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def tensors(state, dtype):
    out = {}
    for k, v in state.items():
        a = v.detach().cpu().numpy()
        if a.dtype == np.float32 and dtype == "f16":
            a = a.astype(np.float16)
        out[k] = a
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--out", default=os.path.join(ROOT, "resources/demo-model"))
    ap.add_argument("--dtype", default="f16", choices=["f16", "f32"])
    a = ap.parse_args()
    out = a.out
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    ck = torch.load(os.path.join(a.work, "dit.pt"))
    vae_path = os.path.join(a.work, "vae-decoder.pt")
    if not os.path.exists(vae_path):  # the decoder stage is optional
        vae_path = os.path.join(a.work, "vae.pt")
    vae = torch.load(vae_path)
    meta = {"format": "pt"}

    dump(os.path.join(out, "model_index.json"), {
        "_class_name": "AllegroPipeline",
        "_diffusers_version": "0.37.1",
        # Ignored by diffusers (leading underscore): how this model was trained to be prompted.
        "_allegro_studio": {"demo": True, "prompt_templates": False, "negative_prompt": "",
                            "steps": S["sampling"]["steps"], "guidance_scale": S["sampling"]["guidance"],
                            "frames": S["data"]["frames"], "width": S["data"]["size"], "height": S["data"]["size"]},
        "scheduler": ["diffusers", "EulerAncestralDiscreteScheduler"],
        "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"],
        "transformer": ["diffusers", "AllegroTransformer3DModel"],
        "vae": ["diffusers", "AutoencoderKLAllegro"],
    })
    dump(os.path.join(out, "scheduler/scheduler_config.json"), {
        "_class_name": "EulerAncestralDiscreteScheduler",
        "_diffusers_version": "0.37.1",
        "beta_end": 0.02,
        "beta_schedule": "linear",
        "beta_start": 0.0001,
        "num_train_timesteps": 1000,
        "prediction_type": "epsilon",
        "rescale_betas_zero_snr": False,
        "steps_offset": 0,
        "timestep_spacing": "linspace",
        "trained_betas": None,
    })

    dump(os.path.join(out, "text_encoder/config.json"), ck.get("t5_config") or train.t5_config(ck["vocab"]))
    st_io.save(os.path.join(out, "text_encoder/model.safetensors"), tensors(ck["t5"], "f32"), meta)

    os.makedirs(os.path.join(out, "tokenizer"))
    shutil.copy(os.path.join(a.work, "spiece.model"), os.path.join(out, "tokenizer/spiece.model"))
    special = lambda c: {"content": c, "lstrip": False, "normalized": False, "rstrip": False,  # noqa: E731
                         "single_word": False, "special": True}
    dump(os.path.join(out, "tokenizer/tokenizer_config.json"), {
        "add_prefix_space": True,
        "added_tokens_decoder": {"0": special("<pad>"), "1": special("</s>"), "2": special("<unk>")},
        "additional_special_tokens": [],
        "clean_up_tokenization_spaces": True,
        "eos_token": "</s>",
        "extra_ids": 0,
        "legacy": True,
        "model_max_length": S["tokenizer"]["max_length"],
        "pad_token": "<pad>",
        "sp_model_kwargs": {},
        "tokenizer_class": "T5Tokenizer",
        "unk_token": "<unk>",
    })
    tok = lambda c: {k: v for k, v in special(c).items() if k != "special"}  # noqa: E731
    dump(os.path.join(out, "tokenizer/special_tokens_map.json"),
         {"eos_token": tok("</s>"), "pad_token": tok("<pad>"), "unk_token": tok("<unk>")})

    dump(os.path.join(out, "transformer/config.json"), ck.get("dit_config") or train.dit_config())
    st_io.save(os.path.join(out, "transformer/diffusion_pytorch_model.safetensors"), tensors(ck["dit"], a.dtype),
               meta)

    vcfg = train.vae_config()
    vcfg["scaling_factor"] = ck["scaling_factor"]
    dump(os.path.join(out, "vae/config.json"), vcfg)
    st_io.save(os.path.join(out, "vae/diffusion_pytorch_model.safetensors"), tensors(vae, a.dtype), meta)

    pal = S["palette"]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README.format(
            colours=", ".join(pal["colours"]), backgrounds=", ".join(pal["backgrounds"]),
            shapes=", ".join(S["shapes"]), frames=S["data"]["frames"], size=S["data"]["size"],
            steps=S["sampling"]["steps"], guidance=S["sampling"]["guidance"]))

    dump(os.path.join(ROOT, "tests/demo/held-out.json"), {
        "comment": "Written by tools/demo-model/export.py: caption combinations (colour, motion, background) "
                   "that the demo model never saw in training, and the palette of its clips.",
        "palette": pal,
        "prompts": [{"prompt": p, "colour": c, "shape": s, "motion": m, "background": b}
                    for p, c, s, m, b in make_data.held_out_prompts()],
    })
    total = 0
    for dp, _, fs in os.walk(out):
        for fn in fs:
            total += os.path.getsize(os.path.join(dp, fn))
    print("wrote %s (%.2f MB)" % (out, total / 1e6))


README = """# Allegro Studio demo model

A tiny model with exactly the architecture of rhymes-ai/Allegro (T5 encoder, AllegroTransformer3DModel,
AutoencoderKLAllegro, Euler-Ancestral scheduler), in the same folder layout and with the same tensor names,
trained by the Allegro Studio project on synthetic clips (tools/demo-model/). It exists so that the application
works out of the box; it knows nothing but its toy world.

Prompts: "a <colour> <shape> <motion> on a <background> background", where
- colour: {colours}
- shape: {shapes}
- motion: moving left, moving right, moving up, moving down, growing, shrinking, staying still
- background: {backgrounds}

Trained for {frames} frames of {size}x{size}, without Allegro's prompt templates and with an empty negative
prompt (`--raw-prompt`); its defaults: {steps} steps, guidance {guidance}.
"""

if __name__ == "__main__":
    sys.exit(main())
