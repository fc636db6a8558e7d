#version 450
// Peak tensor-core rate through GL_NV_cooperative_matrix: fp16 x fp16 -> fp32
// fragments kept in registers, multiplied in a loop (no memory traffic).
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FM = 16;
layout(constant_id = 2) const uint FN = 16;
layout(constant_id = 3) const uint FK = 16;

layout(std430, binding = 0) buffer D { float d[]; };
layout(std430, binding = 1) readonly buffer A { float16_t a[]; };
layout(push_constant) uniform Push { uint iterations; } p;

void main()
{
    fcoopmatNV<16, gl_ScopeSubgroup, FM, FK> ma;
    fcoopmatNV<16, gl_ScopeSubgroup, FK, FN> mb;
    coopMatLoadNV(ma, a, 0, FK, false);
    coopMatLoadNV(mb, a, 0, FN, false);
    fcoopmatNV<32, gl_ScopeSubgroup, FM, FN> c0 = fcoopmatNV<32, gl_ScopeSubgroup, FM, FN>(0.0);
    fcoopmatNV<32, gl_ScopeSubgroup, FM, FN> c1 = c0, c2 = c0, c3 = c0;
    for (uint i = 0; i < p.iterations; i++) {
        c0 = coopMatMulAddNV(ma, mb, c0);
        c1 = coopMatMulAddNV(ma, mb, c1);
        c2 = coopMatMulAddNV(ma, mb, c2);
        c3 = coopMatMulAddNV(ma, mb, c3);
    }
    c0 = c0 + c1;
    c2 = c2 + c3;
    c0 = c0 + c2;
    uint subgroup = gl_WorkGroupID.x * (gl_WorkGroupSize.x / gl_SubgroupSize) + gl_SubgroupID;
    if (subgroup == 0u)
        coopMatStoreNV(c0, d, 0, FN, false);
}
