#version 450
// Group norm, pass 2: one workgroup per (batch, group, segment) merges its
// chunks' statistics (Chan et al.):
//   mean = P + sum n_k d_k / N,  M2 = sum M2_k + n_k (d_k - (mean - P))^2
// with d_k = mean_k - P = (pivot_k - P) + delta_k and P chunk 0's pivot, so
// every sum is of small terms whatever the offset, and in a fixed order.
#include "common.glsl"
#include "norm.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) buffer Work { float work[]; };

layout(push_constant) uniform Push {
    uint instances;      // batch * groups * segs
    uint groups;
    uint segs;
    uint channels_per_group;
    uint chunks_per_seg;
    uint seglen;
    uint chunk;
    float eps;
    uint off_work;       // stats[0], in floats from the binding start
    uint off_partials;   // partial 0 of the whole tensor, likewise
} p;

uint partial_index(uint b, uint g, uint t, uint j)
{
    uint channel = (b * p.groups + g) * p.channels_per_group + j / p.chunks_per_seg;
    return p.off_partials + 4 * ((channel * p.segs + t) * p.chunks_per_seg + j % p.chunks_per_seg);
}

float chunk_count(uint j)
{
    return float(min(p.chunk, p.seglen - (j % p.chunks_per_seg) * p.chunk));
}

void main()
{
    const uint inst = flat_workgroup_id();
    if (inst >= p.instances)
        return;
    const uint t = inst % p.segs;
    const uint g = (inst / p.segs) % p.groups;
    const uint b = inst / (p.segs * p.groups);
    const uint tid = gl_LocalInvocationID.x;
    const uint wg = gl_WorkGroupSize.x;
    const uint parts = p.channels_per_group * p.chunks_per_seg;
    const float n = float(p.channels_per_group) * float(p.seglen);

    const float pivot = work[partial_index(b, g, t, 0)];
    float sum = 0.0;
    for (uint j = tid; j < parts; j += wg) {
        uint i = partial_index(b, g, t, j);
        sum += chunk_count(j) * ((work[i] - pivot) + work[i + 1]);
    }
    const float delta = workgroup_sum(sum) / n;

    float m2 = 0.0;
    for (uint j = tid; j < parts; j += wg) {
        uint i = partial_index(b, g, t, j);
        float dm = ((work[i] - pivot) + work[i + 1]) - delta;
        m2 += work[i + 2] + chunk_count(j) * dm * dm;
    }
    const float var = workgroup_sum(m2) / n;
    if (tid == 0) {
        // mean = pivot + delta as a float and the rest (TwoSum, exact).
        float mean = pivot + delta;
        float bv = mean - pivot;
        float low = (pivot - (mean - bv)) + (delta - bv);
        uint at = p.off_work + 4 * inst;
        work[at] = mean;
        work[at + 1] = inversesqrt(var + p.eps);
        work[at + 2] = low;
        work[at + 3] = 0.0;
    }
}
