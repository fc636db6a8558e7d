#version 450
// Nearest x2 upsampling of H and W: d[plane][oh][ow] = x[plane][oh / 2][ow / 2].
// One invocation per output element, so stores are contiguous; each input
// element is read by four neighbouring invocations (from cache).
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer X { A_T x[]; };

// Mirrored by upsample_push in engine/ops/conv.c.
layout(push_constant) uniform Push {
    uint n;    // output elements in this dispatch
    uint h, w; // input plane size
    uint off_d;
    uint off_x;
} p;

void main()
{
    uint i = flat_workgroup_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint ow2 = 2 * p.w;
    uint plane_out = 4 * p.h * p.w;
    uint plane = i / plane_out;
    uint r = i - plane * plane_out;
    uint oh = r / ow2;
    uint ow = r - oh * ow2;
    d[p.off_d + i] = D_PACK(A_LOAD(x[p.off_x + (plane * p.h + (oh >> 1)) * p.w + (ow >> 1)]));
}
