// pick_token (train/sampler.h): greedy ties, top-k then top-p in that order, and draws that follow the
// kept probabilities.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "train/sampler.h"

namespace sf {
namespace {

std::vector<double> logits_of(const std::vector<double>& probabilities) {
  std::vector<double> z;
  for (double p : probabilities) z.push_back(std::log(p));
  return z;
}

// How often each token comes out for u on a fine grid over (0, 1): its share of the kept mass.
std::map<int32_t, double> shares(const std::vector<double>& logits, double temperature, int64_t top_k, double top_p) {
  std::map<int32_t, double> count;
  const int n = 10000;
  for (int i = 0; i < n; ++i) count[pick_token(logits, temperature, top_k, top_p, (i + 0.5) / n)] += 1.0 / n;
  return count;
}

TEST(Sampler, GreedyTakesTheArgmaxAndTheLowestIdOnTies) {
  EXPECT_EQ(pick_token({0.1, 2.0, -1.0, 2.0}, 0, 0, 1, 0.99), 1);
  EXPECT_EQ(pick_token({5.0, 5.0}, 0, 1, 0.1, 0.7), 0);
}

TEST(Sampler, DrawsFollowTheProbabilities) {
  const auto s = shares(logits_of({0.5, 0.3, 0.2}), 1.0, 0, 1.0);
  EXPECT_NEAR(s.at(0), 0.5, 1e-3);
  EXPECT_NEAR(s.at(1), 0.3, 1e-3);
  EXPECT_NEAR(s.at(2), 0.2, 1e-3);
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  const std::vector<double> z = logits_of({0.1, 0.5, 0.25, 0.15});
  auto s = shares(z, 1.0, 0, 0.7);  // 0.5 + 0.25 >= 0.7: tokens 1 and 2, renormalised
  EXPECT_EQ(s.size(), 2u);
  EXPECT_NEAR(s[1], 0.5 / 0.75, 1e-3);
  EXPECT_NEAR(s[2], 0.25 / 0.75, 1e-3);
  s = shares(z, 1.0, 0, 0.4);  // the most likely token alone reaches 0.4
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.count(1), 1u);
  s = shares(z, 1.0, 0, 1e-9);  // always at least one
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(shares(z, 1.0, 0, 1.0).size(), 4u);
}

// Top-k renormalises before top-p looks: {0.5, 0.3} of 0.8 are {0.625, 0.375}, and 0.625 >= 0.6 alone.
// Top-p first would keep tokens 0 and 1 (0.5 < 0.6).
TEST(Sampler, TopKComesBeforeTopP) {
  const auto s = shares(logits_of({0.5, 0.3, 0.2}), 1.0, 2, 0.6);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.count(0), 1u);
  const auto k_only = shares(logits_of({0.5, 0.3, 0.2}), 1.0, 2, 1.0);
  EXPECT_NEAR(k_only.at(0), 0.625, 1e-3);
  EXPECT_NEAR(k_only.at(1), 0.375, 1e-3);
}

TEST(Sampler, TemperatureSharpensBeforeTheFilters) {
  // At T = 0.5 the probabilities go as p²: {0.25, 0.09, 0.04} / 0.38; top-p 0.6 keeps token 0 alone
  // (0.658), where at T = 1 it needs tokens 0 and 1.
  EXPECT_EQ(shares(logits_of({0.5, 0.3, 0.2}), 0.5, 0, 0.6).size(), 1u);
  EXPECT_EQ(shares(logits_of({0.5, 0.3, 0.2}), 1.0, 0, 0.6).size(), 2u);
}

}  // namespace
}  // namespace sf
