// Data-parallel gradient averaging, overlapped with backward.
//
// Parameters are grouped into buckets of at most bucket_mb MiB (reverse parameter order, the order
// backward produces gradients; one dtype per bucket). A hook on every parameter counts gradient
// accumulations; once every parameter of a bucket has received as many as it did in the first
// synchronised step (a tied weight receives two), the bucket is packed into one flat buffer and
// its all-reduce is started while backward goes on. Buckets start strictly in index order, so every
// rank issues the same collectives in the same order. finish() starts what is left (all of it on
// the first step, which learns the counts), waits, and sets each gradient to the average over ranks.
//
//   sync.begin_micro_step(last)   before each micro-batch's backward (false: accumulate locally)
//   loss.backward()
//   sync.finish()                 after the last micro-batch, before clipping and the optimizer
#pragma once
#include <memory>
#include <vector>

#include "autograd/variable.h"
#include "distributed/communicator.h"

namespace sf {

class GradientSync {
 public:
  GradientSync(Communicator& comm, std::vector<Variable> params, double bucket_mb);
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // Rank 0's parameter values everywhere (start of training, after init or a checkpoint).
  void broadcast_parameters();
  // `sync` = this micro-batch's backward ends the step: its gradients are all-reduced.
  void begin_micro_step(bool sync);
  // Waits for every bucket; each parameter's gradient becomes the mean over ranks (zeros stand in
  // for a gradient this rank did not produce).
  void finish();

  size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into params_
    Tensor buffer;                // flat, all members' gradients back to back
    std::vector<int64_t> offsets;
    int64_t pending = 0;          // members still short of their expected accumulations
    std::unique_ptr<PendingCollective> work;
  };

  void on_gradient(size_t param);
  void launch_ready();
  void launch(Bucket& b);

  Communicator& comm_;
  std::vector<Variable> params_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;
  std::vector<int64_t> seen_, expected_;  // accumulations this step / per step (-1 = not learnt yet)
  size_t next_launch_ = 0;
  bool syncing_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // hooks outlive this object: they check it
};

}  // namespace sf
