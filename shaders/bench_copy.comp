#version 450
// Peak memory bandwidth: a vec4 copy.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(std430, binding = 0) writeonly buffer D { vec4 d[]; };
layout(std430, binding = 1) readonly buffer A { vec4 a[]; };
layout(push_constant) uniform Push { uint n; } p;

void main()
{
    uint i = flat_workgroup_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i < p.n)
        d[i] = a[i];
}
