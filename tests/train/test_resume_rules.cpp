// The resume rules on two configs (train/resume_config.h), one row per case: the checkpoint's config
// is the default one resolved with a 65-token vocabulary; the requested one is the default (vocab_size
// 0: from the tokenizer) with the row's overrides (and both with the row's `both`). A run-only change,
// or one named by --allow-change, resumes and is listed in the summary line; any other refuses, naming
// the key with both values.
#include <gtest/gtest.h>

#include <algorithm>

#include "config/loader.h"
#include "config/yaml_binder.h"
#include "tests/support.h"
#include "train/resume_config.h"

namespace sf {
namespace {

struct Case {
  const char* name;
  std::vector<std::string> overrides;  // the requested config's
  std::vector<std::string> allow;      // --allow-change entries
  bool resumes;
  std::string text;                    // in the summary line (resumes) or the refusal
  std::string absent = "";             // in neither
  std::vector<std::string> both = {};  // overrides of the stored and the requested config
};

const char* const kCheckpoint = "runs/tiny/checkpoints/step_000300.h5";

const Case kCases[] = {
    // --- run-only keys: listed, never refused ----------------------------------------------------
    {"same_config", {}, {}, true, "resume: same config as the checkpoint"},
    {"vocab_left_to_the_tokenizer", {"model.vocab_size=0"}, {}, true, "resume: same config as the checkpoint"},
    {"longer_run", {"train.steps=4000"}, {}, true,
     "resume: changed train.steps 2000 -> 4000 (the cosine schedule is recomputed: it now decays until step 4000)"},
    {"longer_run_fixed_decay", {"train.steps=4000"}, {}, true, "resume: changed train.steps 2000 -> 4000", "schedule",
     {"optim.decay_steps=3000"}},
    {"intervals", {"train.eval_every=100", "train.log_every=1", "train.checkpoint_every=50"}, {}, true,
     "resume: changed train.eval_every 250 -> 100, train.log_every 10 -> 1, train.checkpoint_every 500 -> 50"},
    {"where_it_runs", {"train.threads=2", "train.device=cuda"}, {}, true,
     "resume: changed train.threads 0 -> 2, train.device \"cpu\" -> \"cuda\""},
    {"divergence_and_retention",
     {"train.max_bad_steps=1", "checkpoint.keep_last=0", "checkpoint.milestones=[1000]", "checkpoint.save_optimizer=false"},
     {}, true,
     "resume: changed train.max_bad_steps 5 -> 1, checkpoint.keep_last 3 -> 0, checkpoint.milestones [] -> [1000], "
     "checkpoint.save_optimizer true -> false"},
    {"distributed", {"distributed.bucket_mb=4", "distributed.timeout_s=600", "distributed.backend=mpi"}, {}, true,
     "resume: changed distributed.bucket_mb 25.0 -> 4.0, distributed.timeout_s 60.0 -> 600.0, "
     "distributed.backend auto -> mpi"},
    // --- what is trained: refused with both values ---------------------------------------------
    {"batch_size", {"train.batch_size=48"}, {}, false, "\n  train.batch_size: checkpoint 12, now 48\n"},
    {"model", {"model.n_layer=6"}, {}, false, "\n  model.n_layer: checkpoint 4, now 6\n"},
    {"vocab_other_than_stored", {"model.vocab_size=96"}, {}, false, "\n  model.vocab_size: checkpoint 65, now 96\n"},
    {"data", {"data.train_fraction=0.5"}, {}, false, "\n  data.train_fraction: checkpoint 0.9, now 0.5\n"},
    {"optimizer", {"optim.lr=0.003"}, {}, false, "\n  optim.lr: checkpoint 0.001, now 0.003\n"},
    {"schedule_length", {"optim.decay_steps=1000"}, {}, false, "\n  optim.decay_steps: checkpoint 0, now 1000\n"},
    {"seed", {"train.seed=1"}, {}, false, "\n  train.seed: checkpoint 1337, now 1\n"},
    {"precision", {"train.matmul_precision=bf16"}, {}, false,
     "\n  train.matmul_precision: checkpoint fp32, now bf16\n"},
    {"sequence_length", {"train.seq_len=32"}, {}, false, "\n  train.seq_len: checkpoint 64, now 32\n"},
    {"validation_batches", {"train.eval_batches=200"}, {}, false, "\n  train.eval_batches: checkpoint 20, now 200\n"},
    {"each_refused_key_and_its_flag", {"train.batch_size=48", "optim.lr=0.003", "train.steps=4000"}, {}, false,
     "step_000300.h5 was trained with, in keys that change what is trained:\n"
     "  optim.lr: checkpoint 0.001, now 0.003\n  train.batch_size: checkpoint 12, now 48\n"
     "To continue the run as it was, resume without a recipe (seqforge train --resume --out runs/tiny takes the "
     "checkpoint's config) or repeat the run's overrides; to change these keys on purpose, add --allow-change "
     "optim.lr --allow-change train.batch_size",
     "train.steps"},
    // --- --allow-change: a key, or a section ----------------------------------------------------
    {"allowed_key", {"optim.lr=0.003"}, {"optim.lr"}, true, "resume: changed optim.lr 0.001 -> 0.003 (--allow-change)"},
    {"allowed_section", {"optim.lr=0.003", "optim.beta2=0.95"}, {"optim"}, true,
     "resume: changed optim.lr 0.001 -> 0.003 (--allow-change), optim.beta2 0.99 -> 0.95 (--allow-change)"},
    {"allowed_nested_section", {"model.rnn.heads=8"}, {"model.rnn"}, true,
     "resume: changed model.rnn.heads 4 -> 8 (--allow-change)", "", {"model.mixer=gru"}},
    {"allowed_key_leaves_others_refused", {"optim.lr=0.003", "train.batch_size=48"}, {"optim.lr"}, false,
     "\n  train.batch_size: checkpoint 12, now 48\n", "optim.lr:"},
    {"allow_entry_is_no_prefix_of_a_key", {"optim.lr=0.003"}, {"optim.l"}, false,
     "--allow-change optim.l: no such config key or section"},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

RunConfig config_with(const std::vector<std::string>& overrides) { return run_config_from_yaml("", "test", overrides); }

class ResumeRules : public testing::TestWithParam<Case> {};

TEST_P(ResumeRules, ResumeOrRefuseWithTheExpectedMessage) {
  const Case& c = GetParam();
  std::vector<std::string> stored_keys = c.both, requested_keys = c.both;
  stored_keys.push_back("model.vocab_size=65");
  requested_keys.insert(requested_keys.end(), c.overrides.begin(), c.overrides.end());
  const RunConfig stored = config_with(stored_keys);
  RunConfig requested = config_with(requested_keys);
  std::string message;
  if (c.resumes) {
    message = check_resume_changes(stored, requested, c.allow, kCheckpoint);
    EXPECT_EQ(message.find('\n'), std::string::npos) << "the summary is one line: " << message;
  } else {
    message = test::error_of([&] { check_resume_changes(stored, requested, c.allow, kCheckpoint); });
  }
  EXPECT_CONTAINS(message, c.text);
  if (!c.absent.empty()) EXPECT_EQ(message.find(c.absent), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Cases, ResumeRules, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ResumeRules, AVocabularyLeftToTheTokenizerTakesTheStoredOne) {
  RunConfig requested;
  check_resume_changes(config_with({"model.vocab_size=65"}), requested, {}, kCheckpoint);
  EXPECT_EQ(requested.model.vocab_size, 65);
}

TEST(ResumeRules, EveryRunOnlyKeyIsAConfigField) {
  const std::vector<std::string> keys = schema_keys<RunConfig>();
  for (const std::string& key : run_only_keys())
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
}

TEST(ResumeRules, AResumeRecordsItsConfigUnderItsStep) {
  EXPECT_EQ(resume_config_file(300), "config.resume-000300.yaml");
}

}  // namespace
}  // namespace sf
