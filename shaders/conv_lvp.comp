#version 450
// Implicit-GEMM convolution for CPU drivers (lavapipe), see conv-common.glsl.
//
// A workgroup is one 8-wide subgroup; it owns BM output channels and
// 8 * TN output pixels (pixel n0 + lane + 8 j for j < TN, so the lanes of one
// load touch neighbouring addresses).  Weights are the uniform operand: their
// index depends only on gl_WorkGroupID and loop counters, so lavapipe loads
// each once and broadcasts it, and one weight feeds TN products per lane.
// The gathered x values are the per-lane operand; they are scalar loads, not
// vec4: a window straddles padding and stride, so four neighbours are rarely
// aligned and in bounds together.  No shared memory.
// BN and BK are unused here.
#include "common.glsl"
#include "conv-common.glsl"

void main()
{
    const uint LANES = gl_WorkGroupSize.x;
    uint columns = conv_columns();
    uint m_tiles = (p.m + BM - 1) / BM;
    uint n_tiles = (columns + LANES * TN - 1) / (LANES * TN);
    uint group = flat_workgroup_id();
    if (group >= m_tiles * n_tiles)
        return;
    uint m0 = (group % m_tiles) * BM;
    uint n0 = (group / m_tiles) * (LANES * TN);
    uint lane = gl_LocalInvocationID.x;

    ConvColumn col[TN];
    [[unroll]] for (uint j = 0; j < TN; j++)
        col[j] = conv_column(min(n0 + lane + j * LANES, columns - 1));

    // Rows past m repeat the last one; their sums are dropped at the store.
    uint row[BM];
    [[unroll]] for (uint i = 0; i < BM; i++)
        row[i] = p.off_w + min(m0 + i, p.m - 1) * p.w_row_stride;

    float acc[BM][TN];
    [[unroll]] for (uint i = 0; i < BM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++)
            acc[i][j] = 0.0;

    // The taps are a loop, not unrolled: lavapipe compiles the unrolled
    // (3,3,3) body for seconds, and runs it no faster.
    for (uint ci = 0; ci < p.cin; ci++)
    {
        [[dont_unroll]] for (uint tap = 0; tap < KVOL; tap++)
        {
            uint kt = tap / KHW;
            uint kh = (tap - kt * KHW) / KW;
            uint kw = tap - kt * KHW - kh * KW;
            float xv[TN];
            [[unroll]] for (uint j = 0; j < TN; j++)
                xv[j] = conv_x(col[j], ci, kt, kh, kw);
            uint k = ci * KVOL + tap;
            [[unroll]] for (uint i = 0; i < BM; i++)
            {
                float wv = A_LOAD(wt[row[i] + k]);
                [[unroll]] for (uint j = 0; j < TN; j++)
                    acc[i][j] = fma(wv, xv[j], acc[i][j]);
            }
        }
    }

    [[unroll]] for (uint j = 0; j < TN; j++)
    {
        uint n = n0 + lane + j * LANES;
        if (n >= columns)
            continue;
        [[unroll]] for (uint i = 0; i < BM; i++)
            if (m0 + i < p.m)
                conv_store(m0 + i, n, acc[i][j]);
    }
}
