// The NCCL engine: collectives on CUDA tensors, one GPU per rank (device = local rank). Rank 0
// makes the ncclUniqueId and MPI broadcasts it (world 1 needs no MPI). Collectives run on the
// default stream, after the kernels that produced their inputs; waits poll a CUDA event and
// ncclCommGetAsyncError against the deadline, then abort the communicator and the job.
// Built only with CUDA and NCCL (SF_WITH_NCCL).
#pragma once
#include <memory>

#include "distributed/communicator.h"

namespace sf {

class MpiCommunicator;

class NcclCommunicator final : public Communicator {
 public:
  // `bootstrap` carries the unique id; null only for a world of one.
  NcclCommunicator(int rank, int world, int device, MpiCommunicator* bootstrap, double timeout_s);
  ~NcclCommunicator() override;

  int rank() const override { return rank_; }
  int world() const override { return world_; }
  std::string backend() const override { return "nccl"; }
  std::unique_ptr<PendingCollective> all_reduce_async(Tensor& t, ReduceOp op) override;
  void broadcast(Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override;
  Tensor reduce_scatter(const Tensor& t, ReduceOp op) override;
  void barrier() override;

  struct State;  // NCCL and CUDA handles (nccl_communicator.cpp)

 private:
  int rank_, world_, device_;
  std::unique_ptr<State> state_;
};

}  // namespace sf
