#version 450
// Strided copy with dtype conversion, up to 8 dims (innermost last):
//   d[off_d + sum_k idx[k] * stride_d[k]] = a[off_a + sum_k idx[k] * stride_a[k]]
// for every multi-index idx of `shape`.  ae_op_copy, ae_op_permute,
// ae_op_patchify and ae_op_unpatchify all come here with their own strides.
//
// Invocation i of workgroup g handles the linear indices
// g * WG * PER_INVOCATION + i + r * WG, r < PER_INVOCATION: neighbouring lanes
// touch neighbouring elements (coalesced along the innermost dimension), and
// the multi-index is split with divisions once per invocation, then advanced
// by WG with a mixed-radix add.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint NDIM = 8;
layout(constant_id = 2) const uint PER_INVOCATION = 4;

#ifdef COPY_RAW32
// i32 (or any 32-bit word): copied bit for bit.
layout(std430, binding = 0) writeonly buffer D { uint d[]; };
layout(std430, binding = 1) readonly buffer A { uint a[]; };
#define MOVE(x) (x)
#else
layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T a[]; };
#define MOVE(x) D_PACK(A_LOAD(x))
#endif

layout(push_constant) uniform Push {
    uint n;      // elements in this dispatch
    uint off_d;  // element offsets of the bindings' first elements
    uint off_a;
    uint unused;
    uint shape[8];
    uint stride_a[8];
    uint stride_d[8];
} p;

void main()
{
    uint first = flat_workgroup_id() * gl_WorkGroupSize.x * PER_INVOCATION + gl_LocalInvocationID.x;
    if (first >= p.n)
        return;

    uint idx[8], step[8];
    uint rest = first, step_rest = gl_WorkGroupSize.x;
    [[unroll]] for (int k = int(NDIM) - 1; k >= 0; k--) {
        idx[k] = rest % p.shape[k];
        rest /= p.shape[k];
        step[k] = step_rest % p.shape[k];
        step_rest /= p.shape[k];
    }

    uint e = first;
    [[unroll]] for (uint r = 0; r < PER_INVOCATION; r++) {
        if (e >= p.n)
            break;
        uint ia = p.off_a, id = p.off_d;
        [[unroll]] for (uint k = 0; k < NDIM; k++) {
            ia += idx[k] * p.stride_a[k];
            id += idx[k] * p.stride_d[k];
        }
        d[id] = MOVE(a[ia]);
        e += gl_WorkGroupSize.x;
        // Each digit and step digit is below its radix, so one subtraction
        // settles the carry; past the outermost digit, e >= n stops the loop.
        uint carry = 0;
        [[unroll]] for (int k = int(NDIM) - 1; k >= 0; k--) {
            uint v = idx[k] + step[k] + carry;
            carry = v >= p.shape[k] ? 1u : 0u;
            idx[k] = v - carry * p.shape[k];
        }
    }
}
