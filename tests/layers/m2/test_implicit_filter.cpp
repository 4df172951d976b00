// M2's implicit long filter: its positional features are a parameter trained at model.m2.pos_lr without
// decay (constant when pos_lr is 0), and its MLP asks the optimizer for filter_lr and filter_weight_decay
// through parameter hints, as the reference's optimizer groups do (hyena_utils.py).
#include <gtest/gtest.h>

#include <map>

#include "layers/m2/implicit_filter.h"
#include "optim/factory.h"

namespace sf {
namespace {

TEST(ImplicitFilter, HintsGiveTheFilterAndItsFeaturesTheReferenceOptimizerGroups) {
  M2Config c;
  c.filter_order = 8;
  ImplicitFilter filter(4, 16, c);
  std::map<std::string, ParamHint> hints;
  for (const auto& [name, hint] : filter.parameter_hints()) hints[name] = hint;
  ASSERT_EQ(hints.size(), filter.named_parameters().size()) << "every parameter of the filter is hinted";
  EXPECT_EQ(hints.at("pos"), (ParamHint{1e-5, 0.0}));
  for (const char* name : {"in.weight", "in.bias", "hidden1.weight", "hidden2.bias", "out.weight", "freq"})
    EXPECT_EQ(hints.at(name), (ParamHint{1e-3, 0.1})) << name;

  OptimConfig oc;
  oc.lr = 1e-2;
  oc.weight_decay = 0.0;
  std::unique_ptr<Optimizer> opt = make_optimizer(oc, filter.named_parameters(), filter.parameter_hints());
  std::map<std::string, std::pair<double, double>> group_of;  // name -> (lr scale, decay)
  for (const ParamGroup& g : opt->groups())
    for (const std::string& name : g.names) group_of[name] = {g.lr_scale, g.weight_decay};
  EXPECT_DOUBLE_EQ(group_of.at("pos").first, 1e-3);
  EXPECT_EQ(group_of.at("pos").second, 0.0);
  EXPECT_DOUBLE_EQ(group_of.at("in.bias").first, 0.1);
  EXPECT_EQ(group_of.at("in.bias").second, 0.1) << "the filter's biases decay too";
}

TEST(ImplicitFilter, PosLrZeroKeepsTheFeaturesFixedAndFilterLrZeroFollowsOptimLr) {
  M2Config c;
  c.filter_order = 8;
  c.pos_lr = 0.0;
  c.filter_lr = 0.0;
  ImplicitFilter filter(4, 16, c);
  for (const auto& [name, p] : filter.named_parameters()) EXPECT_NE(name, "pos");
  for (const auto& [name, hint] : filter.parameter_hints()) EXPECT_EQ(hint, (ParamHint{std::nullopt, 0.1})) << name;
  // The features are the same numbers either way: t/(L−1), then the cos/sin pairs.
  M2Config trained = c;
  trained.pos_lr = 1e-5;
  ImplicitFilter a(4, 16, c, DType::f64), b(4, 16, trained, DType::f64);
  a.init_parameters(3);
  b.init_parameters(3);
  EXPECT_EQ(to_vector<double>(a.forward(16).data()), to_vector<double>(b.forward(16).data()));
}

}  // namespace
}  // namespace sf
