#version 450
// Embedding lookup: d[i][c] = table[ids[i] - row_start][c] for the ids whose
// rows this dispatch's slice of the table holds (a table past the binding
// range comes in several slices).  Ids outside [0, vocab) get zeros from the
// dispatch that has zero_invalid set.  One workgroup per id: the id, and so
// the table row, is uniform across the workgroup.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) writeonly buffer D { D_T d[]; };
layout(std430, binding = 1) readonly buffer A { A_T table[]; };
layout(std430, binding = 2) readonly buffer I { int ids[]; };

layout(push_constant) uniform Push {
    uint n;            // ids in this dispatch
    uint dim;          // row length
    uint row_start;    // first table row in this binding
    uint rows;         // table rows in this binding
    uint vocab;        // rows of the whole table
    uint zero_invalid; // 1: write zeros for ids outside [0, vocab)
    uint off_d;
    uint off_a;
    uint off_i;
} p;

void main()
{
    uint i = flat_workgroup_id();
    if (i >= p.n)
        return;
    int id = ids[p.off_i + i];
    bool inside = id >= int(p.row_start) && id < int(p.row_start + p.rows);
    bool invalid = id < 0 || id >= int(p.vocab);
    if (!inside && !(invalid && p.zero_invalid != 0u))
        return;
    uint src = p.off_a + (inside ? uint(id) - p.row_start : 0u) * p.dim;
    uint dst = p.off_d + i * p.dim;
    for (uint c = gl_LocalInvocationID.x; c < p.dim; c += gl_WorkGroupSize.x)
        d[dst + c] = inside ? D_PACK(A_LOAD(table[src + c])) : D_PACK(0.0);
}
