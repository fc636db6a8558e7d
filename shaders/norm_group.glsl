// norm_group.glsl: how the group-norm kernels walk an NCDHW tensor.
//
// Every channel's T*H*W elements are cut into segments (one per frame in
// per-frame mode, one for all frames otherwise) and each segment into chunks
// of `chunk` elements.  Passes 1 and 3 give one workgroup to each
// (channel, segment, chunk) of the channels bound in the dispatch, so a
// workgroup's channel and statistics are uniform.  The statistics of group
// g, segment t of batch b sit at work[((b * G + g) * segs + t) * 4] as
// (mean, rstd, mean_low, 0), the exact mean being mean + mean_low; chunk
// partials (pivot, delta, M2, 0) follow them, ordered by (channel, segment,
// chunk) of the whole tensor, the chunk's mean being pivot + delta.

struct Chunk {
    uint channel; // within the dispatch
    uint segment;
    uint start;   // first element, relative to the bound x
    uint count;
};

Chunk chunk_of(uint wid, uint chunks_per_seg, uint segs, uint seglen, uint chunk)
{
    Chunk k;
    uint index = wid % chunks_per_seg;
    k.segment = (wid / chunks_per_seg) % segs;
    k.channel = wid / (chunks_per_seg * segs);
    k.start = k.channel * segs * seglen + k.segment * seglen + index * chunk;
    k.count = min(chunk, seglen - index * chunk);
    return k;
}
