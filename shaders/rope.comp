#version 450
// Allegro's 3D RoPE on x [B, N, H, HEAD_DIM] (any strides but the last):
// the head dim splits into [t | h | w] chunks of CHUNK = HEAD_DIM / 3, and
// each chunk rotates by its axis's table row:
//   out[j]        = x[j] * cos[j] - x[j + HALF] * sin[j]
//   out[j + HALF] = x[j + HALF] * cos[j + HALF] + x[j] * sin[j + HALF],  j < HALF,
// which is x * cos + rotate_half(x) * sin.  One invocation owns both
// elements of a pair (read both, then write both), so out may be x itself.
// One workgroup per token: its (t, h, w) position is uniform.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HEAD_DIM = 96;

const uint CHUNK = HEAD_DIM / 3;
const uint HALF = CHUNK / 2;
const uint PAIRS = HEAD_DIM / 2;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };
// f32 [grid_t + grid_h + grid_w][2][CHUNK]: cos row then sin row.
layout(std430, binding = 2) readonly buffer T { float tab[]; };

layout(push_constant) uniform Push {
    uint tokens;   // tokens per batch entry in this dispatch
    uint token0;   // index of the first of them in the whole sequence
    uint batch;    // batch entries in this dispatch
    uint heads;
    uint grid_t;
    uint grid_h;
    uint grid_w;
    uint stride_ab, stride_an, stride_ah; // x strides (elements)
    uint stride_db, stride_dn, stride_dh; // out strides
    uint off_d;
    uint off_a;
    uint off_t;
} p;

void main()
{
    uint g = flat_workgroup_id();
    if (g >= p.batch * p.tokens)
        return;
    uint b = g / p.tokens, local = g % p.tokens, n = p.token0 + local;
    uint row[3];
    row[0] = n / (p.grid_h * p.grid_w);
    row[1] = p.grid_t + n / p.grid_w % p.grid_h;
    row[2] = p.grid_t + p.grid_h + n % p.grid_w;
    uint base_a = p.off_a + b * p.stride_ab + local * p.stride_an;
    uint base_d = p.off_d + b * p.stride_db + local * p.stride_dn;

    for (uint q = gl_LocalInvocationID.x; q < p.heads * PAIRS; q += gl_WorkGroupSize.x) {
        uint head = q / PAIRS, rem = q % PAIRS;
        uint c = rem / HALF, j = rem % HALF;
        uint ia = base_a + head * p.stride_ah + c * CHUNK + j;
        uint id = base_d + head * p.stride_dh + c * CHUNK + j;
        uint it = p.off_t + row[c] * 2u * CHUNK + j;
        float x1 = A_LOAD(a[ia]);
        float x2 = A_LOAD(a[ia + HALF]);
        // precise: no fused multiply-add, so each product is rounded as in PyTorch.
        precise float o1 = x1 * tab[it] + (-x2) * tab[it + CHUNK];
        precise float o2 = x2 * tab[it + HALF] + x1 * tab[it + CHUNK + HALF];
        d[id] = D_PACK(o1);
        d[id + HALF] = D_PACK(o2);
    }
}
