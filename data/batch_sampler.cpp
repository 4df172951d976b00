// BatchSampler: counter-based random windows (see batch_sampler.h).
#include "data/batch_sampler.h"

#include "core/error.h"
#include "core/hash.h"

namespace sf {

BatchSampler::BatchSampler(TokenSplits data, SamplerOptions options, double bytes_per_token)
    : data_(std::move(data)), options_(options), bytes_per_token_(bytes_per_token) {
  SF_CHECK(options_.batch_size > 0, "BatchSampler: batch_size must be positive, got ", options_.batch_size);
  SF_CHECK(options_.seq_len > 0, "BatchSampler: seq_len must be positive, got ", options_.seq_len);
  SF_CHECK(options_.world > 0 && options_.rank >= 0 && options_.rank < options_.world, "BatchSampler: rank ",
           options_.rank, " is outside a world of ", options_.world);
  const int64_t n = data_.train->size();
  SF_CHECK(n >= options_.seq_len + 1, "BatchSampler: the train split has ", n, " tokens; seq_len ",
           options_.seq_len, " needs at least ", options_.seq_len + 1);
}

Batch BatchSampler::gather(const TokenSource& tokens, uint64_t stream, uint64_t k) const {
  const int64_t B = options_.batch_size, T = options_.seq_len;
  // Every offset in [0, n - T) leaves room for the shifted target; the modulo bias (range / 2^64) is nil.
  const auto range = static_cast<uint64_t>(tokens.size() - T);
  const auto row0 = k * static_cast<uint64_t>(B * options_.world) + static_cast<uint64_t>(options_.rank * B);
  Tensor x = empty({B, T}, DType::i64), y = empty({B, T}, DType::i64);
  int64_t* xp = x.data<int64_t>();
  int64_t* yp = y.data<int64_t>();
  std::vector<int32_t> src(static_cast<size_t>(T + 1));
  for (int64_t b = 0; b < B; ++b) {
    tokens.read(static_cast<int64_t>(mix(stream, row0 + static_cast<uint64_t>(b)) % range), T + 1, src.data());
    for (int64_t t = 0; t < T; ++t) {
      xp[b * T + t] = src[t];
      yp[b * T + t] = src[t + 1];
    }
  }
  return {x, y};
}

Batch BatchSampler::batch(uint64_t k) const {
  return gather(*data_.train, mix(options_.seed, fnv1a("train")), k);
}

Batch BatchSampler::next() { return batch(counter_++); }

std::vector<Batch> BatchSampler::eval_batches(int64_t count) const {
  const int64_t n = data_.val->size();
  SF_CHECK(n >= options_.seq_len + 1, "BatchSampler: the validation split has ", n, " tokens; seq_len ",
           options_.seq_len, " needs at least ", options_.seq_len + 1);
  std::vector<Batch> batches;
  for (int64_t k = 0; k < count; ++k)
    batches.push_back(gather(*data_.val, mix(options_.seed, fnv1a("eval")), static_cast<uint64_t>(k)));
  return batches;
}

}  // namespace sf
