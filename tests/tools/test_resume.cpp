// `seqforge train --resume` as a user runs it, one row per case, each on its own copy of one run that
// was trained with two overrides (train.batch_size=4 train.eval_every=3) and killed after its step-3
// checkpoint: run-only changes are listed on the first line and the run continues; other changes are
// refused with both values and the flag that allows them; `--resume --out DIR` alone continues from the
// stored config; the first run's config.resolved.yaml is never overwritten, each resume records its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <regex>

#include "seqforge_process.h"
#include "tests/support.h"
#include "train/checkpoint.h"

namespace sf::test {
namespace {
namespace fs = std::filesystem;

struct Case {
  const char* name;
  const char* args;  // after "train": {tiny} the run's recipe, {run} this case's copy of the run
  int exit_code;
  const char* phrase;            // exit 0: the first line of the output; else: in the output
  const char* more = "";         // also in the output
  const char* resume_yaml = "";  // exit 0: in the config the resume records (config.resume-000003.yaml)
};

const Case kCases[] = {
    {"recipe_alone_refuses_the_runs_overrides", "{tiny} --resume --out {run}", 1,
     "\n  train.batch_size: checkpoint 4, now 2\n", "--allow-change train.batch_size"},
    {"recipe_with_the_runs_overrides_continues", "{tiny} train.batch_size=4 train.eval_every=3 --resume --out {run}", 0,
     "resume: same config as the checkpoint", "step      6 |", "  batch_size: 4\n"},
    {"run_only_changes_are_listed_first",
     "{tiny} train.batch_size=4 train.steps=8 train.threads=2 --resume --out {run}", 0,
     "resume: changed train.steps 6 -> 8 (the cosine schedule is recomputed: it now decays until step 8), "
     "train.eval_every 3 -> 10, train.threads 1 -> 2",
     "step      8 |", "  steps: 8\n"},
    {"out_alone_continues", "--resume --out {run}", 0, "resume: same config as the checkpoint", "step      6 |",
     "  batch_size: 4\n"},
    {"out_alone_with_a_run_only_override", "--resume --out {run} train.steps=8", 0,
     "resume: changed train.steps 6 -> 8 (the cosine schedule is recomputed: it now decays until step 8)",
     "step      8 |", "  steps: 8\n"},
    {"out_alone_with_a_refused_override", "--resume --out {run} optim.lr=0.01", 1,
     "\n  optim.lr: checkpoint 0.003, now 0.01\n", "--allow-change optim.lr"},
    {"allow_change_key", "--resume --out {run} optim.lr=0.01 --allow-change optim.lr", 0,
     "resume: changed optim.lr 0.003 -> 0.01 (--allow-change)", "step      6 |", "  lr: 0.01\n"},
    {"allow_change_section", "{tiny} --resume --out {run} --allow-change train", 0,
     "resume: changed train.batch_size 4 -> 2 (--allow-change), train.eval_every 3 -> 10", "step      6 |",
     "  batch_size: 2\n"},
    {"allow_change_unknown_key", "--resume --out {run} --allow-change optim.lrr", 1,
     "--allow-change optim.lrr: no such config key or section"},
    {"allow_change_without_resume", "{tiny} --out {run} --allow-change optim.lr", 107,
     "--allow-change requires --resume"},
    {"neither_recipe_nor_resume", "", 1, "train needs a recipe"},
    {"resume_without_out_nor_recipe", "--resume train.steps=8", 1, "train needs a recipe"},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Resume : public testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>("resume");
    tiny_ = write_tiny_recipe(tmp_->path, "steps: 6, checkpoint_every: 3");
    Outcome killed = seqforge("train " + tiny_ + " train.batch_size=4 train.eval_every=3 --out " + run(),
                              "SF_FAULT_INJECT=step_kill@3");
    ASSERT_TRUE(fs::exists(run() + "/checkpoints/step_000003.h5")) << killed.output;
  }
  static void TearDownTestSuite() { tmp_.reset(); }

  static std::string run() { return tmp_->path + "/run"; }
  // A copy of the run for one case, and the case's arguments for it.
  static std::string copy_run(const std::string& name) {
    const std::string dir = tmp_->path + "/" + name;
    fs::copy(run(), dir, fs::copy_options::recursive);
    return dir;
  }
  static std::string args_for(const std::string& args, const std::string& dir) {
    return std::regex_replace(std::regex_replace(args, std::regex("\\{tiny\\}"), tiny_), std::regex("\\{run\\}"), dir);
  }

  static inline std::unique_ptr<TempDir> tmp_;
  static inline std::string tiny_;
};

TEST_P(Resume, ContinuesOrRefusesAsTheRulesSay) {
  const Case& c = GetParam();
  const std::string dir = copy_run(c.name);
  const std::string first_config = read_text(dir + "/config.resolved.yaml");
  ASSERT_NE(first_config.find("  batch_size: 4\n"), std::string::npos) << first_config;
  Outcome r = seqforge("train " + args_for(c.args, dir));
  EXPECT_EQ(r.exit_code, c.exit_code) << r.output;
  if (c.exit_code == 0) {
    EXPECT_EQ(r.output.substr(0, r.output.find('\n')), c.phrase) << r.output;
    EXPECT_CONTAINS(read_text(dir + "/config.resume-000003.yaml"), c.resume_yaml);
  } else {
    EXPECT_CONTAINS(r.output, c.phrase);
    EXPECT_FALSE(fs::exists(dir + "/config.resume-000003.yaml")) << "a refused resume recorded a config";
    EXPECT_EQ(latest_checkpoint(dir + "/checkpoints"), dir + "/checkpoints/step_000003.h5")
        << "a refused resume trained";
  }
  EXPECT_CONTAINS(r.output, c.more);
  EXPECT_EQ(read_text(dir + "/config.resolved.yaml"), first_config) << "the first run's resolved config changed";
}

INSTANTIATE_TEST_SUITE_P(Cases, Resume, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST_F(Resume, EveryResumeRecordsItsConfigAndKeepsTheFirst) {
  const std::string dir = copy_run("twice");
  const std::string first_config = read_text(dir + "/config.resolved.yaml");
  Outcome a = seqforge("train --resume --out " + dir + " train.steps=8");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  Outcome b = seqforge("train --resume --out " + dir + " train.steps=10");
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_CONTAINS(b.output, "resume: changed train.steps 8 -> 10");  // against the step-8 checkpoint's config
  EXPECT_EQ(read_text(dir + "/config.resolved.yaml"), first_config);
  EXPECT_CONTAINS(read_text(dir + "/config.resume-000003.yaml"), "  steps: 8\n");
  EXPECT_CONTAINS(read_text(dir + "/config.resume-000008.yaml"), "  steps: 10\n");
}

}  // namespace
}  // namespace sf::test
