// The world-1 communicator: every collective is the identity (avg of one rank is itself).
#pragma once
#include "distributed/communicator.h"

namespace sf {

class SingleCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world() const override { return 1; }
  std::string backend() const override { return "single"; }
  std::unique_ptr<PendingCollective> all_reduce_async(Tensor& t, ReduceOp op) override;
  void broadcast(Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override { return t.clone(); }
  Tensor reduce_scatter(const Tensor& t, ReduceOp) override { return t.clone(); }
  void barrier() override {}
};

}  // namespace sf
