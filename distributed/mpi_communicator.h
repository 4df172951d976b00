// The MPI engine (OpenMPI): collectives on CPU tensors over MPI_COMM_WORLD. MPI is initialised on
// first use (MPI_THREAD_FUNNELED: only the thread that made the communicator calls it) and
// finalised at exit. Every wait polls MPI_Test against a deadline of timeout_s; past it the rank
// prints which collective stalled and calls MPI_Abort, which ends every rank.
#pragma once
#include <mpi.h>

#include "distributed/communicator.h"

namespace sf {

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(double timeout_s);
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int world() const override { return world_; }
  std::string backend() const override { return "mpi"; }
  std::unique_ptr<PendingCollective> all_reduce_async(Tensor& t, ReduceOp op) override;
  void broadcast(Tensor& t, int root) override;
  Tensor all_gather(const Tensor& t) override;
  Tensor reduce_scatter(const Tensor& t, ReduceOp op) override;
  void barrier() override;

  // Waits for `request` until the deadline; past it, or on an MPI error, aborts the job with a
  // message naming this rank and `op`.
  void wait(MPI_Request& request, const char* op) const;
  bool test(MPI_Request& request, const char* op) const;
  MPI_Comm comm() const { return comm_; }

 private:
  void check(int rc, const char* op) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, world_ = 1;
  double timeout_s_;
};

// Initialises MPI once per process (a no-op when already done) and finalises it at exit.
void ensure_mpi_initialized();
// Prints "seqforge: rank R of W: <message>" to stderr and ends every rank with MPI_Abort.
[[noreturn]] void mpi_abort(const std::string& message);

}  // namespace sf
