// The next token from a row of logits, in the order HF transformers' samplers apply their warpers
// (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper) and nanoGPT's sample.py its first two:
//   1. temperature: z = logits / T. T = 0 is greedy decoding: the argmax, the lowest id among equal
//      maxima, and no random number is used.
//   2. top-k: keep the k largest z (values equal to the k-th are kept too, as nanoGPT's
//      `logits < v[:, [-1]]`); 0 or k >= V keeps all.
//   3. top-p (nucleus sampling, Holtzman et al. 2020): of the tokens top-k kept, renormalised, keep the
//      most likely ones until their probabilities sum to at least p (always the first; equal
//      probabilities in id order); 1 keeps all. Top-k first means the nucleus is taken within the top k.
//   4. one draw: the first id, in id order, at which the running weight of the kept tokens exceeds
//      u · their total, u uniform in (0, 1).
#pragma once
#include <cstdint>
#include <vector>

namespace sf {

int32_t pick_token(std::vector<double> logits, double temperature, int64_t top_k, double top_p, double u);

}  // namespace sf
