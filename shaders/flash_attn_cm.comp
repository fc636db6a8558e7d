#version 450
// Flash attention on NVIDIA tensor cores (GL_NV_cooperative_matrix), the
// `nv_cm` kernel.  FA2: 128 threads = 4 subgroups of 32 (the host asks for
// full subgroups of 32), each owning 16 of the workgroup's 64 query rows,
// sharing blocks of BC keys (64, or 32 when shared memory is short).
//
// The matrix operations are only those the convolution kernel has run
// correctly on an H200: fp16 fragments loaded row-major from fp16 shared
// arrays, fp32 accumulators that start at zero and are only stored.  (The
// previous version of this kernel, which converted fp32 fragments to fp16,
// loaded K^T column-major and reloaded accumulators to rescale them, gave
// inf there while its emulated twin passed.)  So:
//   - Q is staged as fp16 through the subgroup's P area and kept as fragments;
//   - K is staged transposed (dims x keys) and V as is (keys x dims), fp16,
//     zero for skipped keys and past D;
//   - S = Q K^T goes to the subgroup's fp32 score area, where two lanes per
//     row run the online softmax in fp32 (scale, key and position biases,
//     masks) and write P as fp16 to the P area;
//   - each block's P V starts from zero fragments, goes through the score
//     area, and is added by the row's two lanes to O, which they hold in
//     registers (alternate columns), rescaled there when the row max moves.
#ifndef EMULATE_CM
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#endif
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_vote : require
#include "common.glsl"
#include "attention.glsl"

const uint SUBGROUPS = 4;
const uint BR = 64;                  // query rows per workgroup, 16 per subgroup
const uint DP = (D + 15) / 16 * 16;  // head dim padded to fragments
const uint DK = DP / 16;             // fragments along the head dim
const uint NB = BC / 16;             // fragments along a block of keys
const uint KSTR = BC + 8;            // fp16 per row of K^T (one dim): 16 bytes of skew against bank conflicts
const uint VSTR = DP + 8;            // fp16 per row of V (one key)
const uint SSTR = BC + 4;            // fp32 per row of a subgroup's score area
const uint PSTR = BC + 8;            // fp16 per row of a subgroup's P area
const uint OREG = DP / 2;            // O values each lane holds: alternate columns of its row

// Keep in step with cm_shared_bytes in engine/ops/attention.c.
shared float16_t kt_tile[DP * KSTR];
shared float16_t v_tile[BC * VSTR];
shared float s_area[SUBGROUPS * 16 * SSTR];
shared float16_t p_area[SUBGROUPS * 16 * PSTR];
shared float bias_tile[BC];
shared float pb_tile[BR + BC - 1];
shared uint live_flag[3];

#ifndef EMULATE_CM

#define UNROLL [[unroll]]
#define F16MAT fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define F32MAT fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define SG_ID gl_SubgroupID
#define SG_LANE gl_SubgroupInvocationID
#define CM_LOAD(m, buf, element, stride) coopMatLoadNV(m, buf, element, stride, false)
#define CM_STORE(m, buf, element, stride) coopMatStoreNV(m, buf, element, stride, false)
#define cm_mul_add(a, b, c) coopMatMulAddNV(a, b, c)
#define cm_zero() F32MAT(0.0)

void subgroup_sync()
{
    subgroupMemoryBarrierShared();
    subgroupBarrier();
}

#else

// The same algorithm on any device, for tests (flash_cm_emu_*): a 32-lane
// "subgroup" is 32 consecutive invocations, whatever the real subgroup
// size (pairs of lanes must share a real subgroup: sizes >= 2).  Lane L of
// it holds elements (L / 2, (L % 2) * 8 + i), i < 8, of each 16 x 16 matrix.
// Matrix operations synchronise the whole workgroup, so the kernel calls
// them only in workgroup-uniform control flow when emulated.
// Loops stay loops: unrolled, lavapipe's compiler takes minutes and gigabytes.
#define UNROLL [[dont_unroll]]
struct F16MAT { float16_t e[8]; };
struct F32MAT { float e[8]; };
#define SG_ID (gl_LocalInvocationID.x / 32)
#define SG_LANE (gl_LocalInvocationID.x % 32)
#define CM_LOAD(m, buf, element, stride) \
    [[dont_unroll]] for (uint i_ = 0; i_ < 8; i_++) \
        m.e[i_] = buf[(element) + (SG_LANE / 2) * (stride) + (SG_LANE % 2) * 8 + i_];
#define CM_STORE(m, buf, element, stride) \
    [[dont_unroll]] for (uint i_ = 0; i_ < 8; i_++) \
        buf[(element) + (SG_LANE / 2) * (stride) + (SG_LANE % 2) * 8 + i_] = m.e[i_];

shared float16_t emu_b[4 * 256];

void subgroup_sync()
{
    memoryBarrierShared();
    barrier();
}

F32MAT cm_zero()
{
    F32MAT m;
    [[unroll]] for (uint i = 0; i < 8; i++)
        m.e[i] = 0.0;
    return m;
}

F32MAT cm_mul_add(F16MAT a, F16MAT b, F32MAT c)
{
    const uint lane = SG_LANE, base = SG_ID * 256;
    [[unroll]] for (uint i = 0; i < 8; i++)
        emu_b[base + (lane / 2) * 16 + (lane % 2) * 8 + i] = b.e[i];
    memoryBarrierShared();
    barrier();
    // Row lane/2 of a is held by this lane and its neighbour.
    const uint even = gl_SubgroupInvocationID & ~1u;
    [[dont_unroll]] for (uint k = 0; k < 16; k++)
    {
        const float ak = subgroupShuffle(float(a.e[k % 8]), even + k / 8);
        [[unroll]] for (uint i = 0; i < 8; i++)
            c.e[i] += ak * float(emu_b[base + k * 16 + (lane % 2) * 8 + i]);
    }
    barrier();
    return c;
}

#endif

float16_t to_half(float x)
{
    // bf16 reaches past fp16's range: clamp rather than make inf.
    return float16_t(clamp(x, -65504.0, 65504.0));
}

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint sg = SG_ID;
    const uint sl = SG_LANE;
    const uint wg = flat_workgroup_id();
    if (wg >= p.groups)
        return;
    const uint tiles = (p.nq + BR - 1) / BR;
    const uint tile = wg % tiles;
    const uint bh = wg / tiles;
    const uint b = bh / p.heads;
    const uint h = bh % p.heads;
    const uint srow0 = tile * BR + sg * 16;   // this subgroup's first query row
    const uint sbase = sg * 16 * SSTR;        // its score area
    const uint pbase = sg * 16 * PSTR;        // its P area
    const float qk_scale = p.scale * LOG2E;

    if (tid < 3)
        live_flag[tid] = 0u;

    // Q: through the P area, BC dims at a time, as fp16 fragments.
    F16MAT qf[DK];
    UNROLL for (uint c0 = 0; c0 < DK; c0 += NB)
    {
        for (uint t = sl; t < 16 * BC; t += 32)
        {
            const uint r = t / BC, c = t % BC, d = c0 * 16 + c;
            float x = 0.0;
            if (srow0 + r < p.nq && d < D)
                x = A_LOAD(q[q_row(b, h, srow0 + r) + d * p.q_sd]);
            p_area[pbase + r * PSTR + c] = to_half(x);
        }
        subgroup_sync();
        UNROLL for (uint f = 0; f < NB; f++)
            if (c0 + f < DK)
                CM_LOAD(qf[c0 + f], p_area, pbase + f * 16, PSTR);
        subgroup_sync();
    }
    barrier();

    // Row r of the subgroup belongs to lanes 2r and 2r+1; both keep its
    // state, and lane 2r + half holds O's columns 2i + half.
    const uint r = sl >> 1;
    const uint half_lane = sl & 1;
    const uint rr = sg * 16 + r;              // row within the workgroup's tile
    float o_acc[OREG];
    UNROLL for (uint i = 0; i < OREG; i++)
        o_acc[i] = 0.0;
    float m_run = NEG_INIT;
    float l = 0.0;
    uint block = 0;

    for (uint j0 = 0; j0 < p.nk; j0 += BC, block++)
    {
        const uint nb = min(BC, p.nk - j0);

        // Key biases, and whether any key of the block takes part.  The flag
        // rotates over three slots: the next block's is cleared now, and no
        // invocation can still be reading it (it was read two blocks ago,
        // before the barrier every invocation passed since).
        const uint slot = block % 3;
        if (tid == 0)
            live_flag[(block + 1) % 3] = 0u;
        if (tid < BC)
        {
            const float kb = tid < nb ? key_bias_at(b, j0 + tid) : -3.0e38;
            bias_tile[tid] = kb;
            if (subgroupAny(kb > SKIP_BIAS) && subgroupElect())
                atomicOr(live_flag[slot], 1u);
        }
        barrier();
        if (live_flag[slot] == 0u)
            continue;

        // K transposed, key-fastest so that neighbours write neighbouring
        // halves; V as is, dim-fastest.
        for (uint t = tid; t < BC * (DP / 4); t += gl_WorkGroupSize.x)
        {
            const uint jj = t % BC, d = 4 * (t / BC);
            vec4 kx = vec4(0.0);
            if (jj < nb && bias_tile[jj] > SKIP_BIAS)
                kx = A_LOAD4(k_raw4(k_row(b, h, j0 + jj), d));
            UNROLL for (uint c = 0; c < 4; c++)
                kt_tile[(d + c) * KSTR + jj] = to_half(kx[c]);
        }
        for (uint t = tid; t < BC * (DP / 4); t += gl_WorkGroupSize.x)
        {
            const uint jj = t / (DP / 4), d = 4 * (t % (DP / 4));
            vec4 vx = vec4(0.0);
            if (jj < nb && bias_tile[jj] > SKIP_BIAS)
                vx = A_LOAD4(v_raw4(v_row(b, h, j0 + jj), d));
            UNROLL for (uint c = 0; c < 4; c++)
                v_tile[jj * VSTR + d + c] = to_half(vx[c]);
        }
        if (HAS_PB != 0)
        {
            // The biases of this tile's diagonals: index (j - j0) - (i - tile*BR) + BR - 1.
            for (uint t = tid; t < BR + BC - 1; t += gl_WorkGroupSize.x)
            {
                const int diff = int(j0 + t) - int(BR - 1) - int(tile * BR);   // j - i
                float x = 0.0;
                if (diff >= 1 - int(p.nq) && diff < int(p.nk))
                    x = position_bias[uint(p.pb_off + int(h * p.pb_sh) + diff * p.pb_sj)];
                pb_tile[t] = x;
            }
        }
        barrier();

        // S = Q K^T, fragment by fragment of 16 keys.
        UNROLL for (uint n = 0; n < NB; n++)
        {
            F32MAT s = cm_zero();
            UNROLL for (uint f = 0; f < DK; f++)
            {
                F16MAT kt;
                CM_LOAD(kt, kt_tile, f * 16 * KSTR + n * 16, KSTR);
                s = cm_mul_add(qf[f], kt, s);
            }
            CM_STORE(s, s_area, sbase + n * 16, SSTR);
        }
        subgroup_sync();

        // Online softmax in fp32 (base 2); lanes of a row take alternate columns.
        float block_max = NEG_INIT;
        for (uint cc = 0; cc < BC / 2; cc++)
        {
            const uint c = 2 * cc + half_lane;
            const float kb = bias_tile[c];
            float x = -3.0e38;
            if (kb > SKIP_BIAS)
            {
                const float pb = HAS_PB != 0 ? pb_tile[c - rr + BR - 1] : 0.0;
                x = s_area[sbase + r * SSTR + c] * qk_scale + (kb + pb) * LOG2E;
                block_max = max(block_max, x);
            }
            s_area[sbase + r * SSTR + c] = x;
        }
        block_max = max(block_max, subgroupShuffleXor(block_max, 1u));
        const float m_new = max(m_run, block_max);
        const float correction = exp2(m_run - m_new);
        m_run = m_new;
        float sum = 0.0;
        for (uint cc = 0; cc < BC / 2; cc++)
        {
            const uint c = 2 * cc + half_lane;
            float16_t w = float16_t(0.0);
            if (bias_tile[c] > SKIP_BIAS)
                w = float16_t(exp2(s_area[sbase + r * SSTR + c] - m_new));
            p_area[pbase + r * PSTR + c] = w;
            // Summed as the tensor cores will see it.
            sum += float(w);
        }
        sum += subgroupShuffleXor(sum, 1u);
        l = l * correction + sum;
        UNROLL for (uint i = 0; i < OREG; i++)
            o_acc[i] *= correction;
        subgroup_sync();

        F16MAT pf[NB];
        UNROLL for (uint n = 0; n < NB; n++)
            CM_LOAD(pf[n], p_area, pbase + n * 16, PSTR);

        // O += P V, BC dims at a time through the score area.
        UNROLL for (uint c0 = 0; c0 < DK; c0 += NB)
        {
            UNROLL for (uint f = 0; f < NB; f++)
                if (c0 + f < DK)
                {
                    F32MAT pv = cm_zero();
                    UNROLL for (uint n = 0; n < NB; n++)
                    {
                        F16MAT vf;
                        CM_LOAD(vf, v_tile, n * 16 * VSTR + (c0 + f) * 16, VSTR);
                        pv = cm_mul_add(pf[n], vf, pv);
                    }
                    CM_STORE(pv, s_area, sbase + f * 16, SSTR);
                }
            subgroup_sync();
            UNROLL for (uint cc = 0; cc < BC / 2; cc++)
                if (c0 * 8 + cc < OREG)
                    o_acc[c0 * 8 + cc] += s_area[sbase + r * SSTR + 2 * cc + half_lane];
            subgroup_sync();
        }
        // Every subgroup is done with the tiles before the next block is staged.
        barrier();
    }

    // O / l, each lane its own columns.
    if (srow0 + r < p.nq)
    {
        const float inv_l = l > 0.0 ? 1.0 / l : 0.0;
        const uint base = o_row(b, h, srow0 + r);
        UNROLL for (uint i = 0; i < OREG; i++)
        {
            const uint d = 2 * i + half_lane;
            if (d < D)
                o[base + d * p.o_sd] = D_PACK(o_acc[i] * inv_l);
        }
    }
}
