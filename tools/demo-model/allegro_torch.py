"""Allegro's three networks in plain PyTorch, written from docs/allegro-spec.md.

- T5Encoder: the T5 v1.1 encoder (spec section 3), state_dict names of transformers' T5EncoderModel;
- AllegroTransformer3D: AllegroTransformer3DModel (section 5), names of diffusers;
- AllegroVAE: AutoencoderKLAllegro (section 6), names of diffusers; single-tile encode/decode.
Every size comes from the same config.json dictionaries the engine reads.
`verify.py` checks all three against the golden fixtures in tests/data/allegro-tiny.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- T5 encoder


class _T5Norm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        var = x.float().pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps)).to(x.dtype)


class _T5Attention(nn.Module):
    def __init__(self, cfg, has_bias):
        super().__init__()
        d, h, dk = cfg["d_model"], cfg["num_heads"], cfg["d_kv"]
        self.h, self.dk = h, dk
        self.q = nn.Linear(d, h * dk, bias=False)
        self.k = nn.Linear(d, h * dk, bias=False)
        self.v = nn.Linear(d, h * dk, bias=False)
        self.o = nn.Linear(h * dk, d, bias=False)
        if has_bias:
            self.relative_attention_bias = nn.Embedding(cfg["relative_attention_num_buckets"], h)

    def forward(self, x, bias):
        B, L, _ = x.shape
        q = self.q(x).view(B, L, self.h, self.dk).transpose(1, 2)
        k = self.k(x).view(B, L, self.h, self.dk).transpose(1, 2)
        v = self.v(x).view(B, L, self.h, self.dk).transpose(1, 2)
        s = q @ k.transpose(-1, -2) + bias  # no 1/sqrt(d) scaling
        a = torch.softmax(s.float(), dim=-1).to(v.dtype)
        return self.o((a @ v).transpose(1, 2).reshape(B, L, self.h * self.dk))


class _T5SelfLayer(nn.Module):
    def __init__(self, cfg, has_bias):
        super().__init__()
        self.SelfAttention = _T5Attention(cfg, has_bias)
        self.layer_norm = _T5Norm(cfg["d_model"], cfg["layer_norm_epsilon"])


class _T5Gated(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, ff = cfg["d_model"], cfg["d_ff"]
        self.wi_0 = nn.Linear(d, ff, bias=False)
        self.wi_1 = nn.Linear(d, ff, bias=False)
        self.wo = nn.Linear(ff, d, bias=False)

    def forward(self, x):
        return self.wo(F.gelu(self.wi_0(x), approximate="tanh") * self.wi_1(x))


class _T5FFLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.DenseReluDense = _T5Gated(cfg)
        self.layer_norm = _T5Norm(cfg["d_model"], cfg["layer_norm_epsilon"])


class _T5Block(nn.Module):
    def __init__(self, cfg, has_bias):
        super().__init__()
        self.layer = nn.ModuleList([_T5SelfLayer(cfg, has_bias), _T5FFLayer(cfg)])

    def forward(self, h, bias):
        a, f = self.layer
        h = h + a.SelfAttention(a.layer_norm(h), bias)
        return h + f.DenseReluDense(f.layer_norm(h))


class _T5Stack(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.block = nn.ModuleList([_T5Block(cfg, i == 0) for i in range(cfg["num_layers"])])
        self.final_layer_norm = _T5Norm(cfg["d_model"], cfg["layer_norm_epsilon"])


def t5_buckets(L, num_buckets, max_distance, device=None):
    pos = torch.arange(L, device=device)
    rel = pos[None, :] - pos[:, None]  # key - query
    n = num_buckets // 2
    ret = (rel > 0).long() * n
    r = rel.abs()
    exact = n // 2
    large = exact + (torch.log(r.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (n - exact)).long()
    large = torch.minimum(large, torch.full_like(large, n - 1))
    return ret + torch.where(r < exact, r, large)


class T5Encoder(nn.Module):
    """transformers' T5EncoderModel (encoder only): `shared.weight`, `encoder.*`."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.shared = nn.Embedding(cfg["vocab_size"], cfg["d_model"])
        self.encoder = _T5Stack(cfg)

    def forward(self, ids, mask):
        B, L = ids.shape
        h = self.shared(ids)
        b0 = self.encoder.block[0].layer[0].SelfAttention.relative_attention_bias
        buckets = t5_buckets(L, self.cfg["relative_attention_num_buckets"],
                             self.cfg["relative_attention_max_distance"], ids.device)
        bias = b0(buckets).permute(2, 0, 1)[None]  # (1, H, L, L)
        bias = bias + (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
        for blk in self.encoder.block:
            h = blk(h, bias)
        return self.encoder.final_layer_norm(h)


# ---------------------------------------------------------------- DiT


def timestep_sinusoid(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def rope_table(n, d, scale):
    """(n, d) cos and sin tables of one axis: halves concatenated, positions / scale."""
    inv = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = (torch.arange(n, dtype=torch.float32) / scale)[:, None] * inv[None]
    return torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)


def rope_tables(T, Hp, Wp, head_dim, scales):
    d = head_dim // 3
    ct, st = rope_table(T, d, scales[0])
    ch, sh = rope_table(Hp, d, scales[1])
    cw, sw = rope_table(Wp, d, scales[2])
    t = torch.arange(T).repeat_interleave(Hp * Wp)
    h = torch.arange(Hp).repeat_interleave(Wp).repeat(T)
    w = torch.arange(Wp).repeat(T * Hp)
    cos = torch.cat([ct[t], ch[h], cw[w]], -1)  # (N, head_dim)
    sin = torch.cat([st[t], sh[h], sw[w]], -1)
    return cos, sin


def sdpa(q, k, v, attn_mask=None):
    """softmax(q k^T / sqrt(d) + mask) v (torch 1.13 has no F.scaled_dot_product_attention)."""
    s = (q @ k.transpose(-1, -2)) * (q.shape[-1] ** -0.5)
    if attn_mask is not None:
        s = s + attn_mask
    return torch.softmax(s, dim=-1) @ v


def _rot(x, d):
    parts = []
    for c in range(3):
        xc = x[..., c * d:(c + 1) * d]
        parts.append(torch.cat([-xc[..., d // 2:], xc[..., :d // 2]], -1))
    return torch.cat(parts, -1)


class _Attn(nn.Module):
    def __init__(self, D, kv_dim, heads, bias=True):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(D, D, bias=bias)
        self.to_k = nn.Linear(kv_dim, D, bias=bias)
        self.to_v = nn.Linear(kv_dim, D, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(D, D, bias=bias)])

    def forward(self, x, ctx=None, mask_bias=None, rope=None):
        B, N, D = x.shape
        ctx = x if ctx is None else ctx
        hd = D // self.heads
        q = self.to_q(x).view(B, N, self.heads, hd).transpose(1, 2)
        k = self.to_k(ctx).view(B, -1, self.heads, hd).transpose(1, 2)
        v = self.to_v(ctx).view(B, -1, self.heads, hd).transpose(1, 2)
        if rope is not None:
            cos, sin = rope
            d = hd // 3
            q = (q.float() * cos + _rot(q.float(), d) * sin).to(v.dtype)
            k = (k.float() * cos + _rot(k.float(), d) * sin).to(v.dtype)
        o = sdpa(q, k, v, attn_mask=mask_bias)
        return self.to_out[0](o.transpose(1, 2).reshape(B, N, D))


class _FF(nn.Module):
    def __init__(self, D):
        super().__init__()
        proj = nn.Module()
        proj.proj = nn.Linear(D, 4 * D)
        self.net = nn.ModuleList([proj, nn.Identity(), nn.Linear(4 * D, D)])

    def forward(self, x):
        return self.net[2](F.gelu(self.net[0].proj(x), approximate="tanh"))


class _DiTBlock(nn.Module):
    def __init__(self, D, heads, eps):
        super().__init__()
        self.eps = eps
        self.scale_shift_table = nn.Parameter(torch.randn(6, D) / D ** 0.5)
        self.attn1 = _Attn(D, D, heads)
        self.attn2 = _Attn(D, D, heads)
        self.ff = _FF(D)

    def forward(self, h, temb6, ctx, mask_bias, rope):
        B, _, D = h.shape
        sh1, sc1, g1, sh2, sc2, g2 = (self.scale_shift_table[None] + temb6.reshape(B, 6, D)).chunk(6, dim=1)
        x = F.layer_norm(h, (D,), eps=self.eps) * (1 + sc1) + sh1
        h = h + g1 * self.attn1(x, rope=rope)
        h = h + self.attn2(h, ctx, mask_bias)
        x = F.layer_norm(h, (D,), eps=self.eps) * (1 + sc2) + sh2
        return h + g2 * self.ff(x)


class _Lin2(nn.Module):
    def __init__(self, a, b, act):
        super().__init__()
        self.linear_1 = nn.Linear(a, b)
        self.linear_2 = nn.Linear(b, b)
        self.act = act

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class AllegroTransformer3D(nn.Module):
    """diffusers' AllegroTransformer3DModel (T2V, ada_norm_single)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        D = cfg["num_attention_heads"] * cfg["attention_head_dim"]
        assert cfg["cross_attention_dim"] == D
        p = cfg["patch_size"]
        self.D, self.p = D, p
        self.pos_embed = nn.Module()
        self.pos_embed.proj = nn.Conv2d(cfg["in_channels"], D, p, p)
        self.adaln_single = nn.Module()
        self.adaln_single.emb = nn.Module()
        self.adaln_single.emb.timestep_embedder = _Lin2(256, D, F.silu)
        self.adaln_single.linear = nn.Linear(D, 6 * D)
        self.caption_projection = _Lin2(cfg["caption_channels"], D, lambda x: F.gelu(x, approximate="tanh"))
        eps = cfg.get("norm_eps", 1e-6)
        self.eps = eps
        self.transformer_blocks = nn.ModuleList(
            [_DiTBlock(D, cfg["num_attention_heads"], eps) for _ in range(cfg["num_layers"])])
        self.scale_shift_table = nn.Parameter(torch.randn(2, D) / D ** 0.5)
        self.proj_out = nn.Linear(D, p * p * cfg["out_channels"])

    def rope(self, T, H, W, device=None):
        c = self.cfg
        cos, sin = rope_tables(T, H // self.p, W // self.p, c["attention_head_dim"],
                               (c["interpolation_scale_t"], c["interpolation_scale_h"], c["interpolation_scale_w"]))
        return cos.to(device), sin.to(device)

    def forward(self, x, ctx, mask, timestep, rope=None):
        B, C, T, H, W = x.shape
        p, D = self.p, self.D
        if rope is None:
            rope = self.rope(T, H, W, x.device)
        h = self.pos_embed.proj(x.permute(0, 2, 1, 3, 4).reshape(B * T, C, H, W))
        h = h.flatten(2).transpose(1, 2).reshape(B, T * (H // p) * (W // p), D)
        et = self.adaln_single.emb.timestep_embedder(timestep_sinusoid(timestep).to(h.dtype))
        temb6 = self.adaln_single.linear(F.silu(et))
        ctx = self.caption_projection(ctx)
        mask_bias = ((1.0 - mask.to(h.dtype)) * -10000.0)[:, None, None, :]
        for blk in self.transformer_blocks:
            h = blk(h, temb6, ctx, mask_bias, rope)
        shift, scale = (self.scale_shift_table[None] + et[:, None]).chunk(2, dim=1)
        h = F.layer_norm(h, (D,), eps=self.eps) * (1 + scale) + shift
        h = self.proj_out(h)
        Co = self.cfg["out_channels"]
        h = h.reshape(B, T, H // p, W // p, 1, p, p, Co).permute(0, 7, 1, 4, 2, 5, 3, 6)
        return h.reshape(B, Co, T, H, W)


# ---------------------------------------------------------------- VAE


def _per_frame(fn, x):
    B, C, T, H, W = x.shape
    y = fn(x.permute(0, 2, 1, 3, 4).reshape(B * T, C, H, W))
    return y.reshape(B, T, *y.shape[1:]).permute(0, 2, 1, 3, 4)


def _pad_t(x):
    return torch.cat([x[:, :, :1], x, x[:, :, -1:]], dim=2)


class _Resnet(nn.Module):
    def __init__(self, cin, cout, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=1e-6)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout, eps=1e-6)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.conv_shortcut = nn.Conv2d(cin, cout, 1)
        else:
            self.conv_shortcut = None

    def forward2d(self, x):
        y = self.conv1(F.silu(self.norm1(x)))
        y = self.conv2(F.silu(self.norm2(y)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + y

    def forward(self, x):
        return _per_frame(self.forward2d, x)


def _seq(groups, C, conv, dropout):
    mods = [nn.GroupNorm(groups, C, eps=1e-5), nn.SiLU()]
    if dropout:
        mods.append(nn.Dropout(0.0))
    mods.append(conv)
    return nn.Sequential(*mods)


class _TempConv(nn.Module):
    """AllegroTemporalConvLayer: mode 'same', 'down' or 'up'."""

    def __init__(self, C, groups, mode="same"):
        super().__init__()
        self.mode = mode
        if mode == "same":
            k1, p1, k, p = (3, 1, 1), 0, (3, 1, 1), 0
            c1 = nn.Conv3d(C, C, k1, padding=p1)
        elif mode == "down":
            c1 = nn.Conv3d(C, C, (2, 3, 3), stride=(2, 1, 1), padding=(0, 1, 1))
            k, p = (3, 3, 3), (0, 1, 1)
        else:
            c1 = nn.Conv3d(C, 2 * C, (1, 3, 3), padding=(0, 1, 1))
            k, p = (3, 3, 3), (0, 1, 1)
        self.conv1 = _seq(groups, C, c1, False)
        self.conv2 = _seq(groups, C, nn.Conv3d(C, C, k, padding=p), True)
        self.conv3 = _seq(groups, C, nn.Conv3d(C, C, k, padding=p), True)
        self.conv4 = _seq(groups, C, nn.Conv3d(C, C, k, padding=p), False)
        self.C = C

    def forward(self, x):
        if self.mode == "same":
            ident = x
            h = self.conv1(_pad_t(x))
        elif self.mode == "down":
            ident = x[:, :, ::2]
            h = self.conv1(x)
        else:
            ident = x.repeat_interleave(2, dim=2)
            h = self.conv1(x)
            B, _, T, H, W = h.shape
            h = h.unflatten(1, (2, self.C)).permute(0, 2, 3, 1, 4, 5).flatten(2, 3)
        h = self.conv2(_pad_t(h))
        h = self.conv3(_pad_t(h))
        h = self.conv4(_pad_t(h))
        return ident + h


class _MidAttn(nn.Module):
    def __init__(self, C, groups):
        super().__init__()
        self.group_norm = nn.GroupNorm(groups, C, eps=1e-6)
        self.to_q = nn.Linear(C, C)
        self.to_k = nn.Linear(C, C)
        self.to_v = nn.Linear(C, C)
        self.to_out = nn.ModuleList([nn.Linear(C, C)])

    def forward2d(self, x):
        N, C, H, W = x.shape
        h = self.group_norm(x).flatten(2).transpose(1, 2)
        q, k, v = self.to_q(h), self.to_k(h), self.to_v(h)
        o = sdpa(q[:, None], k[:, None], v[:, None])[:, 0]
        o = self.to_out[0](o)
        return o.transpose(1, 2).reshape(N, C, H, W) + x

    def forward(self, x):
        return _per_frame(self.forward2d, x)


class _Mid(nn.Module):
    def __init__(self, C, groups):
        super().__init__()
        self.resnets = nn.ModuleList([_Resnet(C, C, groups), _Resnet(C, C, groups)])
        self.temp_convs = nn.ModuleList([_TempConv(C, groups), _TempConv(C, groups)])
        self.attentions = nn.ModuleList([_MidAttn(C, groups)])

    def forward(self, x):
        x = self.temp_convs[0](self.resnets[0](x))
        x = self.attentions[0](x)
        return self.temp_convs[1](self.resnets[1](x))


class _Down(nn.Module):
    def __init__(self, cin, cout, layers, groups, tdown, sdown):
        super().__init__()
        self.resnets = nn.ModuleList([_Resnet(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.temp_convs = nn.ModuleList([_TempConv(cout, groups) for _ in range(layers)])
        if tdown:
            self.temp_convs_down = _TempConv(cout, groups, "down")
        if sdown:
            m = nn.Module()
            m.conv = nn.Conv2d(cout, cout, 3, stride=2)
            self.downsamplers = nn.ModuleList([m])
        self.tdown, self.sdown = tdown, sdown

    def forward(self, x):
        for r, t in zip(self.resnets, self.temp_convs):
            x = t(r(x))
        if self.tdown:
            x = self.temp_convs_down(x)
        if self.sdown:
            x = _per_frame(lambda y: self.downsamplers[0].conv(F.pad(y, (0, 1, 0, 1))), x)
        return x


class _Up(nn.Module):
    def __init__(self, cin, cout, layers, groups, tup, sup):
        super().__init__()
        self.resnets = nn.ModuleList([_Resnet(cin if i == 0 else cout, cout, groups) for i in range(layers)])
        self.temp_convs = nn.ModuleList([_TempConv(cout, groups) for _ in range(layers)])
        if tup:
            self.temp_conv_up = _TempConv(cout, groups, "up")
        if sup:
            m = nn.Module()
            m.conv = nn.Conv2d(cout, cout, 3, padding=1)
            self.upsamplers = nn.ModuleList([m])
        self.tup, self.sup = tup, sup

    def forward(self, x):
        for r, t in zip(self.resnets, self.temp_convs):
            x = t(r(x))
        if self.tup:
            x = self.temp_conv_up(x)
        if self.sup:
            x = _per_frame(lambda y: self.upsamplers[0].conv(F.interpolate(y, scale_factor=2.0, mode="nearest")), x)
        return x


class _Coder(nn.Module):
    def __init__(self, cfg, decoder):
        super().__init__()
        ch = cfg["block_out_channels"]
        g = cfg["norm_num_groups"]
        n = len(ch)
        self.decoder = decoder
        if not decoder:
            self.conv_in = nn.Conv2d(cfg["in_channels"], ch[0], 3, padding=1)
            self.temp_conv_in = nn.Conv3d(ch[0], ch[0], (3, 1, 1), padding=(1, 0, 0))
            blocks, prev = [], ch[0]
            for i in range(n):
                blocks.append(_Down(prev, ch[i], cfg["layers_per_block"], g, cfg["temporal_downsample_blocks"][i],
                                    i < n - 1))
                prev = ch[i]
            self.down_blocks = nn.ModuleList(blocks)
            self.mid_block = _Mid(ch[-1], g)
            self.conv_norm_out = nn.GroupNorm(g, ch[-1], eps=1e-6)
            self.temp_conv_out = nn.Conv3d(ch[-1], ch[-1], (3, 1, 1), padding=(1, 0, 0))
            self.conv_out = nn.Conv2d(ch[-1], 2 * cfg["latent_channels"], 3, padding=1)
        else:
            rch = list(reversed(ch))
            self.conv_in = nn.Conv2d(cfg["latent_channels"], rch[0], 3, padding=1)
            self.temp_conv_in = nn.Conv3d(rch[0], rch[0], (3, 1, 1), padding=(1, 0, 0))
            self.mid_block = _Mid(rch[0], g)
            blocks, prev = [], rch[0]
            for i in range(n):
                blocks.append(_Up(prev, rch[i], cfg["layers_per_block"] + 1, g, cfg["temporal_upsample_blocks"][i],
                                  i < n - 1))
                prev = rch[i]
            self.up_blocks = nn.ModuleList(blocks)
            self.conv_norm_out = nn.GroupNorm(g, ch[0], eps=1e-6)
            self.temp_conv_out = nn.Conv3d(ch[0], ch[0], (3, 1, 1), padding=(1, 0, 0))
            self.conv_out = nn.Conv2d(ch[0], cfg["out_channels"], 3, padding=1)

    def forward(self, x):
        h = _per_frame(self.conv_in, x)
        h = h + self.temp_conv_in(h)
        if not self.decoder:
            for b in self.down_blocks:
                h = b(h)
            h = self.mid_block(h)
        else:
            h = self.mid_block(h)
            for b in self.up_blocks:
                h = b(h)
        h = _per_frame(lambda y: F.silu(self.conv_norm_out(y)), h)
        h = h + self.temp_conv_out(h)
        return _per_frame(self.conv_out, h)


class AllegroVAE(nn.Module):
    """diffusers' AutoencoderKLAllegro, for clips that are one tile (no blending)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.encoder = _Coder(cfg, False)
        self.decoder = _Coder(cfg, True)
        L = cfg["latent_channels"]
        self.quant_conv = nn.Conv2d(2 * L, 2 * L, 1)
        self.post_quant_conv = nn.Conv2d(L, L, 1)

    def encode_moments(self, video):
        """video (B, 3, F, H, W) in [-1, 1] -> (mean, logvar) (B, L, F/4, H/8, W/8)."""
        m = _per_frame(self.quant_conv, self.encoder(video))
        mean, logvar = m.chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z):
        """z (B, L, T, h, w), already divided by scaling_factor -> video (B, 3, 4T, 8h, 8w)."""
        return self.decoder(_per_frame(self.post_quant_conv, z))
