#version 450
// Layer norm and RMS norm over rows of `cols` elements, one workgroup per row,
// with an optional affine weight/bias and an optional adaLN modulation
// y * (1 + scale[b][c]) + shift[b][c] (the DiT's LN then modulate, fused).
//
// Layer norm is exactly two-pass: the mean, then the sum of (x - mean)^2,
// never E[x^2] - E[x]^2, which cancels when |mean| >> std.  Sums are taken
// of x - x[0], and the mean is kept as x[0] + delta and never rounded to one
// float, so that a large common offset costs no digits: x - mean is
// (x - x[0]) - delta.  Each invocation keeps up to NCACHE of its elements in
// registers, so a row that fits is read from memory once.
//
// The options are push-constant bits rather than specialization constants:
// they cost one uniform branch in a memory-bound kernel, and a handful of
// pipelines then serve every call (each pipeline takes seconds to build on
// lavapipe).
#include "common.glsl"
#include "norm.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NCACHE = 1;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };
layout(std430, binding = 2) readonly buffer W { B_T weight[]; };
layout(std430, binding = 3) readonly buffer Bias { B_T bias[]; };
layout(std430, binding = 4) readonly buffer Scale { B_T scale[]; };
layout(std430, binding = 5) readonly buffer Shift { B_T shift[]; };

const uint HAS_WEIGHT = 1u;
const uint HAS_BIAS = 2u;
const uint MODULATE = 4u;
const uint RMS = 8u; // RMS norm: no mean subtraction

layout(push_constant) uniform Push {
    uint cols;
    uint rows;           // rows in this dispatch
    uint row_start;      // index of row 0 in the whole tensor (picks the batch)
    uint rows_per_batch; // modulation: rows sharing one scale/shift row
    float eps;
    uint flags;
    uint off_d;
    uint off_x;
    uint off_weight;
    uint off_bias;
    uint off_scale;
    uint off_shift;
    uint scale_stride_b; // in elements; 0 repeats one row
    uint scale_stride_c;
    uint shift_stride_b;
    uint shift_stride_c;
} p;

void store(uint row, uint batch, uint c, float centered, float rstd)
{
    float y = centered * rstd;
    if ((p.flags & HAS_WEIGHT) != 0u)
        y *= B_LOAD(weight[p.off_weight + c]);
    if ((p.flags & HAS_BIAS) != 0u)
        y += B_LOAD(bias[p.off_bias + c]);
    if ((p.flags & MODULATE) != 0u)
        y = y * (1.0 + B_LOAD(scale[p.off_scale + batch * p.scale_stride_b + c * p.scale_stride_c]))
            + B_LOAD(shift[p.off_shift + batch * p.shift_stride_b + c * p.shift_stride_c]);
    d[p.off_d + row * p.cols + c] = D_PACK(y);
}

void main()
{
    const uint row = flat_workgroup_id();
    if (row >= p.rows)
        return;
    const uint tid = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint base = p.off_x + row * p.cols;
    const uint batch = (p.flags & MODULATE) != 0u ? (p.row_start + row) / p.rows_per_batch : 0u;
    const bool rms = (p.flags & RMS) != 0u;
    const float n = float(p.cols);
    float v[NCACHE];

    // v holds x - pivot; the mean is pivot + delta.
    const float pivot = rms ? 0.0 : A_LOAD(x[base]);
    float sum = 0.0;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        uint c = tid + j * wg;
        v[j] = c < p.cols ? A_LOAD(x[base + c]) - pivot : 0.0;
        sum += v[j];
    }
    float delta = 0.0;
    if (!rms) {
        for (uint c = tid + NCACHE * wg; c < p.cols; c += wg)
            sum += A_LOAD(x[base + c]) - pivot;
        delta = workgroup_sum(sum) / n;
    }

    float sq = 0.0;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        float t = tid + j * wg < p.cols ? v[j] - delta : 0.0;
        sq += t * t;
    }
    for (uint c = tid + NCACHE * wg; c < p.cols; c += wg) {
        float t = (A_LOAD(x[base + c]) - pivot) - delta;
        sq += t * t;
    }
    const float rstd = inversesqrt(workgroup_sum(sq) / n + p.eps);

    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        uint c = tid + j * wg;
        if (c < p.cols)
            store(row, batch, c, v[j] - delta, rstd);
    }
    for (uint c = tid + NCACHE * wg; c < p.cols; c += wg)
        store(row, batch, c, (A_LOAD(x[base + c]) - pivot) - delta, rstd);
}
