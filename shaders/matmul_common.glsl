// matmul_common.glsl: what the matmul kernels share (after common.glsl).
//
// out[b][n][m] = sum_k x[b][n][k] * w[b][m][k] + bias[m]
// Bindings: 0 out (TYPE_D), 1 x (TYPE_A), 2 w (TYPE_B), 3 bias (raw 32-bit
// words, decoded by the bias dtype in p.flags so one variant serves every
// bias dtype; the host binds x there when there is no bias).
// Mirrored by matmul_push in engine/ops/matmul.c.

layout(push_constant) uniform Push {
    uint M;        // outputs: rows of w
    uint N;        // rows of x and out in this dispatch, per batch
    uint K;        // the reduced dimension
    uint tiles_m;  // workgroups along M
    uint tiles_n;  // workgroups along N
    uint n_batch;  // batches in this dispatch
    uint x_batch;  // elements between batches of x
    uint w_batch;  // ... of w (0: one w for every batch)
    uint d_batch;  // ... of out
    uint off_x;    // element offsets of each binding's first element
    uint off_w;
    uint off_d;
    uint off_bias;
    uint flags;    // bit 0: ALIGNED (K and the x and w offsets are multiples
                   // of the kernel's vector width); bits 1-2: the bias dtype,
                   // 0 none, 1 f32, 2 f16, 3 bf16
} p;

layout(std430, binding = 3) readonly buffer Bias { uint bias_words[]; };

// The workgroup's tile along M and N and its batch; false past the grid
// (the host folds big grids, so the last row of workgroups may overhang).
bool matmul_tile(out uint tm, out uint tn, out uint batch)
{
    uint t = flat_workgroup_id();
    tm = t % p.tiles_m;
    t /= p.tiles_m;
    tn = t % p.tiles_n;
    batch = t / p.tiles_n;
    return batch < p.n_batch;
}

bool matmul_aligned()
{
    return (p.flags & 1u) != 0u;
}

// The bias is read once per output, so its dtype is a push constant rather
// than more variants or pipelines.
float matmul_bias(uint m)
{
    uint bias_type = (p.flags >> 1) & 3u;
    if (bias_type == 0u)
        return 0.0;
    uint i = p.off_bias + m;
    if (bias_type == 1u)
        return uintBitsToFloat(bias_words[i]);
    uint word = bias_words[i >> 1];
    uint half_word = (i & 1u) != 0u ? word >> 16 : word & 0xffffu;
    if (bias_type == 2u)
        return unpackHalf2x16(half_word).x;
    return uintBitsToFloat(half_word << 16);
}
