#version 450
// Flash attention, scalar: the `lvp` kernel, and with TILED the `tiled` one.
//
// Lanes work in octets: the 8 lanes of an octet split the head dim (lane l
// owns dims 32s + 4l .. 32s + 4l + 3, s < ceil(D/32)) and hold ROWS query
// rows.  For each key, whose index is uniform across the workgroup, a lane
// takes its partial dot products, three xor-shuffles merge them (every lane
// ends with the same bits), and the online softmax runs per row: a running
// max m in log2 units, the sum l and the unnormalised output o, rescaled
// only when a logit beats m (exact, and rare after the first keys).
//
// lvp: one octet per workgroup, keys read straight from memory (the key
// index is uniform, so on lavapipe each load is one vector load).
// tiled: WG/8 octets (FA2: queries split over octets, no barriers in the
// reductions) share blocks of BC keys and values staged in shared memory.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "common.glsl"
#include "attention.glsl"

const uint NV4 = (D + 31) / 32;      // 4-vectors of one row per lane
const uint OCTETS = gl_WorkGroupSize.x / 8;
const uint BR = OCTETS * ROWS;       // query rows per workgroup

#ifdef TILED
const uint KROW = NV4 * 8;           // 4-vectors per staged row, zero past D
shared A_T4 k_tile[BC * KROW];
shared A_T4 v_tile[BC * KROW];
shared float bias_tile[BC];
const uint BLOCK = BC;
#else
const uint BLOCK = 0x7fffffffu;
#endif

// Three xor-shuffles, not subgroupAdd: the octet is a part of the subgroup
// in `tiled`, and lavapipe runs both equally fast.  Each step adds the same
// two values on both lanes, so every lane ends with the same bits.
float octet_sum(float x)
{
    x += subgroupShuffleXor(x, 4u);
    x += subgroupShuffleXor(x, 2u);
    x += subgroupShuffleXor(x, 1u);
    return x;
}

void main()
{
    const uint tid = gl_LocalInvocationID.x;
    const uint lane = tid & 7u;
    const uint octet = tid >> 3;
    const uint wg = flat_workgroup_id();
    if (wg >= p.groups)
        return;
    const uint tiles = (p.nq + BR - 1) / BR;
    const uint tile = wg % tiles;
    const uint bh = wg / tiles;
    const uint b = bh / p.heads;
    const uint h = bh % p.heads;
    const uint row0 = tile * BR + octet * ROWS;
    // Logits in log2 units: exp2 is the cheap one.
    const float qk_scale = p.scale * LOG2E;

    vec4 qr[ROWS][NV4];
    vec4 acc[ROWS][NV4];
    float m[ROWS];
    float l[ROWS];
    [[unroll]] for (uint r = 0; r < ROWS; r++)
    {
        // Rows past the end repeat the last one and are not stored.
        const uint base = q_row(b, h, min(row0 + r, p.nq - 1));
        [[unroll]] for (uint s = 0; s < NV4; s++)
        {
            qr[r][s] = A_LOAD4(q_raw4(base, 32 * s + 4 * lane));
            acc[r][s] = vec4(0.0);
        }
        m[r] = NEG_INIT;
        l[r] = 0.0;
    }

    for (uint j0 = 0; j0 < p.nk; j0 += BLOCK)
    {
        const uint nb = min(BLOCK, p.nk - j0);
#ifdef TILED
        for (uint t = tid; t < BC; t += gl_WorkGroupSize.x)
            bias_tile[t] = t < nb ? key_bias_at(b, j0 + t) : -3.0e38;
        // Skipped keys are not even loaded.
        for (uint t = tid; t < BC * KROW; t += gl_WorkGroupSize.x)
        {
            const uint jj = t / KROW;
            const uint d = 4 * (t % KROW);
            A_T4 kx = A_T4(0), vx = A_T4(0);
            if (jj < nb && key_bias_at(b, j0 + jj) > SKIP_BIAS)
            {
                kx = k_raw4(k_row(b, h, j0 + jj), d);
                vx = v_raw4(v_row(b, h, j0 + jj), d);
            }
            k_tile[t] = kx;
            v_tile[t] = vx;
        }
        barrier();
#endif
        for (uint jj = 0; jj < nb; jj++)
        {
            const uint j = j0 + jj;
#ifdef TILED
            const float kb = bias_tile[jj];
#else
            const float kb = key_bias_at(b, j);
#endif
            if (kb <= SKIP_BIAS)
                continue;

            vec4 kx[NV4];
            [[unroll]] for (uint s = 0; s < NV4; s++)
#ifdef TILED
                kx[s] = A_LOAD4(k_tile[jj * KROW + 8 * s + lane]);
#else
                kx[s] = A_LOAD4(k_raw4(k_row(b, h, j), 32 * s + 4 * lane));
#endif
            float logit[ROWS];
            [[unroll]] for (uint r = 0; r < ROWS; r++)
            {
                float partial = 0.0;
                [[unroll]] for (uint s = 0; s < NV4; s++)
                    partial += dot(qr[r][s], kx[s]);
                logit[r] = octet_sum(partial) * qk_scale
                         + (kb + position_bias_at(h, row0 + r, j)) * LOG2E;
            }

            vec4 vx[NV4];
            [[unroll]] for (uint s = 0; s < NV4; s++)
#ifdef TILED
                vx[s] = A_LOAD4(v_tile[jj * KROW + 8 * s + lane]);
#else
                vx[s] = A_LOAD4(v_raw4(v_row(b, h, j), 32 * s + 4 * lane));
#endif
            [[unroll]] for (uint r = 0; r < ROWS; r++)
            {
                // The same on every lane of the octet: a uniform branch.
                if (logit[r] > m[r])
                {
                    const float correction = exp2(m[r] - logit[r]);
                    m[r] = logit[r];
                    l[r] *= correction;
                    [[unroll]] for (uint s = 0; s < NV4; s++)
                        acc[r][s] *= correction;
                }
                const float weight = exp2(logit[r] - m[r]);
                l[r] += weight;
                [[unroll]] for (uint s = 0; s < NV4; s++)
                    acc[r][s] += weight * vx[s];
            }
        }
#ifdef TILED
        barrier();
#endif
    }

    [[unroll]] for (uint r = 0; r < ROWS; r++)
    {
        if (row0 + r >= p.nq)
            break;
        // No key at all (kv_len, skipped keys): zeros, not 0/0.
        const float inv = l[r] > 0.0 ? 1.0 / l[r] : 0.0;
        const uint base = o_row(b, h, row0 + r);
        [[unroll]] for (uint s = 0; s < NV4; s++)
            o_store4(base, 32 * s + 4 * lane, acc[r][s] * inv);
    }
}
