#!/usr/bin/python3
"""Trains the demo model from settings.json, in stages, into a work folder.

    train.py [--work DIR] [--threads N] [--device cpu|cuda] [stage ...]

Stages (all, in order, when none is named):
  tokenizer  SentencePiece unigram model on the training captions (spm_train, T5's ids: pad 0, eos 1, unk 2)
  vae        AutoencoderKLAllegro: the hand-built start (construct_vae), then crop_steps on 32x32 crops and
             full_steps on whole clips (0 and 0 in the shipped settings: the construction is the VAE)
  latents    encodes `transformer.clips` training clips once, and fixes the VAE's scaling_factor
  decoder    (optional, not in the default list) fine-tunes the decoder alone; export.py prefers its result
  dit        T5 encoder and DiT together, epsilon objective on the scheduler's training betas,
             caption dropout to "" for classifier-free guidance, an EMA of the weights
Then export.py writes resources/demo-model/ from the work folder.
Every random draw comes from settings.json's seed, so a run is reproducible (on the same
PyTorch build and thread count; CPU floating-point reductions may differ between machines).
"""
import os

# OpenMP threads that spin while they wait lose most of their time on a shared, oversubscribed machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import collections
import json
import math
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import allegro_torch as at  # noqa: E402
import make_data  # noqa: E402
import tokenize_t5  # noqa: E402

S = make_data.SETTINGS


def log(*a):
    print("[%s]" % time.strftime("%H:%M:%S"), *a, flush=True)


def vae_config():
    v = S["vae"]
    return {
        "_class_name": "AutoencoderKLAllegro",
        "_diffusers_version": "0.37.1",
        "act_fn": "silu",
        "block_out_channels": v["block_out_channels"],
        "down_block_types": ["AllegroDownBlock3D"] * 4,
        "force_upcast": True,
        "in_channels": 3,
        "latent_channels": v["latent_channels"],
        "layers_per_block": v["layers_per_block"],
        "norm_num_groups": v["norm_num_groups"],
        "out_channels": 3,
        "sample_size": S["data"]["size"],
        "scaling_factor": 1.0,
        "temporal_compression_ratio": 4,
        "temporal_downsample_blocks": [True, True, False, False],
        "temporal_upsample_blocks": [False, True, True, False],
        "up_block_types": ["AllegroUpBlock3D"] * 4,
    }


def t5_config(vocab):
    t = S["text_encoder"]
    return {
        "architectures": ["T5EncoderModel"],
        "classifier_dropout": 0.0,
        "d_ff": t["d_ff"],
        "d_kv": t["d_kv"],
        "d_model": t["d_model"],
        "decoder_start_token_id": 0,
        "dense_act_fn": "gelu_new",
        "dropout_rate": 0.1,
        "eos_token_id": 1,
        "feed_forward_proj": "gated-gelu",
        "initializer_factor": 1.0,
        "is_encoder_decoder": True,
        "is_gated_act": True,
        "layer_norm_epsilon": 1e-06,
        "model_type": "t5",
        "num_decoder_layers": t["num_layers"],
        "num_heads": t["num_heads"],
        "num_layers": t["num_layers"],
        "pad_token_id": 0,
        "relative_attention_max_distance": 128,
        "relative_attention_num_buckets": 32,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": "4.40.0.dev0",
        "use_cache": True,
        "vocab_size": vocab,
    }


def dit_config():
    d = S["transformer"]
    D = d["num_attention_heads"] * d["attention_head_dim"]
    f, s = S["data"]["frames"], S["data"]["size"]
    return {
        "_class_name": "AllegroTransformer3DModel",
        "_diffusers_version": "0.37.1",
        "activation_fn": "gelu-approximate",
        "attention_bias": True,
        "attention_head_dim": d["attention_head_dim"],
        "caption_channels": S["text_encoder"]["d_model"],
        "cross_attention_dim": D,
        "dropout": 0.0,
        "in_channels": S["vae"]["latent_channels"],
        # RoPE positions are divided by these; below 1 they turn further per token, which sharpens the
        # attention's sense of "one frame later, one cell across" on these tiny 4x4x4 token grids.
        "interpolation_scale_h": d.get("interpolation_scale", 1.0),
        "interpolation_scale_t": d.get("interpolation_scale_t", d.get("interpolation_scale", 1.0)),
        "interpolation_scale_w": d.get("interpolation_scale", 1.0),
        "norm_elementwise_affine": False,
        "norm_eps": 1e-06,
        "num_attention_heads": d["num_attention_heads"],
        "num_layers": d["num_layers"],
        "out_channels": S["vae"]["latent_channels"],
        "patch_size": d.get("patch_size", 2),
        "patch_size_t": 1,
        "sample_frames": f // 4,
        "sample_height": s // 8,
        "sample_width": s // 8,
    }


def lr_at(step, total, base, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def to_video(clips):
    """uint8 (B, F, H, W, 3) -> float (B, 3, F, H, W) in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(clips)).float() / 127.5 - 1.0
    return x.permute(0, 4, 1, 2, 3).contiguous()


# ------------------------------------------------------------------ stages


def stage_tokenizer(work):
    combos = make_data.training_combos()
    corpus = os.path.join(work, "captions.txt")
    with open(corpus, "w") as f:
        for c in combos:
            f.write(make_data.caption(*c) + "\n")
        # SentencePiece 0.1.97 seeds its unigram pieces with substrings seen at least twice among the distinct
        # words, so a word that is never part of another is cut into letters; one line of plural forms makes
        # every whole word a seed (the captions' counts then keep the words themselves).
        words = sorted({w for c in combos for w in make_data.caption(*c).split()})
        f.write(" ".join(w + "s" for w in words) + "\n")
    prefix = os.path.join(work, "spiece")
    # Run in the work folder with relative names: the model records its
    # training input and prefix, and a shipped model must not carry paths of
    # the machine that made it.
    cmd = ["spm_train", "--input=" + os.path.basename(corpus), "--model_prefix=spiece", "--model_type=unigram",
           "--vocab_size=%d" % S["tokenizer"]["vocab_size"], "--hard_vocab_limit=false",
           "--pad_id=0", "--eos_id=1", "--unk_id=2", "--bos_id=-1", "--pad_piece=<pad>", "--eos_piece=</s>",
           "--unk_piece=<unk>", "--character_coverage=1.0", "--num_threads=1", "--seed_sentencepiece_size=1000000",
           "--shuffle_input_sentence=false", "--minloglevel=1"]
    subprocess.run(cmd, check=True, cwd=work)
    tok = tokenize_t5.Tokenizer(prefix + ".model", S["tokenizer"]["max_length"])
    for c in combos[:3]:
        cap = make_data.caption(*c)
        log("tokens:", cap, "->", tok.encode(cap)[0])
    log("tokenizer: %d pieces" % tok.n_pieces)


def construct_vae(vae, A):
    """A hand-built starting point: every residual branch ends in zeros (the temporal layers' last conv,
    temp_conv_in/out, the resnets' conv2, the mid attention's output), the encoder averages 8x8 pixels of
    every 4th frame into latent channels 0-2 and the decoder repeats them back (nearest, 4 frames).

    GroupNorm removes a group's mean and scale, so a flat frame would lose its colour: conv_in adds constant
    anchor channels (+A, -A, +A, -A) and a channel -(r+g+b) to group 0, which pin the group's mean to 0
    and its variance to about 4A^2/n, making the two non-residual norms (conv_norm_out) nearly linear; their
    affine maps and the SiLU (at +12, where it is the identity to 1e-4) pass the colour through.
    Training then learns the detail from there, instead of learning colour through the norms from scratch."""
    cfg = vae.cfg
    ch = cfg["block_out_channels"]
    gsize_enc = ch[-1] // cfg["norm_num_groups"]
    gsize_dec = ch[0] // cfg["norm_num_groups"]
    assert gsize_enc >= 8 and gsize_dec >= 8, "need 8 channels in group 0"
    with torch.no_grad():
        for name, m in vae.named_modules():
            if isinstance(m, at._TempConv):
                zero = [m.conv4[-1]]
            elif isinstance(m, at._Resnet):
                zero = [m.conv2]
            elif isinstance(m, at._MidAttn):
                zero = [m.to_out[0]]
            elif name.endswith("temp_conv_in") or name.endswith("temp_conv_out"):
                zero = [m]
            else:
                continue
            for z in zero:
                z.weight.zero_()
                z.bias.zero_()

        def colour_in(conv):
            conv.weight.zero_()
            conv.bias.zero_()
            for k in range(3):
                conv.weight[k, k, 1, 1] = 1.0
                conv.weight[7, k, 1, 1] = -1.0
            conv.bias[3:7] = torch.tensor([A, -A, A, -A])

        def embed(conv):  # 1x1 shortcut: keep the first channels
            conv.weight.zero_()
            conv.bias.zero_()
            for k in range(min(conv.weight.shape[:2])):
                conv.weight[k, k, 0, 0] = 1.0

        def norm_out(gn, group):
            gn.weight.zero_()
            gn.bias.zero_()
            gn.weight[:3] = (4 * A * A / group) ** 0.5
            gn.bias[:3] = 12.0

        def colour_out(conv, extra_bias=None):
            conv.weight.zero_()
            conv.bias.zero_()
            for k in range(3):
                conv.weight[k, k, 1, 1] = 1.0
                conv.bias[k] = -12.0

        e, d = vae.encoder, vae.decoder
        colour_in(e.conv_in)
        for b in e.down_blocks:
            if b.resnets[0].conv_shortcut is not None:
                embed(b.resnets[0].conv_shortcut)
            if b.sdown:
                w = b.downsamplers[0].conv
                w.weight.zero_()
                w.bias.zero_()
                for c in range(w.weight.shape[0]):
                    w.weight[c, c, 0:2, 0:2] = 0.25
        norm_out(e.conv_norm_out, gsize_enc)
        colour_out(e.conv_out)
        L = cfg["latent_channels"]
        e.conv_out.bias[L:] = -12.0  # log-variance: std e^-6
        embed(vae.quant_conv)
        embed(vae.post_quant_conv)
        colour_in(d.conv_in)
        for b in d.up_blocks:
            if b.resnets[0].conv_shortcut is not None:
                embed(b.resnets[0].conv_shortcut)
            if b.sup:
                w = b.upsamplers[0].conv
                w.weight.zero_()
                w.bias.zero_()
                for c in range(w.weight.shape[0]):
                    w.weight[c, c, 1, 1] = 1.0
        norm_out(d.conv_norm_out, gsize_dec)
        colour_out(d.conv_out)


def stage_vae(work, device):
    v = S["vae"]
    torch.manual_seed(S["seed"])
    rng = np.random.default_rng(S["seed"] + 1)
    vae = at.AllegroVAE(vae_config())
    construct_vae(vae, v["anchor"])
    vae = vae.to(device)
    opt = torch.optim.AdamW(vae.parameters(), lr=v["lr"], weight_decay=0.0)
    ema_psnr = None
    combos = make_data.training_combos()
    size, crop = S["data"]["size"], v["crop"]
    total = v["crop_steps"] + v["full_steps"]
    t0 = time.time()
    for step in range(total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, v["lr"], 50)
        clips = np.stack([make_data.sample(rng, combos)[1] for _ in range(v["batch"])])
        if step < v["crop_steps"]:
            out = []
            for c in clips:
                y, x = rng.integers(0, size - crop + 1, 2)
                out.append(c[:, y:y + crop, x:x + crop])
            clips = np.stack(out)
        x = to_video(clips).to(device)
        mean, logvar = vae.encode_moments(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = vae.decode(z)
        rec = F.mse_loss(y, x) + 0.5 * F.l1_loss(y, x)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        loss = rec + v["kl_weight"] * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
        opt.step()
        psnr = 10 * math.log10(4.0 / max(F.mse_loss(y.detach().clamp(-1, 1), x).item(), 1e-10))
        ema_psnr = psnr if ema_psnr is None else 0.9 * ema_psnr + 0.1 * psnr
        if step % 10 == 0 or step == total - 1:
            log("vae step %d/%d rec %.4f kl %.3f psnr %.1f dB (%.0f s)" % (step, total, rec.item(), kl.item(),
                                                                          ema_psnr, time.time() - t0))
    torch.save(vae.state_dict(), os.path.join(work, "vae.pt"))


def stage_decoder(work, device):
    """Fine-tunes the decoder alone on whole clips; the encoder (and so the DiT's latent space) stays fixed."""
    v = S["vae"]
    torch.manual_seed(S["seed"] + 5)
    rng = np.random.default_rng(S["seed"] + 6)
    vae = at.AllegroVAE(vae_config()).to(device)
    vae.load_state_dict(torch.load(os.path.join(work, "vae.pt")))
    params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    opt = torch.optim.Adam(params, lr=v["decoder_lr"])
    combos = make_data.training_combos()
    total, ema_psnr, t0 = v["decoder_steps"], None, time.time()
    for step in range(total):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, v["decoder_lr"], 20)
        x = to_video(np.stack([make_data.sample(rng, combos)[1] for _ in range(v["batch"])])).to(device)
        with torch.no_grad():
            mean, _ = vae.encode_moments(x)
        y = vae.decode(mean)
        loss = F.mse_loss(y, x) + 0.5 * F.l1_loss(y, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        psnr = 10 * math.log10(4.0 / max(F.mse_loss(y.detach().clamp(-1, 1), x).item(), 1e-10))
        ema_psnr = psnr if ema_psnr is None else 0.9 * ema_psnr + 0.1 * psnr
        if step % 10 == 0 or step == total - 1:
            log("decoder step %d/%d psnr %.1f dB (%.0f s)" % (step, total, ema_psnr, time.time() - t0))
        if (step + 1) % 50 == 0 or step == total - 1:
            torch.save(vae.state_dict(), os.path.join(work, "vae-decoder.pt"))


def stage_latents(work, device):
    d = S["transformer"]
    vae = at.AllegroVAE(vae_config()).to(device)
    vae.load_state_dict(torch.load(os.path.join(work, "vae.pt")))
    vae.eval()
    tok = tokenize_t5.Tokenizer(os.path.join(work, "spiece.model"), S["tokenizer"]["max_length"])
    rng = np.random.default_rng(S["seed"] + 2)
    combos = make_data.training_combos()
    means, stds, ids, masks = [], [], [], []
    t0 = time.time()
    psnr = []
    # The constructed encoder (no VAE training steps) is an 8x8 average of every 4th frame (construct_vae):
    # computed directly, after checking it against the encoder itself on the first batch.
    constructed = S["vae"]["crop_steps"] + S["vae"]["full_steps"] == 0
    # "majority" (constructed VAE only): every latent cell holds the colour that covers most of its 8x8 pixels
    # instead of their mean. The constructed decoder repeats a cell over its pixels, so a sample from a DiT
    # trained on these decodes to the clips' own colours; with cell means, the cells on a shape's edge decode
    # to blends (red on black -> brown) that are neither the shape's colour nor the background's.
    majority = S["vae"].get("latent_cells", "mean") == "majority"
    assert constructed or not majority, "majority cells need the constructed VAE"
    with torch.no_grad():
        for i in range(0, d["clips"], 16):
            batch = [make_data.sample(rng, combos, cells=8 if majority else 0) for _ in range(min(16, d["clips"] - i))]
            if majority:
                cells = np.stack([b[1][1][::4] for b in batch])  # (B, T, 8, 8, 3)
                batch = [(cap, clip) for cap, (clip, _) in batch]
            x = to_video(np.stack([b[1] for b in batch])).to(device)
            if constructed:
                mean = F.avg_pool3d(x[:, :, ::4], (1, 8, 8))
                mean = torch.cat([mean, torch.zeros_like(mean[:, :1])], 1)
                logvar = torch.full_like(mean, -12.0)
            if i == 0 or not constructed:
                m, lv = vae.encode_moments(x)
                if constructed:
                    err = (m - mean).abs().max().item()
                    log("constructed encoder against 8x8 pooling: max difference %.1e" % err)
                    assert err < 1e-2
                mean, logvar = m, lv
            if majority:
                maj = torch.from_numpy(cells).float().div(127.5).sub(1.0).permute(0, 4, 1, 2, 3)
                if i == 0:
                    log("majority cells against the encoder's means: mean |difference| %.3f, cells that differ %.1f%%"
                        % ((maj - mean[:, :3]).abs().mean().item(),
                           100.0 * ((maj - mean[:, :3]).abs().amax(1) > 0.1).float().mean().item()))
                mean = torch.cat([maj, torch.zeros_like(maj[:, :1])], 1).to(device)
            means.append(mean.cpu())
            stds.append(torch.exp(0.5 * logvar).cpu())
            for cap, _ in batch:
                a, m = tok.encode(cap)
                ids.append(a)
                masks.append(m)
            if i % 800 == 0:
                y = vae.decode(mean).clamp(-1, 1)
                psnr.append(10 * math.log10(4.0 / F.mse_loss(y, x).item()))
                log("latents %d/%d (%.0f s), decode psnr %.1f dB" % (i, d["clips"], time.time() - t0, psnr[-1]))
    mean = torch.cat(means)
    sf = 1.0 / mean.std().item()
    sf = float("%.4g" % sf)
    log("latent std %.4f -> scaling_factor %.4g; mean psnr %.1f dB" % (1 / sf, sf, sum(psnr) / len(psnr)))
    torch.save({"mean": mean, "std": torch.cat(stds), "ids": torch.tensor(ids), "mask": torch.tensor(masks),
                "scaling_factor": sf}, os.path.join(work, "latents.pt"))


def alphas_cumprod():
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float32)  # scheduler_config.json: linear
    return torch.cumprod(1.0 - betas, dim=0)


def balance_weights(ids, tok, rounds=100):
    """A sampling weight for every training clip (ids: its caption's token ids) such that every pair of
    (colour, motion) and every pair of (motion, background) is drawn about equally often.

    The held-out triples leave holes in the pairs: only 3 of the 8 colours ever move right on a brown
    background in training, against 8 for most pairs, so drawing clips uniformly shows "right on brown" 3/8 as
    often as "right on white", and the model ties it to those 3 colours. The weights of the training triples
    are raked (iterative proportional fitting) towards uniform pair counts; a clip's weight is its triple's
    divided by the number of its triple's clips."""
    combos = make_data.training_combos()
    triple_of = {tuple(tok.encode(make_data.caption(*k))[0]): (k[0], k[2], k[3]) for k in combos}
    clip_triples = [triple_of[tuple(row)] for row in ids.tolist()]
    triples = sorted(set(clip_triples))
    w = {t: 1.0 for t in triples}

    def totals(a, b):
        tot = collections.Counter()
        for t in triples:
            tot[t[a], t[b]] += w[t]
        return tot

    for _ in range(rounds):
        for a, b in ((0, 1), (1, 2)):  # (colour, motion), (motion, background)
            tot = totals(a, b)
            mean = sum(tot.values()) / len(tot)
            for t in triples:
                w[t] *= mean / tot[t[a], t[b]]
    n = collections.Counter(clip_triples)
    out = torch.tensor([w[t] / n[t] for t in clip_triples], dtype=torch.float64)
    spread = totals(1, 2).values()
    log("balanced sampling: triple weights %.2f to %.2f; (motion, background) pair totals %.2f to %.2f"
        % (min(w.values()), max(w.values()), min(spread), max(spread)))
    return out / out.sum()


def stage_dit(work, device, overrides=None):
    d = dict(S["transformer"], **(overrides or {}))
    torch.manual_seed(S["seed"] + 3)
    gen = torch.Generator().manual_seed(S["seed"] + 4)
    data = torch.load(os.path.join(work, "latents.pt"))
    # Latents scaled to a std of `latent_scale` rather than 1: with the scheduler's non-zero terminal SNR and
    # epsilon prediction, the first steps' x0 estimates carry errors of (eps error) * 157 / scaling_factor,
    # which lock in a wrong background colour on 64-token latents; a larger scale shrinks them.
    sf = float("%.4g" % (data["scaling_factor"] * d["latent_scale"]))
    log("scaling_factor %.4g (latent std %.1f)" % (sf, d["latent_scale"]))
    tok = tokenize_t5.Tokenizer(os.path.join(work, "spiece.model"), S["tokenizer"]["max_length"])
    empty_ids, empty_mask = (torch.tensor(a) for a in tok.encode(""))
    t5 = at.T5Encoder(t5_config(tok.vocab_size())).to(device)
    dit = at.AllegroTransformer3D(dit_config()).to(device)
    for m in (t5, dit):
        for name, p in m.named_parameters():
            if p.dim() >= 2 and "shared" not in name and "relative_attention_bias" not in name:
                torch.nn.init.xavier_uniform_(p.view(p.shape[0], -1))
        for name, p in m.named_parameters():
            if name.endswith(".bias") and p.dim() == 1:
                torch.nn.init.zeros_(p)
    # adaLN-zero style start: every block begins as the identity, the output as zero.
    for blk in dit.transformer_blocks:
        torch.nn.init.zeros_(blk.attn1.to_out[0].weight)
        torch.nn.init.zeros_(blk.ff.net[2].weight)
    torch.nn.init.zeros_(dit.proj_out.weight)
    torch.nn.init.normal_(t5.shared.weight, std=1.0)
    if d.get("init"):  # continue from a checkpoint's weights (a new optimiser and schedule)
        ck = torch.load(os.path.join(work, d["init"]))
        t5.load_state_dict(ck["t5"])
        dit.load_state_dict(ck["dit"])
        log("weights from %s (step %s)" % (d["init"], ck.get("step")))
    params = list(t5.parameters()) + list(dit.parameters())
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.AdamW(params, lr=d["lr"], weight_decay=0.01)
    acp = alphas_cumprod().to(device)
    N = data["mean"].shape[0]
    rope = dit.rope(*data["mean"].shape[2:], device)
    t0 = time.time()
    run = 0.0
    weights = balance_weights(data["ids"], tok) if d.get("balance") else None
    for step in range(d["steps"]):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, d["steps"], d["lr"], d["warmup"])
        if weights is None:
            idx = torch.randint(0, N, (d["batch"],), generator=gen)
        else:
            idx = torch.multinomial(weights, d["batch"], replacement=True, generator=gen)
        z0 = data["mean"][idx] + data["std"][idx] * torch.randn(data["mean"][idx].shape, generator=gen)
        z0 = (z0 * sf).to(device)
        ids, mask = data["ids"][idx].clone(), data["mask"][idx].clone()
        drop = torch.rand(d["batch"], generator=gen) < d["caption_dropout"]
        ids[drop], mask[drop] = empty_ids, empty_mask
        t = torch.randint(0, 1000, (d["batch"],), generator=gen)
        eps = torch.randn(z0.shape, generator=gen).to(device)
        a = acp[t.to(device)].view(-1, 1, 1, 1, 1)
        xt = a.sqrt() * z0 + (1 - a).sqrt() * eps
        ctx = t5(ids.to(device), mask.to(device))
        pred = dit(xt, ctx, mask.to(device), t.float().to(device), rope)
        # Min-SNR weighting (Hang et al. 2023) for epsilon prediction: min(SNR, gamma) / SNR, with the SNR of
        # the scaled latents (std latent_scale). Low-noise steps, where epsilon is mostly the clip's fine
        # detail, stop dominating the loss; the mid-noise steps that decide layout and motion weigh more.
        snr = a.view(-1) / (1 - a.view(-1)) * d["latent_scale"] ** 2
        w = snr.clamp(max=d["min_snr_gamma"]) / snr
        loss = (w * (pred - eps).pow(2).mean(dim=(1, 2, 3, 4))).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            k = min(d["ema"], (1 + step) / (10 + step))
            for e, p in zip(ema, params):
                e.mul_(k).add_(p.detach(), alpha=1 - k)
        run = loss.item() if step == 0 else 0.98 * run + 0.02 * loss.item()
        if step % 100 == 0 or step == d["steps"] - 1:
            log("dit step %d/%d loss %.4f (%.0f s)" % (step, d["steps"], run, time.time() - t0))
        if (step + 1) % 500 == 0 or step == d["steps"] - 1:
            save_dit(work, t5, dit, ema, params, tok, sf, step + 1)


def stage_finetune(work, device):
    """A second, shorter DiT run at a lower learning rate from the `dit` stage's weights (settings.json
    "finetune": its keys replace the transformer's for this run); the first run's checkpoint is kept as
    dit-base.pt."""
    base = os.path.join(work, "dit-base.pt")
    if not os.path.exists(base):
        shutil.copyfile(os.path.join(work, "dit.pt"), base)
    stage_dit(work, device, dict({k: v for k, v in S["finetune"].items() if k != "comment"}, init="dit-base.pt"))


def save_dit(work, t5, dit, ema, params, tok, sf, step):
    with torch.no_grad():
        live = [p.detach().clone() for p in params]
        for p, e in zip(params, ema):
            p.copy_(e)
        torch.save({"t5": t5.state_dict(), "dit": dit.state_dict(), "vocab": tok.vocab_size(),
                    "scaling_factor": sf, "step": step,
                    "t5_config": t5_config(tok.vocab_size()), "dit_config": dit_config()}, os.path.join(work, "dit.pt"))
        for p, v in zip(params, live):
            p.copy_(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(HERE, "work"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=JSON",
                    help="overrides one setting of settings.json for this run (experiments); repeatable")
    ap.add_argument("stages", nargs="*", default=["tokenizer", "vae", "latents", "dit", "finetune"])
    a = ap.parse_args()
    for o in a.set:
        key, value = o.split("=", 1)
        section, name = key.split(".")
        S[section][name] = json.loads(value)
        log("setting %s = %s" % (key, value))
    os.makedirs(a.work, exist_ok=True)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)  # subnormal floats are very slow on x86
    for s in a.stages:
        t0 = time.time()
        log("stage", s)
        if s == "tokenizer":
            stage_tokenizer(a.work)
        else:
            globals()["stage_" + s](a.work, a.device)
        log("stage %s done in %.0f s" % (s, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
