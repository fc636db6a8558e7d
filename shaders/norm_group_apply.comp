#version 450
// Group norm, pass 3: y = (x - mean) * rstd * w[c] + b[c], then SiLU when
// asked (the VAE always follows GN with SiLU).  One workgroup per chunk, as
// in pass 1, so the channel's constants are loaded once.  Options are push
// bits: one uniform branch costs nothing here, and fewer pipelines build
// faster.
#include "common.glsl"
#include "norm_group.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };
layout(std430, binding = 2) readonly buffer Work { float work[]; };
layout(std430, binding = 3) readonly buffer W { B_T weight[]; };
layout(std430, binding = 4) readonly buffer Bias { B_T bias[]; };

const uint HAS_WEIGHT = 1u;
const uint HAS_BIAS = 2u;
const uint SILU = 4u;

layout(push_constant) uniform Push {
    uint chunks;
    uint chunks_per_seg;
    uint segs;
    uint seglen;
    uint chunk;
    uint channel_start;  // channel 0 of this dispatch, counted over batch * channels
    uint channels;       // C
    uint groups;
    uint flags;
    uint off_d;
    uint off_x;
    uint off_work;
    uint off_weight;
    uint off_bias;
} p;

void main()
{
    const uint wid = flat_workgroup_id();
    if (wid >= p.chunks)
        return;
    const Chunk k = chunk_of(wid, p.chunks_per_seg, p.segs, p.seglen, p.chunk);
    const uint bc = p.channel_start + k.channel;
    const uint c = bc % p.channels;
    const uint b = bc / p.channels;
    const uint g = c / (p.channels / p.groups);
    const uint stat = p.off_work + 4 * ((b * p.groups + g) * p.segs + k.segment);
    const float mean = work[stat];
    const float mean_low = work[stat + 2];
    float scale = work[stat + 1];
    if ((p.flags & HAS_WEIGHT) != 0u)
        scale *= B_LOAD(weight[p.off_weight + c]);
    const float shift = (p.flags & HAS_BIAS) != 0u ? B_LOAD(bias[p.off_bias + c]) : 0.0;
    const bool silu = (p.flags & SILU) != 0u;

    for (uint i = gl_LocalInvocationID.x; i < k.count; i += gl_WorkGroupSize.x) {
        float y = ((A_LOAD(x[p.off_x + k.start + i]) - mean) - mean_low) * scale + shift;
        if (silu)
            y = y / (1.0 + exp(-y));
        d[p.off_d + k.start + i] = D_PACK(y);
    }
}
