#version 450
// Implicit-GEMM convolution with shared-memory tiles (any GPU), see conv-common.glsl.
//
// A workgroup of (BM / TM) * (BN / TN) threads owns a BM x BN output tile
// (channels x pixels).  Per BK slice of K it copies BM x BK weights (rows are
// contiguous in K) and gathers BK x BN input values (padding, stride and
// upsampling resolved in conv_x) into shared memory, zero past the edges;
// each thread then sums a TM x TN block from registers, its rows and columns
// strided by BM / TM and BN / TN so that stores and shared reads of
// neighbouring threads are contiguous.
// The host keeps the workgroup a multiple of BK and BN, and BM * BK and
// BK * BN multiples of the workgroup.
#include "common.glsl"
#include "conv-common.glsl"

const uint WG = (BM / TM) * (BN / TN);
shared float As[BK * BM]; // [k][m]
shared float Bs[BK * BN]; // [k][n]

void main()
{
    uint columns = conv_columns();
    uint k_total = p.cin * KVOL;
    uint m_tiles = (p.m + BM - 1) / BM;
    uint n_tiles = (columns + BN - 1) / BN;
    uint group = flat_workgroup_id();
    if (group >= m_tiles * n_tiles)
        return;
    // Channel tiles vary fastest: workgroups running together share the gathered pixels.
    uint m0 = (group % m_tiles) * BM;
    uint n0 = (group / m_tiles) * BN;
    uint tid = gl_LocalInvocationID.x;

    // Each thread gathers one column of B for the whole K loop.
    uint b_col = tid % BN;
    bool b_valid = n0 + b_col < columns;
    ConvColumn col = conv_column(min(n0 + b_col, columns - 1));
    uint b_row = tid / BN;
    uint a_k = tid % BK;
    uint a_m = tid / BK;

    uint tx = tid % (BN / TN);
    uint ty = tid / (BN / TN);
    float acc[TM][TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++)
            acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < k_total; k0 += BK)
    {
        [[unroll]] for (uint r = 0; r < BM * BK / WG; r++)
        {
            uint ml = a_m + r * (WG / BK);
            uint m = m0 + ml;
            uint k = k0 + a_k;
            float v = 0.0;
            if (m < p.m && k < k_total)
                v = A_LOAD(wt[p.off_w + m * p.w_row_stride + k]);
            As[a_k * BM + ml] = v;
        }
        [[unroll]] for (uint r = 0; r < BK * BN / WG; r++)
        {
            uint kl = b_row + r * (WG / BN);
            uint k = k0 + kl;
            float v = 0.0;
            if (b_valid && k < k_total)
                v = conv_x_k(col, k);
            Bs[kl * BN + b_col] = v;
        }
        barrier();

        // No [[unroll]]: GPU compilers unroll this constant-trip loop on their
        // own, and lavapipe compiles the unrolled body four times slower.
        for (uint kk = 0; kk < BK; kk++)
        {
            float a[TM];
            float b[TN];
            [[unroll]] for (uint i = 0; i < TM; i++)
                a[i] = As[kk * BM + ty + i * (BM / TM)];
            [[unroll]] for (uint j = 0; j < TN; j++)
                b[j] = Bs[kk * BN + tx + j * (BN / TN)];
            [[unroll]] for (uint i = 0; i < TM; i++)
                [[unroll]] for (uint j = 0; j < TN; j++)
                    acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier();
    }

    [[unroll]] for (uint i = 0; i < TM; i++)
    {
        uint m = m0 + ty + i * (BM / TM);
        if (m >= p.m)
            continue;
        [[unroll]] for (uint j = 0; j < TN; j++)
        {
            uint n = n0 + tx + j * (BN / TN);
            if (n < columns)
                conv_store(m, n, acc[i][j]);
        }
    }
}
