#version 450
// Element-wise binary ops with b repeated along a: d[i] = a[i] (op) b[i % nb].
#include "common.glsl"
#include "elementwise.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0; // 0 add, 1 mul, 2 gelu_tanh(a) * b (T5's gated GELU)

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };
layout(std430, binding = 2) readonly buffer B { B_T b[]; };

layout(push_constant) uniform Push {
    uint n;       // elements of d and a
    uint nb;      // elements of b (divides n)
    uint b_start; // index into b of element 0 (chunks of a long a)
    uint off_d;
    uint off_a;
    uint off_b;
} p;

void main()
{
    uint i = flat_workgroup_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    float x = A_LOAD(a[p.off_a + i]);
    float y = B_LOAD(b[p.off_b + (p.b_start + i) % p.nb]);
    float r;
    if (OP == 0)
        r = x + y;
    else if (OP == 1)
        r = x * y;
    else
        r = gelu_tanh(x) * y;
    d[p.off_d + i] = D_PACK(r);
}
