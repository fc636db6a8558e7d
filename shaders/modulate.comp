#version 450
// The DiT's per-batch channel ops on x [B, N, C], with s and t [B, C] given
// by strides (rows of the (B, 6, C) adaLN table are views):
//   MODE 0, adaLN modulation:  d = a * (1 + s[b][c]) + t[b][c]
//   MODE 1, gated residual:    d = a + s[b][c] * y      (d may be a: in place)
// One workgroup covers WG channels of one row, so its batch is uniform.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };
layout(std430, binding = 2) readonly buffer Y { A_T y[]; };
layout(std430, binding = 3) readonly buffer S { B_T s[]; };
layout(std430, binding = 4) readonly buffer T { B_T t[]; };

layout(push_constant) uniform Push {
    uint cols;
    uint rows;           // rows in this dispatch
    uint row_start;      // index of row 0 in the whole tensor
    uint rows_per_batch;
    uint col_blocks;     // workgroups per row
    uint off_d;
    uint off_a;
    uint off_y;
    uint off_s;
    uint off_t;
    uint s_stride_b;
    uint s_stride_c;
    uint t_stride_b;
    uint t_stride_c;
} p;

void main()
{
    const uint wid = flat_workgroup_id();
    const uint row = wid / p.col_blocks;
    const uint c = (wid % p.col_blocks) * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (row >= p.rows || c >= p.cols)
        return;
    const uint b = (p.row_start + row) / p.rows_per_batch;
    const uint i = row * p.cols + c;
    const float sv = B_LOAD(s[p.off_s + b * p.s_stride_b + c * p.s_stride_c]);
    const float av = A_LOAD(a[p.off_a + i]);
    float r;
    if (MODE == 0)
        r = av * (1.0 + sv) + B_LOAD(t[p.off_t + b * p.t_stride_b + c * p.t_stride_c]);
    else
        r = av + sv * A_LOAD(y[p.off_y + i]);
    d[p.off_d + i] = D_PACK(r);
}
