// Communicator: the collectives data-parallel training needs, behind one interface with three
// engines — a single process (world 1, no MPI at run time), MPI (CPU tensors; also bootstraps
// NCCL) and NCCL (CUDA tensors, one GPU per rank chosen by local rank).
//
// Every collective must be called by every rank in the same order. Tensors are contiguous float32
// or float64 (broadcast also takes int64) on the engine's device. A collective that does not
// complete within the timeout ends every rank: the waiting rank prints a message naming itself and
// the operation and aborts the job (MPI_Abort), so a dead or stalled peer never hangs the run.
#pragma once
#include <memory>
#include <string>

#include "core/tensor.h"

namespace sf {

enum class ReduceOp { sum, avg };

// A collective in flight. wait() returns once the result is in place (or aborts the job at the
// deadline); test() asks without blocking and also drives progress in engines that need it.
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  virtual bool test() = 0;
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world() const = 0;
  virtual std::string backend() const = 0;  // "single", "mpi", "nccl"

  // In place over all ranks. sum and avg are the same reduction; avg divides by world afterwards.
  virtual std::unique_ptr<PendingCollective> all_reduce_async(Tensor& t, ReduceOp op) = 0;
  void all_reduce(Tensor& t, ReduceOp op) { all_reduce_async(t, op)->wait(); }
  // Rank `root`'s t overwrites every other rank's t (same shape and dtype everywhere).
  virtual void broadcast(Tensor& t, int root) = 0;
  // Concatenation along dim 0 of every rank's t, in rank order: shape (world·d0, ...).
  virtual Tensor all_gather(const Tensor& t) = 0;
  // Rank r's share (rows [r·d0/world, (r+1)·d0/world)) of the reduction of t; d0 divisible by world.
  virtual Tensor reduce_scatter(const Tensor& t, ReduceOp op) = 0;
  virtual void barrier() = 0;
};

}  // namespace sf
