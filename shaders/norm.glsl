// norm.glsl: workgroup reductions for the norm, softmax and group-norm kernels.
//
// A workgroup is one subgroup on the lvp path (no shared memory touched) or
// several on the others; partial results of the subgroups meet in shared
// memory and every invocation adds them in subgroup order, so a result never
// depends on scheduling and no atomics are needed.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

// Room for 512 invocations in subgroups of 8.
#define NORM_MAX_SUBGROUPS 64
shared float norm_partial[NORM_MAX_SUBGROUPS];

float workgroup_sum(float v)
{
    v = subgroupAdd(v);
    if (gl_NumSubgroups == 1)
        return v;
    // A previous call may still be reading the slots.
    barrier();
    if (subgroupElect())
        norm_partial[gl_SubgroupID] = v;
    barrier();
    float total = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; i++)
        total += norm_partial[i];
    return total;
}

float workgroup_max(float v)
{
    v = subgroupMax(v);
    if (gl_NumSubgroups == 1)
        return v;
    barrier();
    if (subgroupElect())
        norm_partial[gl_SubgroupID] = v;
    barrier();
    float m = norm_partial[0];
    for (uint i = 1; i < gl_NumSubgroups; i++)
        m = max(m, norm_partial[i]);
    return m;
}
