#version 450
// Group norm, pass 1: statistics of each chunk, exactly two-pass: the sum of
// x - pivot (the chunk's first element), then of (x - mean)^2.  The mean is
// written as (pivot, delta) so a large common offset loses no digits.
#include "common.glsl"
#include "norm.glsl"
#include "norm_group.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NCACHE = 1;

layout(std430, binding = 0) writeonly buffer Work { float work[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };

layout(push_constant) uniform Push {
    uint chunks;          // workgroups with work in this dispatch
    uint chunks_per_seg;
    uint segs;            // segments per channel
    uint seglen;
    uint chunk;
    uint off_x;
    uint off_partials;    // partial of this dispatch's first chunk, in floats from the binding start
} p;

void main()
{
    const uint wid = flat_workgroup_id();
    if (wid >= p.chunks)
        return;
    const Chunk k = chunk_of(wid, p.chunks_per_seg, p.segs, p.seglen, p.chunk);
    const uint tid = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint base = p.off_x + k.start;
    float v[NCACHE];

    const float pivot = A_LOAD(x[base]);
    float sum = 0.0;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        uint i = tid + j * wg;
        v[j] = i < k.count ? A_LOAD(x[base + i]) - pivot : 0.0;
        sum += v[j];
    }
    for (uint i = tid + NCACHE * wg; i < k.count; i += wg)
        sum += A_LOAD(x[base + i]) - pivot;
    const float delta = workgroup_sum(sum) / float(k.count);

    float sq = 0.0;
    [[unroll]] for (uint j = 0; j < NCACHE; j++) {
        float t = v[j] - delta;
        sq += tid + j * wg < k.count ? t * t : 0.0;
    }
    for (uint i = tid + NCACHE * wg; i < k.count; i += wg) {
        float t = (A_LOAD(x[base + i]) - pivot) - delta;
        sq += t * t;
    }
    const float m2 = workgroup_sum(sq);
    if (tid == 0) {
        uint at = p.off_partials + 4 * wid;
        work[at] = pivot;
        work[at + 1] = delta;
        work[at + 2] = m2;
        work[at + 3] = 0.0;
    }
}
