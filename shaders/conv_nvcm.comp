#version 450
// Implicit-GEMM convolution on NVIDIA tensor cores (GL_NV_cooperative_matrix),
// see conv-common.glsl.  fp16 operands, fp32 accumulation.
//
// 128 threads = 4 subgroups of 32 in a 2 x 2 grid over a BM x BN tile
// (channels x pixels); each subgroup owns (BM / 2) x (BN / 2) as fragments of
// TM x TN (16 x 16, or 16 x 8 where the driver lacks 16 x 16), K steps of 16.
// Per BK slice the workgroup copies weights and gathers inputs into shared
// memory as fp16, zero past every edge, so the fragment loads never leave
// the tile and need no bounds.  Accumulators are staged one fragment at a time
// through a per-subgroup shared block, then written with bounds, bias and
// the storage rounding.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"
#include "conv-common.glsl"

const uint WG = 128;
const uint SUBGROUP = 32;
const uint FK = 16;
const uint WM = BM / 2;
const uint WN = BN / 2;
const uint FM = WM / TM;
const uint FN = WN / TN;
// Rows padded by 8 halves (16 bytes): fragment starts and strides stay 16-byte
// aligned, and neighbouring rows fall in other banks.
const uint A_STRIDE = BK + 8;
const uint B_STRIDE = BN + 8;

shared float16_t As[BM * A_STRIDE]; // [m][k]
shared float16_t Bs[BK * B_STRIDE]; // [k][n]
shared float Cs[(WG / SUBGROUP) * TM * TN];

void main()
{
    uint columns = conv_columns();
    uint k_total = p.cin * KVOL;
    uint m_tiles = (p.m + BM - 1) / BM;
    uint n_tiles = (columns + BN - 1) / BN;
    uint group = flat_workgroup_id();
    if (group >= m_tiles * n_tiles)
        return;
    uint m0 = (group % m_tiles) * BM;
    uint n0 = (group / m_tiles) * BN;
    uint tid = gl_LocalInvocationID.x;
    uint sg = gl_SubgroupID;
    uint lane = gl_SubgroupInvocationID;
    uint sg_m = (sg / 2) * WM;
    uint sg_n = (sg % 2) * WN;

    uint b_col = tid % BN;
    bool b_valid = n0 + b_col < columns;
    ConvColumn col = conv_column(min(n0 + b_col, columns - 1));
    uint b_row = tid / BN;
    uint a_k = tid % BK;
    uint a_m = tid / BK;

    fcoopmatNV<32, gl_ScopeSubgroup, TM, TN> acc[FM * FN];
    [[unroll]] for (uint f = 0; f < FM * FN; f++)
        acc[f] = fcoopmatNV<32, gl_ScopeSubgroup, TM, TN>(0.0);

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
            As[ml * A_STRIDE + a_k] = float16_t(v);
        }
        [[unroll]] for (uint r = 0; r < BK * BN / WG; r++)
        {
            uint kl = b_row + r * (WG / BN);
            uint k = k0 + kl;
            float v = 0.0;
            if (b_valid && k < k_total)
                v = conv_x_k(col, k);
            Bs[kl * B_STRIDE + b_col] = float16_t(v);
        }
        barrier();

        [[unroll]] for (uint kk = 0; kk < BK; kk += FK)
        {
            fcoopmatNV<16, gl_ScopeSubgroup, TM, FK> a[FM];
            [[unroll]] for (uint i = 0; i < FM; i++)
                coopMatLoadNV(a[i], As, (sg_m + i * TM) * A_STRIDE + kk, A_STRIDE, false);
            [[unroll]] for (uint j = 0; j < FN; j++)
            {
                fcoopmatNV<16, gl_ScopeSubgroup, FK, TN> b;
                coopMatLoadNV(b, Bs, kk * B_STRIDE + sg_n + j * TN, B_STRIDE, false);
                [[unroll]] for (uint i = 0; i < FM; i++)
                    acc[i * FN + j] = coopMatMulAddNV(a[i], b, acc[i * FN + j]);
            }
        }
        barrier();
    }

    uint stage = sg * TM * TN;
    [[unroll]] for (uint i = 0; i < FM; i++)
        [[unroll]] for (uint j = 0; j < FN; j++)
        {
            coopMatStoreNV(acc[i * FN + j], Cs, stage, TN, false);
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            for (uint e = lane; e < TM * TN; e += SUBGROUP)
            {
                uint m = m0 + sg_m + i * TM + e / TN;
                uint n = n0 + sg_n + j * TN + e % TN;
                if (m < p.m && n < columns)
                    conv_store(m, n, Cs[stage + e]);
            }
            subgroupMemoryBarrierShared();
            subgroupBarrier();
        }
}
