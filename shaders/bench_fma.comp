#version 450
// Peak fp32 arithmetic: each lane runs a long chain of independent vec4 FMAs.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer D { float d[]; };
layout(push_constant) uniform Push { uint iterations; float seed; } p;

void main()
{
    vec4 a = vec4(p.seed) + vec4(gl_LocalInvocationID.x), b = a + 1.0, c = a + 2.0, e = a + 3.0;
    const vec4 m = vec4(0.9999), k = vec4(0.0001);
    for (uint i = 0; i < p.iterations; i++) {
        [[unroll]] for (int j = 0; j < 16; j++) {
            a = fma(a, m, k); b = fma(b, m, k); c = fma(c, m, k); e = fma(e, m, k);
        }
    }
    vec4 sum = a + b + c + e;
    // Written only when impossible, so the compiler keeps the work but the buffer stays small.
    if (sum.x == 1234.5678)
        d[0] = sum.x + sum.y + sum.z + sum.w;
}
