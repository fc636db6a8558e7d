#version 450
// T5 relative-position bias, one value per (head, relative position):
//   d[h][k] = w[bucket(k - (n_queries - 1))][h],  k < n_queries + n_keys - 1.
// The logarithmic buckets come as thresholds computed on the host with
// PyTorch's float32 log: bucket = max_exact + #{i : r >= thresholds[i]}, so
// no GPU log (whose precision Vulkan leaves loose) can move a boundary.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer D { float d[]; };
layout(std430, binding = 1) readonly buffer A { A_T w[]; };

layout(push_constant) uniform Push {
    uint heads;
    uint len;           // n_queries + n_keys - 1
    uint n_queries;
    uint half_buckets;  // buckets per direction (num_buckets / 2 when bidirectional)
    uint max_exact;
    uint bidirectional;
    uint n_thresholds;
    uint off_d;
    uint off_a;
    uint thresholds[16];
} p;

void main()
{
    uint e = flat_workgroup_id() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (e >= p.heads * p.len)
        return;
    uint h = e / p.len, k = e % p.len;
    int rel = int(k) - int(p.n_queries - 1u);
    uint bucket = 0u, r;
    if (p.bidirectional != 0u) {
        bucket = rel > 0 ? p.half_buckets : 0u;
        r = uint(abs(rel));
    } else {
        r = uint(max(-rel, 0));
    }
    if (r < p.max_exact) {
        bucket += r;
    } else {
        uint large = p.max_exact;
        for (uint i = 0u; i < p.n_thresholds; i++)
            large += r >= p.thresholds[i] ? 1u : 0u;
        bucket += large;
    }
    d[p.off_d + e] = A_LOAD(w[p.off_a + bucket * p.heads + h]);
}
