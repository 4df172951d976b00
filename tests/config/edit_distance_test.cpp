#include "config/edit_distance.h"

#include <gtest/gtest.h>

namespace sf {
namespace {

TEST(EditDistance, CountsInsertDeleteSubstituteAndSwap) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("lr", "lr"), 0u);
  EXPECT_EQ(edit_distance("lrr", "lr"), 1u);        // delete
  EXPECT_EQ(edit_distance("stepz", "steps"), 1u);   // substitute
  EXPECT_EQ(edit_distance("trian", "train"), 1u);   // swap neighbours
  EXPECT_EQ(edit_distance("n_layer", "n_layers"), 1u);
  EXPECT_EQ(edit_distance("LR", "lr"), 0u);         // case does not count
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(NearestKeys, PrefersTheSameSectionThenOtherSections) {
  const std::vector<std::string> keys = {"model", "optim", "train", "optim.lr", "optim.min_lr",
                                         "train.steps", "train.seed", "model.n_layer", "model.n_head"};
  EXPECT_EQ(nearest_keys("optim.lrr", keys), std::vector<std::string>{"optim.lr"});
  EXPECT_EQ(nearest_keys("train.stepz", keys), std::vector<std::string>{"train.steps"});
  EXPECT_EQ(nearest_keys("train.lr", keys), std::vector<std::string>{"optim.lr"});  // wrong section
  EXPECT_EQ(nearest_keys("trian", keys), std::vector<std::string>{"train"});
  EXPECT_EQ(nearest_keys("model.n_layers", keys), std::vector<std::string>{"model.n_layer"});
  EXPECT_TRUE(nearest_keys("optim.zzzzzzzz", keys).empty());  // nothing plausible
}

TEST(NearestKeys, ReturnsEveryTiedKeyUpToThree) {
  const std::vector<std::string> keys = {"a.beta1", "a.beta2", "a.eps"};
  EXPECT_EQ(nearest_keys("a.beta", keys), (std::vector<std::string>{"a.beta1", "a.beta2"}));
}

}  // namespace
}  // namespace sf
