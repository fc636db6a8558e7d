#version 450
// matmul, tiled path (any GPU): out = x w^T + bias with shared-memory tiles
// and a TN x TM register block per invocation.  A workgroup owns BN rows of x
// by BM rows of w; each step copies a BK-wide slice of both to shared memory
// (k-major, so the inner loop reads rows of the block), then every
// invocation does TN x TM fused multiply-adds per k.
#include "common.glsl"
#include "matmul_common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;   // outputs (rows of w) per workgroup
layout(constant_id = 2) const uint BN = 64;   // rows of x per workgroup
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;    // outputs per invocation, BM / TM apart
layout(constant_id = 5) const uint TN = 4;    // rows per invocation, BN / TN apart

const uint WG = (BM / TM) * (BN / TN); // the host passes this as constant 0
const uint XS = BN + 1u;               // shared row strides, padded against bank conflicts
const uint WS = BM + 1u;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T x[]; };
layout(std430, binding = 1) readonly buffer A4 { A_T4 x4[]; };
layout(std430, binding = 2) readonly buffer B { B_T w[]; };
layout(std430, binding = 2) readonly buffer B4 { B_T4 w4[]; };

shared float xs[BK * XS];
shared float ws[BK * WS];

void main()
{
    uint tm, tn, batch;
    if (!matmul_tile(tm, tn, batch))
        return;
    uint lid = gl_LocalInvocationID.x;
    uint tx = lid % (BM / TM);
    uint ty = lid / (BM / TM);
    uint m0 = tm * BM;
    uint n0 = tn * BN;
    uint xb = p.off_x + batch * p.x_batch;
    uint wb = p.off_w + batch * p.w_batch;

    float acc[TN][TM];
    [[unroll]] for (uint j = 0; j < TN; j++)
        [[unroll]] for (uint i = 0; i < TM; i++)
            acc[j][i] = 0.0;

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        // Out-of-range rows and k read as zero, so edge tiles need no other care.
        if (matmul_aligned()) {
            for (uint e = lid; e < BN * BK / 4u; e += WG) {
                uint row = e / (BK / 4u), k = k0 + 4u * (e % (BK / 4u));
                vec4 v = vec4(0.0);
                if (n0 + row < p.N && k < p.K)
                    v = A_LOAD4(x4[(xb + (n0 + row) * p.K + k) >> 2]);
                uint s = (k - k0) * XS + row;
                xs[s] = v.x;
                xs[s + XS] = v.y;
                xs[s + 2u * XS] = v.z;
                xs[s + 3u * XS] = v.w;
            }
            for (uint e = lid; e < BM * BK / 4u; e += WG) {
                uint row = e / (BK / 4u), k = k0 + 4u * (e % (BK / 4u));
                vec4 v = vec4(0.0);
                if (m0 + row < p.M && k < p.K)
                    v = B_LOAD4(w4[(wb + (m0 + row) * p.K + k) >> 2]);
                uint s = (k - k0) * WS + row;
                ws[s] = v.x;
                ws[s + WS] = v.y;
                ws[s + 2u * WS] = v.z;
                ws[s + 3u * WS] = v.w;
            }
        } else {
            for (uint e = lid; e < BN * BK; e += WG) {
                uint row = e / BK, k = k0 + e % BK;
                xs[(k - k0) * XS + row] = n0 + row < p.N && k < p.K ? A_LOAD(x[xb + (n0 + row) * p.K + k]) : 0.0;
            }
            for (uint e = lid; e < BM * BK; e += WG) {
                uint row = e / BK, k = k0 + e % BK;
                ws[(k - k0) * WS + row] = m0 + row < p.M && k < p.K ? B_LOAD(w[wb + (m0 + row) * p.K + k]) : 0.0;
            }
        }
        barrier();
        // Unrolled by 4 only: LLVM on lavapipe takes seconds over a full unroll.
        for (uint k4 = 0; k4 < BK; k4 += 4u) {
            [[unroll]] for (uint k = k4; k < k4 + 4u; k++) {
                float a[TN], b[TM];
                [[unroll]] for (uint j = 0; j < TN; j++)
                    a[j] = xs[k * XS + ty + j * (BN / TN)];
                [[unroll]] for (uint i = 0; i < TM; i++)
                    b[i] = ws[k * WS + tx + i * (BM / TM)];
                [[unroll]] for (uint j = 0; j < TN; j++)
                    [[unroll]] for (uint i = 0; i < TM; i++)
                        acc[j][i] = fma(a[j], b[i], acc[j][i]);
            }
        }
        barrier();
    }

    uint db = p.off_d + batch * p.d_batch;
    [[unroll]] for (uint i = 0; i < TM; i++) {
        uint m = m0 + tx + i * (BM / TM);
        if (m >= p.M)
            continue;
        float bias = matmul_bias(m);
        [[unroll]] for (uint j = 0; j < TN; j++) {
            uint n = n0 + ty + j * (BN / TN);
            if (n < p.N)
                d[db + n * p.M + m] = D_PACK(acc[j][i] + bias);
        }
    }
}
