// attention.glsl: what the flash-attention kernels share: specialization
// constants, the push block (mirrored by attention_push in
// engine/ops/attention.c), the bindings and the strided loads.
//
// TYPE_A is the storage type of q, k and v, TYPE_D that of out.  Every
// tensor is 4-D [batch, head, row, dim] with any element strides; the
// dispatch covers `heads` heads of each of its batch entries and its own
// range of query rows (the host splits what one binding cannot hold).

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint D = 64;      // head dim, 1 .. 128
layout(constant_id = 2) const uint ROWS = 4;    // query rows per octet of lanes (lvp, tiled)
layout(constant_id = 3) const uint BC = 32;     // keys staged in shared memory per block
layout(constant_id = 4) const uint HAS_KB = 0;  // key_bias bound
layout(constant_id = 5) const uint HAS_PB = 0;  // position_bias bound
layout(constant_id = 6) const uint VEC4 = 0;    // VEC4_* bits: tensors read and written as 4-vectors

// A tensor gets vec4 access when D % 4 == 0, its dim stride is 1 and its
// offset and other strides are multiples of 4 elements (checked by the host).
const uint VEC4_Q = 1;
const uint VEC4_K = 2;
const uint VEC4_V = 4;
const uint VEC4_O = 8;

const float LOG2E = 1.4426950408889634;
// Running maxima start finite, so m_old - m_new is never inf - inf.
const float NEG_INIT = -1.0e38;
// Key biases at or below this skip the key (AE_ATTENTION_SKIP_BIAS).
const float SKIP_BIAS = -1.0e30;

layout(std430, binding = 0) writeonly buffer O { D_T o[]; };
layout(std430, binding = 0) writeonly buffer O4 { D_T4 o4[]; };
layout(std430, binding = 1) readonly buffer Q { A_T q[]; };
layout(std430, binding = 1) readonly buffer Q4 { A_T4 q4[]; };
layout(std430, binding = 2) readonly buffer K { A_T k[]; };
layout(std430, binding = 2) readonly buffer K4 { A_T4 k4[]; };
layout(std430, binding = 3) readonly buffer V { A_T v[]; };
layout(std430, binding = 3) readonly buffer V4 { A_T4 v4[]; };
layout(std430, binding = 4) readonly buffer KB { float key_bias[]; };
layout(std430, binding = 5) readonly buffer PB { float position_bias[]; };

layout(push_constant) uniform Push {
    uint nq;      // query rows in this dispatch
    uint nk;      // keys attended (kv_len)
    uint heads;   // heads per batch entry in this dispatch
    uint groups;  // workgroups: query tiles x batch entries x heads
    float scale;  // multiplier of q.k
    uint q_off, q_sb, q_sh, q_sn, q_sd;
    uint k_off, k_sb, k_sh, k_sn, k_sd;
    uint v_off, v_sb, v_sh, v_sn, v_sd;
    uint o_off, o_sb, o_sh, o_sn, o_sd;
    uint kb_off, kb_sb, kb_sn;
    int pb_off;   // element of [head 0][j - i == 0] for this dispatch's row 0
    uint pb_sh;
    int pb_sj;
} p;

// 4 dims of one row from d on (zero past D), in the storage type.  `base` is
// the element index of the row's dim 0.
A_T4 q_raw4(uint base, uint d)
{
    if (d >= D)
        return A_T4(0);
    if ((VEC4 & VEC4_Q) != 0)
        return q4[(base + d) / 4];
    A_T4 r = A_T4(0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (d + c < D)
            r[c] = q[base + (d + c) * p.q_sd];
    return r;
}

A_T4 k_raw4(uint base, uint d)
{
    if (d >= D)
        return A_T4(0);
    if ((VEC4 & VEC4_K) != 0)
        return k4[(base + d) / 4];
    A_T4 r = A_T4(0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (d + c < D)
            r[c] = k[base + (d + c) * p.k_sd];
    return r;
}

A_T4 v_raw4(uint base, uint d)
{
    if (d >= D)
        return A_T4(0);
    if ((VEC4 & VEC4_V) != 0)
        return v4[(base + d) / 4];
    A_T4 r = A_T4(0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (d + c < D)
            r[c] = v[base + (d + c) * p.v_sd];
    return r;
}

void o_store4(uint base, uint d, vec4 x)
{
    if (d >= D)
        return;
    if ((VEC4 & VEC4_O) != 0)
    {
        o4[(base + d) / 4] = D_PACK4(x);
        return;
    }
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (d + c < D)
            o[base + (d + c) * p.o_sd] = D_PACK(x[c]);
}

uint q_row(uint b, uint h, uint i) { return p.q_off + b * p.q_sb + h * p.q_sh + i * p.q_sn; }
uint k_row(uint b, uint h, uint j) { return p.k_off + b * p.k_sb + h * p.k_sh + j * p.k_sn; }
uint v_row(uint b, uint h, uint j) { return p.v_off + b * p.v_sb + h * p.v_sh + j * p.v_sn; }
uint o_row(uint b, uint h, uint i) { return p.o_off + b * p.o_sb + h * p.o_sh + i * p.o_sn; }

// key_bias[b][j], or 0 without one.
float key_bias_at(uint b, uint j)
{
    if (HAS_KB == 0)
        return 0.0;
    return key_bias[p.kb_off + b * p.kb_sb + j * p.kb_sn];
}

// position_bias[h][(j - i) + (Nq - 1)] for this dispatch's row i, or 0.
float position_bias_at(uint h, uint i, uint j)
{
    if (HAS_PB == 0)
        return 0.0;
    return position_bias[uint(p.pb_off + int(h * p.pb_sh) + (int(j) - int(i)) * p.pb_sj)];
}
