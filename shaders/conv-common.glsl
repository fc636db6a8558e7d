// conv-common.glsl: what the three implicit-GEMM convolution kernels share
// (conv_lvp.comp, conv_tiled.comp, conv_nvcm.comp).  Include after common.glsl.
//
// GEMM view: M = Cout (weight rows), N = output pixels of every batch entry,
// K = Cin * KT * KH * KW (a weight row, contiguous).  Column n of the virtual
// im2col matrix is gathered from x on the fly; nothing is written but d.
//
// Specialization constants (the host fills all 16, engine/ops/conv.c):
//   0 workgroup size, 1-3 kernel KT KH KW, 4-6 stride, 7-9 pad before,
//   10 MODE: bit a (0 T, 1 H, 2 W) replicate padding on that axis, else zeros;
//           bit 3 nearest x2 upsampling of H and W folded into the gather,
//   11-15 the tile: BM, BN, BK and TM, TN (their meaning is per kernel).

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint KT = 1;
layout(constant_id = 2) const uint KH = 1;
layout(constant_id = 3) const uint KW = 1;
layout(constant_id = 4) const uint ST = 1;
layout(constant_id = 5) const uint SH = 1;
layout(constant_id = 6) const uint SW = 1;
layout(constant_id = 7) const int PT = 0;
layout(constant_id = 8) const int PH = 0;
layout(constant_id = 9) const int PW = 0;
layout(constant_id = 10) const uint MODE = 0;
layout(constant_id = 11) const uint BM = 64;
layout(constant_id = 12) const uint BN = 64;
layout(constant_id = 13) const uint BK = 16;
layout(constant_id = 14) const uint TM = 4;
layout(constant_id = 15) const uint TN = 4;

const uint KHW = KH * KW;
const uint KVOL = KT * KH * KW;
const bool REPLICATE_T = (MODE & 1u) != 0u;
const bool REPLICATE_H = (MODE & 2u) != 0u;
const bool REPLICATE_W = (MODE & 4u) != 0u;
const uint UP = (MODE >> 3) & 1u;

const uint FLAG_BIAS = 1u;       // add bias[m]
const uint FLAG_ACCUMULATE = 2u; // add to what d holds (input-channel chunks after the first)

layout(std430, binding = 0) buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer X { A_T x[]; };
layout(std430, binding = 2) readonly buffer Wt { A_T wt[]; };
layout(std430, binding = 3) readonly buffer Bias { A_T bias[]; };

// Mirrored by conv_push in engine/ops/conv.c.
layout(push_constant) uniform Push {
    uint m;              // output channels in this dispatch
    uint cin;            // input channels in this dispatch (K = cin * KVOL)
    uint batch;          // batch entries in this dispatch
    uint t, h, w;        // input sizes, before upsampling
    uint ot, oh, ow;     // output sizes
    uint off_x, off_w, off_b, off_d;
    uint x_batch_stride; // elements between batch entries of x
    uint d_batch_stride; // ... of d
    uint w_row_stride;   // elements between output channels of the weight
    uint flags;
} p;

// Output pixels of all batch entries: the GEMM's N.
uint conv_columns()
{
    return p.batch * p.ot * p.oh * p.ow;
}

// Where column n's window starts: x's element offset of its batch entry, and
// the first tap's coordinates in the (virtual, upsampled) input, which may be
// negative or past the end where padding applies.
struct ConvColumn {
    uint base;
    int t0, h0, w0;
};

ConvColumn conv_column(uint n)
{
    uint pix = p.ot * p.oh * p.ow;
    uint b = n / pix;
    uint r = n - b * pix;
    uint ot = r / (p.oh * p.ow);
    r -= ot * (p.oh * p.ow);
    uint oh = r / p.ow;
    uint ow = r - oh * p.ow;
    ConvColumn c;
    c.base = p.off_x + b * p.x_batch_stride;
    c.t0 = int(ot * ST) - PT;
    c.h0 = int(oh * SH) - PH;
    c.w0 = int(ow * SW) - PW;
    return c;
}

// x at input channel ci, tap (kt, kh, kw) of column c, as PyTorch's
// F.pad + conv sees it.  The coordinate is clamped first, so the load is
// always in bounds (replicate padding is that clamp), and a zero-padded axis
// then selects 0: no branch around the load.
float conv_x(ConvColumn c, uint ci, uint kt, uint kh, uint kw)
{
    int it = c.t0 + int(kt);
    int ih = c.h0 + int(kh);
    int iw = c.w0 + int(kw);
    int vt = int(p.t);
    int vh = int(p.h << UP);
    int vw = int(p.w << UP);
    bool inside = true;
    if (!REPLICATE_T)
        inside = inside && uint(it) < uint(vt);
    if (!REPLICATE_H)
        inside = inside && uint(ih) < uint(vh);
    if (!REPLICATE_W)
        inside = inside && uint(iw) < uint(vw);
    uint st = uint(clamp(it, 0, vt - 1));
    uint sh = uint(clamp(ih, 0, vh - 1)) >> UP;
    uint sw = uint(clamp(iw, 0, vw - 1)) >> UP;
    uint index = c.base + ((ci * p.t + st) * p.h + sh) * p.w + sw;
    float v = A_LOAD(x[index]);
    return inside ? v : 0.0;
}

// x for GEMM row k (input channel and tap) of column c.
float conv_x_k(ConvColumn c, uint k)
{
    uint ci = k / KVOL;
    uint tap = k - ci * KVOL;
    uint kt = tap / KHW;
    uint r = tap - kt * KHW;
    uint kh = r / KW;
    uint kw = r - kh * KW;
    return conv_x(c, ci, kt, kh, kw);
}

// Writes one output: bias, the partial sums already in d, and the storage rounding.
void conv_store(uint m, uint n, float acc)
{
    uint pix = p.ot * p.oh * p.ow;
    uint b = n / pix;
    uint index = p.off_d + b * p.d_batch_stride + m * pix + (n - b * pix);
    if ((p.flags & FLAG_BIAS) != 0u)
        acc += A_LOAD(bias[p.off_b + m]);
    if ((p.flags & FLAG_ACCUMULATE) != 0u)
        acc += D_LOAD(d[index]);
    d[index] = D_PACK(acc);
}
