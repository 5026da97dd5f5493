// Relative position bias of the attention scores (T5's bidirectional buckets, as MPNet uses
// them): the score of query i and key j of head h gets  weights[bucket(j - i), h]  added before
// the softmax. The bias depends only on the distance j - i, so a model computes it once, for
// every distance up to its longest sequence, and every layer shares it (RelativeScoreBias in
// core/layers/self_attention.h).
#ifndef ATTNSERVE_CORE_LAYERS_RELATIVE_POSITION_BIAS_H_
#define ATTNSERVE_CORE_LAYERS_RELATIVE_POSITION_BIAS_H_

#include <cstdint>
#include <vector>

namespace attnserve::core {

// The bucket of key-minus-query distance `relative_position` among `num_buckets` (even, >= 4):
// half the buckets for keys before the query, half for keys after; within a half, distances
// below a quarter of num_buckets get a bucket each, larger ones share logarithmically wider
// buckets up to `max_distance`, and everything further is in the last bucket. The logarithm is
// taken in float32, as transformers' relative_position_bucket does it (a distance on a bucket
// boundary lands where torch puts it).
int RelativePositionBucket(int64_t relative_position, int num_buckets, int max_distance);

// The bias by distance: out[h * (2 * max_len - 1) + (j - i) + max_len - 1] =
// weights[RelativePositionBucket(j - i, num_buckets, max_distance) * num_heads + h] for every
// head h and distance j - i in [-(max_len - 1), max_len - 1]. `weights` is the checkpoint's
// [table_rows, num_heads] embedding (torch.nn.Embedding layout); num_buckets <= table_rows.
std::vector<float> RelativeBiasByDistance(const float* weights, int num_heads, int num_buckets,
                                          int max_distance, int64_t max_len);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_LAYERS_RELATIVE_POSITION_BIAS_H_
