#version 450
// matmul, nv_cm path (NVIDIA tensor cores through GL_NV_cooperative_matrix):
// out = x w^T + bias with fp16 operands and fp32 accumulators.
//
// A workgroup owns BN rows of x (tokens) by BM rows of w (outputs) and is
// WARPS_N x WARPS_M subgroups of 32; each subgroup owns a (BN / WARPS_N) x
// (BM / WARPS_M) block as FM x FN accumulator fragments.  Slices of BK are
// converted to fp16 into one of two shared buffers (zeros past the edges, so
// coopmat calls never need a per-lane branch) while the other is multiplied,
// and the slice after next is already on its way from global memory into
// registers: one barrier per slice.  Results go through an fp32 staging area
// per subgroup, where the bias, the output dtype and the edge checks are plain
// per-lane code.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"
#include "matmul_common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 128;     // outputs per workgroup
layout(constant_id = 2) const uint BN = 128;     // rows of x per workgroup
layout(constant_id = 3) const uint BK = 32;      // a multiple of 8 and of FK
layout(constant_id = 4) const uint FM = 16;      // fragment rows (tokens): the device's MSize
layout(constant_id = 5) const uint FN = 16;      // fragment columns (outputs): NSize
layout(constant_id = 6) const uint FK = 16;      // KSize
layout(constant_id = 7) const uint WARPS_M = 2;
layout(constant_id = 8) const uint WARPS_N = 2;
layout(constant_id = 9) const bool ALIGNED = false; // K and both offsets are multiples of 8

const uint WG = WARPS_M * WARPS_N * 32u;  // the host passes this as constant 0
const uint SUB_M = BM / WARPS_M;          // one subgroup's block
const uint SUB_N = BN / WARPS_N;
const uint FRAGS_M = SUB_M / FN;
const uint FRAGS_N = SUB_N / FM;
// Shared tiles hold 8 fp16 per uvec4; rows carry one uvec4 of skew.
const uint LDS = BK / 8u + 1u;
const uint TILE_X = BN * LDS;
const uint TILE_W = BM * LDS;
const uint CHUNKS_X = BN * BK / 8u / WG;  // uvec4 chunks each invocation moves per slice
const uint CHUNKS_W = BM * BK / 8u / WG;
const uint STAGE_STRIDE = FN / 4u + 1u;   // fp32 staging row, in uvec4

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };
layout(std430, binding = 1) readonly buffer A4 { A_T4 x4[]; };
layout(std430, binding = 1) readonly buffer A8 { uvec4 x8[]; };
layout(std430, binding = 2) readonly buffer B { B_T w[]; };
layout(std430, binding = 2) readonly buffer B4 { B_T4 w4[]; };
layout(std430, binding = 2) readonly buffer B8 { uvec4 w8[]; };

// Two buffers of [x tile | w tile]; after the loop, the staging area.
shared uvec4 tiles[2u * (TILE_X + TILE_W)];

uint bf16x2_to_f16x2(uint v)
{
    return packHalf2x16(vec2(uintBitsToFloat(v << 16), uintBitsToFloat(v & 0xffff0000u)));
}

uvec4 pack8(vec4 lo, vec4 hi)
{
    return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}

// Eight fp16 of x from (row, k), zero past the last row or past K.
uvec4 load_x8(uint base, uint row, uint k)
{
    if (ALIGNED) {
        if (row >= p.N || k >= p.K)
            return uvec4(0u);
        uint e = base + row * p.K + k;
#if TYPE_A == F16
        return x8[e >> 3];
#elif TYPE_A == BF16
        uvec4 v = x8[e >> 3];
        return uvec4(bf16x2_to_f16x2(v.x), bf16x2_to_f16x2(v.y), bf16x2_to_f16x2(v.z), bf16x2_to_f16x2(v.w));
#else
        return pack8(x4[e >> 2], x4[(e >> 2) + 1u]);
#endif
    }
    float v[8];
    [[unroll]] for (uint j = 0; j < 8u; j++)
        v[j] = row < p.N && k + j < p.K ? A_LOAD(x[base + row * p.K + k + j]) : 0.0;
    return pack8(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
}

uvec4 load_w8(uint base, uint row, uint k)
{
    if (ALIGNED) {
        if (row >= p.M || k >= p.K)
            return uvec4(0u);
        uint e = base + row * p.K + k;
#if TYPE_B == F16
        return w8[e >> 3];
#elif TYPE_B == BF16
        uvec4 v = w8[e >> 3];
        return uvec4(bf16x2_to_f16x2(v.x), bf16x2_to_f16x2(v.y), bf16x2_to_f16x2(v.z), bf16x2_to_f16x2(v.w));
#else
        return pack8(w4[e >> 2], w4[(e >> 2) + 1u]);
#endif
    }
    float v[8];
    [[unroll]] for (uint j = 0; j < 8u; j++)
        v[j] = row < p.M && k + j < p.K ? B_LOAD(w[base + row * p.K + k + j]) : 0.0;
    return pack8(vec4(v[0], v[1], v[2], v[3]), vec4(v[4], v[5], v[6], v[7]));
}

void main()
{
    uint tm, tn, batch;
    if (!matmul_tile(tm, tn, batch))
        return;
    uint lid = gl_LocalInvocationID.x;
    uint sg = gl_SubgroupID;
    uint sg_m = sg % WARPS_M;
    uint sg_n = sg / WARPS_M;
    uint m0 = tm * BM;
    uint n0 = tn * BN;
    uint xb = p.off_x + batch * p.x_batch;
    uint wb = p.off_w + batch * p.w_batch;

    fcoopmatNV<32, gl_ScopeSubgroup, FM, FN> acc[FRAGS_N][FRAGS_M];
    [[unroll]] for (uint i = 0; i < FRAGS_N; i++)
        [[unroll]] for (uint j = 0; j < FRAGS_M; j++)
            acc[i][j] = fcoopmatNV<32, gl_ScopeSubgroup, FM, FN>(0.0);

    // Chunk c of a slice is row (lid + c * WG) / (BK / 8), k 8 * ((lid + c * WG) % (BK / 8)).
    uvec4 xr[CHUNKS_X];
    uvec4 wr[CHUNKS_W];
    [[unroll]] for (uint c = 0; c < CHUNKS_X; c++) {
        uint e = lid + c * WG;
        xr[c] = load_x8(xb, n0 + e / (BK / 8u), 8u * (e % (BK / 8u)));
    }
    [[unroll]] for (uint c = 0; c < CHUNKS_W; c++) {
        uint e = lid + c * WG;
        wr[c] = load_w8(wb, m0 + e / (BK / 8u), 8u * (e % (BK / 8u)));
    }
    [[unroll]] for (uint c = 0; c < CHUNKS_X; c++) {
        uint e = lid + c * WG;
        tiles[(e / (BK / 8u)) * LDS + e % (BK / 8u)] = xr[c];
    }
    [[unroll]] for (uint c = 0; c < CHUNKS_W; c++) {
        uint e = lid + c * WG;
        tiles[TILE_X + (e / (BK / 8u)) * LDS + e % (BK / 8u)] = wr[c];
    }
    if (BK < p.K) {
        [[unroll]] for (uint c = 0; c < CHUNKS_X; c++) {
            uint e = lid + c * WG;
            xr[c] = load_x8(xb, n0 + e / (BK / 8u), BK + 8u * (e % (BK / 8u)));
        }
        [[unroll]] for (uint c = 0; c < CHUNKS_W; c++) {
            uint e = lid + c * WG;
            wr[c] = load_w8(wb, m0 + e / (BK / 8u), BK + 8u * (e % (BK / 8u)));
        }
    }
    barrier();

    uint buf = 0;
    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        // The next slice goes to the other buffer, which the barrier that
        // ended the previous step freed; the one after is requested.
        if (k0 + BK < p.K) {
            uint next = (buf ^ 1u) * (TILE_X + TILE_W);
            [[unroll]] for (uint c = 0; c < CHUNKS_X; c++) {
                uint e = lid + c * WG;
                tiles[next + (e / (BK / 8u)) * LDS + e % (BK / 8u)] = xr[c];
            }
            [[unroll]] for (uint c = 0; c < CHUNKS_W; c++) {
                uint e = lid + c * WG;
                tiles[next + TILE_X + (e / (BK / 8u)) * LDS + e % (BK / 8u)] = wr[c];
            }
            uint k2 = k0 + 2u * BK;
            if (k2 < p.K) {
                [[unroll]] for (uint c = 0; c < CHUNKS_X; c++) {
                    uint e = lid + c * WG;
                    xr[c] = load_x8(xb, n0 + e / (BK / 8u), k2 + 8u * (e % (BK / 8u)));
                }
                [[unroll]] for (uint c = 0; c < CHUNKS_W; c++) {
                    uint e = lid + c * WG;
                    wr[c] = load_w8(wb, m0 + e / (BK / 8u), k2 + 8u * (e % (BK / 8u)));
                }
            }
        }

        uint xt = buf * (TILE_X + TILE_W);
        uint wt = xt + TILE_X;
        [[unroll]] for (uint kk = 0; kk < BK; kk += FK) {
            fcoopmatNV<16, gl_ScopeSubgroup, FM, FK> a[FRAGS_N];
            fcoopmatNV<16, gl_ScopeSubgroup, FK, FN> b[FRAGS_M];
            [[unroll]] for (uint i = 0; i < FRAGS_N; i++)
                coopMatLoadNV(a[i], tiles, xt + (sg_n * SUB_N + i * FM) * LDS + kk / 8u, LDS, false);
            // w is [outputs][k]: read as a column-major k x outputs matrix.
            [[unroll]] for (uint j = 0; j < FRAGS_M; j++)
                coopMatLoadNV(b[j], tiles, wt + (sg_m * SUB_M + j * FN) * LDS + kk / 8u, LDS, true);
            [[unroll]] for (uint i = 0; i < FRAGS_N; i++)
                [[unroll]] for (uint j = 0; j < FRAGS_M; j++)
                    acc[i][j] = coopMatMulAddNV(a[i], b[j], acc[i][j]);
        }
        barrier();
        buf ^= 1u;
    }

    // The last barrier freed the tiles: each subgroup stages its fragments there.
    uint db = p.off_d + batch * p.d_batch;
    uint lane = gl_SubgroupInvocationID;
    uint stage = sg * FM * STAGE_STRIDE;
    [[unroll]] for (uint i = 0; i < FRAGS_N; i++)
        [[unroll]] for (uint j = 0; j < FRAGS_M; j++) {
            coopMatStoreNV(acc[i][j], tiles, stage, STAGE_STRIDE, false);
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            uint n_base = n0 + sg_n * SUB_N + i * FM;
            uint m_base = m0 + sg_m * SUB_M + j * FN;
            for (uint e = lane; e < FM * FN; e += 32u) {
                uint r = e / FN, c = e % FN;
                uint n = n_base + r, m = m_base + c;
                uint word = (stage + r * STAGE_STRIDE) * 4u + c;
                if (n < p.N && m < p.M)
                    d[db + n * p.M + m] = D_PACK(uintBitsToFloat(tiles[word >> 2][word & 3u]) + matmul_bias(m));
            }
            subgroupBarrier();
        }
}
