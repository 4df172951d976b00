// GAM (layers/gam/gam.h) beyond the mixer contract: what the paper's model is, read from its code
// (spec mixers.md §5.2): the memory path mixes no tokens, so n layers see exactly 1 + (k − 1)·n tokens
// back; the parameter count of the reference configuration; the ablation switches' parameters.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "core/ops.h"
#include "layers/sequence_model.h"
#include "layers/transformer_block.h"

namespace sf {
namespace {

RunConfig gam_config(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"model.mixer=gam", "model.dropout=0"});
  return run_config_from_yaml("{}", "gam test", overrides);
}

TEST(Gam, ReceptiveFieldIsOnePlusTwoTokensPerLayer) {
  const int64_t n_layer = 3, L = 16, t0 = 4;
  const RunConfig c = gam_config({"model.n_layer=3", "model.n_embd=8", "model.n_head=2", "model.block_size=16", "train.seq_len=16",
                                  "model.vocab_size=11", "model.gam.slots=6", "model.gam.tile_rows=5"});
  SequenceModel model(c.model, DType::f64);
  model.init_parameters(3);
  model.eval();
  std::vector<int64_t> ids(L);
  for (int64_t t = 0; t < L; ++t) ids[t] = (3 * t + 1) % 11;
  const Tensor a = model.forward(from_vector<int64_t>(ids, {1, L})).data();
  ids[t0] = (ids[t0] + 5) % 11;
  const Tensor b = model.forward(from_vector<int64_t>(ids, {1, L})).data();
  for (int64_t t = 0; t < L; ++t) {
    const double d = max_abs_diff(a.narrow(1, t, 1), b.narrow(1, t, 1));
    if (t >= t0 && t <= t0 + 2 * n_layer) EXPECT_GT(d, 1e-9) << "row " << t << " should see token " << t0;
    else EXPECT_EQ(d, 0.0) << "row " << t << " is outside token " << t0 << "'s reach";
  }
}

TEST(Gam, ReferenceConfigurationHas22Point6MParameters) {
  // rishiraj/gam's defaults: D 512, 6 blocks, 512 slots, context 256, V 10,000, tied head, biases.
  const RunConfig c = gam_config({"model.n_layer=6", "model.n_embd=512", "model.n_head=8", "model.block_size=256",
                                  "model.vocab_size=10000", "model.gam.slots=512", "model.bias=true",
                                  "model.pos=learned", "model.tie_embeddings=true"});
  SequenceModel model(c.model);
  EXPECT_EQ(model.num_parameters(), 22599680);  // 2,891,264 per block (spec §5.1) + embeddings + final norm
}

TEST(Gam, AblationSwitchesDropThePathsTheyRemove) {
  const auto names = [](const std::vector<std::string>& o) {
    std::vector<std::string> base = {"model.n_layer=1", "model.n_embd=8", "model.n_head=2", "model.vocab_size=5",
                                     "model.gam.slots=3"};
    base.insert(base.end(), o.begin(), o.end());
    SequenceModel model(gam_config(base).model);
    std::string all;
    for (const auto& [name, p] : model.named_parameters())
      if (name.find(".mixer.") != std::string::npos) all += name.substr(name.find(".mixer.") + 7) + ":" + shape_str(p.shape()) + " ";
    return all;
  };
  EXPECT_EQ(names({}), "conv_weight:(8, 3) conv_bias:(8) memory:(3, 8) gate_weight:(16, 8) gate_bias:(16) ");
  EXPECT_EQ(names({"model.gam.fusion=sum"}), "conv_weight:(8, 3) conv_bias:(8) memory:(3, 8) ");
  EXPECT_EQ(names({"model.gam.paths=local"}), "conv_weight:(8, 3) conv_bias:(8) gate_weight:(8, 8) gate_bias:(8) ");
  EXPECT_EQ(names({"model.gam.paths=global"}), "memory:(3, 8) gate_weight:(8, 8) gate_bias:(8) ");
}

TEST(Gam, SumFusionWithOnePathIsRefused) {
  try {
    gam_config({"model.gam.fusion=sum", "model.gam.paths=local"});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.gam.fusion"), std::string::npos) << e.what();
  }
}

TEST(Gam, TheBlockAddsTheGatedPathsWithoutDropout) {
  // rishiraj/gam: x = res + fused_context, no dropout there (its MLP branch has one). With model.mlp none
  // the block is x + GAM(LN(x)), so a training forward at dropout 0.5 equals the eval forward; an
  // attention block, whose output the block drops, does not.
  for (const char* mixer : {"gam", "attention"}) {
    RunConfig c = gam_config({"model.n_embd=8", "model.n_head=2", "model.gam.slots=4", "model.mlp=none"});
    c.model.mixer = mixer;
    c.model.dropout = 0.5;
    TransformerBlock block(c.model, 0, DType::f64);
    block.init_parameters(2);
    const Variable x(arange(48, DType::f64).view({2, 3, 8}) * 0.05);
    block.set_rng_step(1, 1);
    const Tensor trained = block.forward(x).data();
    block.eval();
    const double d = max_abs_diff(trained, block.forward(x).data());
    if (std::string(mixer) == "gam") EXPECT_EQ(d, 0.0);
    else EXPECT_GT(d, 0.0);
  }
}

}  // namespace
}  // namespace sf
