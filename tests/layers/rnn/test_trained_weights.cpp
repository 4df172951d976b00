// Parallel mode = sequential mode on trained weights, at L = 64, 1024 and 8192 (the random-weights
// version is ParaRnn.ParallelEqualsSequentialFloat32AtLongLengths). The fixtures in golden/ are the
// mixers of keepnth_{paragru,paralstm} after training (golden/README.md): trained recurrences are
// larger than the init's, which is where Newton has to work.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "autograd/functions.h"
#include "core/error.h"
#include "data/h5_file.h"
#include "layers/rnn/para_rnn_mixer.h"
#include "tests/layers/test_util.h"

namespace sf {
namespace {

// The recipes' mixer: width 64, 4 heads, Newton with at most 6 iterations to tolerance 1e-6.
std::unique_ptr<ParaRnnMixer> trained_mixer(ParaCellKind kind, const std::string& fixture) {
  ModelConfig c;
  c.n_embd = 64;
  c.section<RnnConfig>().heads = 4;
  c.section<RnnConfig>().max_newton_iters = 6;
  c.section<RnnConfig>().tol = 1e-6;
  auto m = std::make_unique<ParaRnnMixer>(kind, c, DType::f32);
  const H5File f = H5File::open(std::string(SF_SOURCE_DIR) + "/tests/layers/rnn/golden/" + fixture);
  for (auto& [name, value] : m->state_dict()) {
    const Tensor stored = f.read_tensor(name);
    SF_CHECK(stored.shape() == value.shape(), fixture, ": ", name, " has shape ", shape_str(stored.shape()));
    value.copy_(stored);
  }
  return m;
}

// Output, then the gradients of sum(y ⊙ R) w.r.t. the input and every parameter.
std::vector<Tensor> output_and_grads(ParaRnnMixer& m, RnnMode mode, const Tensor& x, const Tensor& R) {
  ParaRnnOptions o = m.options();
  o.mode = mode;
  m.set_options(o);
  for (auto& p : m.parameters()) p.zero_grad();
  Variable xv(x, true);
  Variable y = m.forward(xv);
  sum(y * Variable(R)).backward();
  std::vector<Tensor> out = {y.data(), xv.grad()};
  for (auto& p : m.parameters()) out.push_back(p.grad().clone());
  return out;
}

TEST(ParaRnnMixer, ModesAgreeOnTrainedWeightsAtLongLengths) {
  const std::pair<ParaCellKind, const char*> cases[] = {{ParaCellKind::gru, "paragru_keepnth_mixer.h5"},
                                                        {ParaCellKind::lstm, "paralstm_keepnth_mixer.h5"}};
  for (const auto& [kind, fixture] : cases) {
    auto m = trained_mixer(kind, fixture);
    for (int64_t L : {64, 1024, 8192}) {
      // The mixer's input is RMS-normalised: unit scale per row.
      const Tensor x = test::randn({1, L, 64}, 11 + L, DType::f32), R = test::randn({1, L, 64}, 12 + L, DType::f32);
      const auto par = output_and_grads(*m, RnnMode::parallel, x, R);
      const NewtonStats st = m->last_stats();
      const auto seq = output_and_grads(*m, RnnMode::sequential, x, R);
      EXPECT_LE(test::scaled_diff(par[0], seq[0]), 1e-5) << fixture << " L=" << L;
      for (size_t i = 1; i < seq.size(); ++i) EXPECT_LE(test::scaled_diff(par[i], seq[i]), 1e-4) << fixture << " L=" << L << " grad " << i;
      std::printf("%s L=%ld: %ld Newton iterations, residual %.1e, output rel %.1e, input-grad rel %.1e\n", fixture,
                  long(L), long(st.iterations), st.residual, test::scaled_diff(par[0], seq[0]), test::scaled_diff(par[1], seq[1]));
    }
  }
}

}  // namespace
}  // namespace sf
