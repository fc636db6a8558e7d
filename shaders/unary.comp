#version 450
// Element-wise activations and scalar affine maps: d[i] = f(a[i]).
#include "common.glsl"
#include "elementwise.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0; // 0 GELU (tanh), 1 SiLU, 2 a * alpha + beta

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };

layout(push_constant) uniform Push {
    uint n;
    uint off_d;
    uint off_a;
    float alpha;
    float beta;
} p;

void main()
{
    uint i = flat_workgroup_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    float x = A_LOAD(a[p.off_a + i]);
    float y;
    if (OP == 0)
        y = gelu_tanh(x);
    else if (OP == 1)
        y = silu(x);
    else
        y = x * p.alpha + p.beta;
    d[p.off_d + i] = D_PACK(y);
}
