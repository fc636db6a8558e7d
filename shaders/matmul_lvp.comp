#version 450
// matmul, lvp path (lavapipe): out = x w^T + bias without shared memory.
#include "common.glsl"
#include "matmul_common.glsl"

layout(local_size_x = 8) in;
layout(constant_id = 0) const uint ROWS = 4;
layout(constant_id = 1) const uint COLS = 4;
// A constant, not the push flag: with both loops in one pipeline, llvmpipe
// ran the vec4 loop at half speed (3.2 against 6.4 GFLOP/s at 1024^3).
layout(constant_id = 2) const bool ALIGNED = false;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };
layout(std430, binding = 1) readonly buffer A4 { A_T4 x4[]; };
layout(std430, binding = 2) readonly buffer B { B_T w[]; };
layout(std430, binding = 2) readonly buffer B4 { B_T4 w4[]; };

void main()
{
    uint tm, tn, batch;
    if (!matmul_tile(tm, tn, batch))
        return;
    uint lane = gl_LocalInvocationID.x;
    uint n0 = tn * ROWS;
    uint m0 = tm * 8u * COLS + lane;
    uint xb = p.off_x + batch * p.x_batch;
    uint wb = p.off_w + batch * p.w_batch;

    uint xrow[ROWS];
    uint wrow[COLS];
    [[unroll]] for (uint r = 0; r < ROWS; r++)
        xrow[r] = xb + min(n0 + r, p.N - 1u) * p.K;
    [[unroll]] for (uint c = 0; c < COLS; c++)
        wrow[c] = wb + min(m0 + 8u * c, p.M - 1u) * p.K;

    float acc[ROWS][COLS];
    [[unroll]] for (uint r = 0; r < ROWS; r++)
        [[unroll]] for (uint c = 0; c < COLS; c++)
            acc[r][c] = 0.0;

    uint k = 0;
    if (ALIGNED) {
        [[unroll]] for (uint r = 0; r < ROWS; r++)
            xrow[r] >>= 2;
        [[unroll]] for (uint c = 0; c < COLS; c++)
            wrow[c] >>= 2;
        uint k4 = p.K >> 2;
        for (uint i = 0; i < k4; i++) {
            vec4 wv[COLS];
            [[unroll]] for (uint c = 0; c < COLS; c++)
                wv[c] = B_LOAD4(w4[wrow[c] + i]);
            [[unroll]] for (uint r = 0; r < ROWS; r++) {
                vec4 xv = A_LOAD4(x4[xrow[r] + i]);
                [[unroll]] for (uint c = 0; c < COLS; c++)
                    acc[r][c] += dot(xv, wv[c]);
            }
        }
    } else {
        for (uint i = 0; i < p.K; i++) {
            float wv[COLS];
            [[unroll]] for (uint c = 0; c < COLS; c++)
                wv[c] = B_LOAD(w[wrow[c] + i]);
            [[unroll]] for (uint r = 0; r < ROWS; r++) {
                float xv = A_LOAD(x[xrow[r] + i]);
                [[unroll]] for (uint c = 0; c < COLS; c++)
                    acc[r][c] = fma(xv, wv[c], acc[r][c]);
            }
        }
    }

    uint db = p.off_d + batch * p.d_batch;
    [[unroll]] for (uint c = 0; c < COLS; c++) {
        uint m = m0 + 8u * c;
        if (m >= p.M)
            continue;
        float bias = matmul_bias(m);
        [[unroll]] for (uint r = 0; r < ROWS; r++)
            if (n0 + r < p.N)
                d[db + (n0 + r) * p.M + m] = D_PACK(acc[r][c] + bias);
    }
}
