#version 450
// Strided copy whose innermost output dimension (dim_c) is strided in the
// input while another dimension (dim_r) is contiguous there: a 32 x 32 tile
// goes through shared memory so that both the reads (along dim_r) and the
// writes (along dim_c) are coalesced.  Other dimensions are batch: one tile
// of one batch index per workgroup.  Same plan and strides as copy.comp.
#include "common.glsl"

layout(local_size_x = 32, local_size_y = 8) in;
layout(constant_id = 0) const uint NDIM = 8;

#ifdef COPY_RAW32
layout(std430, binding = 0) writeonly buffer D { uint d[]; };
layout(std430, binding = 1) readonly buffer A { uint a[]; };
#define TILE_T uint
#define LOAD(x) (x)
#define STORE(x) (x)
#else
layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };
#define TILE_T float
#define LOAD(x) A_LOAD(x)
#define STORE(x) D_PACK(x)
#endif

layout(push_constant) uniform Push {
    uint n_batch;  // product of the shape without dim_r and dim_c
    uint off_d;
    uint off_a;
    uint dim_r;    // contiguous in the input
    uint dim_c;    // contiguous in the output (the innermost)
    uint tiles_r;
    uint tiles_c;
    uint unused;
    uint shape[8];
    uint stride_a[8];
    uint stride_d[8];
} p;

// One column of padding keeps the transposed reads off a single bank.
shared TILE_T tile[32][33];

void main()
{
    uint g = flat_workgroup_id();
    // Uniform across the workgroup, so returning before the barrier is safe.
    if (g >= p.tiles_r * p.tiles_c * p.n_batch)
        return;
    uint tc = g % p.tiles_c;
    g /= p.tiles_c;
    uint tr = g % p.tiles_r;
    uint batch = g / p.tiles_r;

    uint base_a = p.off_a, base_d = p.off_d;
    [[unroll]] for (int k = int(NDIM) - 1; k >= 0; k--) {
        if (uint(k) == p.dim_r || uint(k) == p.dim_c)
            continue;
        uint i = batch % p.shape[k];
        batch /= p.shape[k];
        base_a += i * p.stride_a[k];
        base_d += i * p.stride_d[k];
    }

    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint r0 = tr * 32u, c0 = tc * 32u;
    uint rows = p.shape[p.dim_r], cols = p.shape[p.dim_c];
    [[unroll]] for (uint k = 0; k < 32u; k += 8u) {
        uint r = r0 + tx, c = c0 + ty + k;
        if (r < rows && c < cols)
            tile[ty + k][tx] = LOAD(a[base_a + r * p.stride_a[p.dim_r] + c * p.stride_a[p.dim_c]]);
    }
    barrier();
    [[unroll]] for (uint k = 0; k < 32u; k += 8u) {
        uint c = c0 + tx, r = r0 + ty + k;
        if (r < rows && c < cols)
            d[base_d + r * p.stride_d[p.dim_r] + c * p.stride_d[p.dim_c]] = STORE(tile[tx][ty + k]);
    }
}
