#version 450
// Softmax over rows of `cols` elements, one workgroup per row.  One read
// finds each invocation's running max m and sum s of e^(x - m) (rescaled as
// m grows); the workgroup merges them, and a second pass (from registers
// where the row fits NCACHE per invocation) writes e^(x - max) / sum.
#include "common.glsl"
#include "norm.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NCACHE = 1;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };

layout(push_constant) uniform Push {
    uint cols;
    uint rows;
    uint off_d;
    uint off_x;
} p;

// -FLT_MAX rather than -inf: a row of -inf then gives exp(-inf) = 0 terms, not NaN ones.
const float LOWEST = -3.402823466e38;

void accumulate(inout float m, inout float s, float v)
{
    if (v > m) {
        s = s * exp(m - v) + 1.0;
        m = v;
    } else {
        s += exp(v - m);
    }
}

void main()
{
    const uint row = flat_workgroup_id();
    if (row >= p.rows)
        return;
    const uint tid = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint base = p.off_x + row * p.cols;
    float v[NCACHE];

    float m = LOWEST, s = 0.0;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        uint c = tid + j * wg;
        v[j] = c < p.cols ? A_LOAD(x[base + c]) : LOWEST;
        if (c < p.cols)
            accumulate(m, s, v[j]);
    }
    for (uint c = tid + NCACHE * wg; c < p.cols; c += wg)
        accumulate(m, s, A_LOAD(x[base + c]));

    const float row_max = workgroup_max(m);
    const float inv_sum = 1.0 / workgroup_sum(s * exp(m - row_max));

    const uint out_base = p.off_d + row * p.cols;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        uint c = tid + j * wg;
        if (c < p.cols)
            d[out_base + c] = D_PACK(exp(v[j] - row_max) * inv_sum);
    }
    for (uint c = tid + NCACHE * wg; c < p.cols; c += wg)
        d[out_base + c] = D_PACK(exp(A_LOAD(x[base + c]) - row_max) * inv_sum);
}
