#include "distributed/mpi_communicator.h"

#include <chrono>
#include <climits>
#include <cstdio>
#include <thread>

#include "core/ops.h"

namespace sf {
namespace {

using Clock = std::chrono::steady_clock;

struct MpiRuntime {
  MpiRuntime() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    }
  }
  ~MpiRuntime() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }
};

MPI_Datatype mpi_type(const Tensor& t, const char* op) {
  switch (t.dtype()) {
    case DType::f32: return MPI_FLOAT;
    case DType::f64: return MPI_DOUBLE;
    case DType::i64: return MPI_INT64_T;
    default: throw Error(detail::cat(op, ": MPI cannot carry ", dtype_name(t.dtype()), " tensors"));
  }
}

int mpi_count(const Tensor& t, const char* op) {
  SF_CHECK(t.device().is_cpu(), op, ": the MPI communicator takes CPU tensors, got ", t.device().str());
  SF_CHECK(t.is_contiguous(), op, ": tensor must be contiguous");
  SF_CHECK(t.numel() <= INT_MAX, op, ": ", t.numel(), " elements exceed MPI's int count");
  return static_cast<int>(t.numel());
}

void scale_in_place(Tensor& t, double factor) { t.copy_(t * factor); }

class MpiPending final : public PendingCollective {
 public:
  MpiPending(const MpiCommunicator& comm, Tensor t, double scale) : comm_(comm), t_(std::move(t)), scale_(scale) {}
  MPI_Request& request() { return request_; }
  bool test() override {
    if (!done_ && comm_.test(request_, "all_reduce")) finish();
    return done_;
  }
  void wait() override {
    if (done_) return;
    comm_.wait(request_, "all_reduce");
    finish();
  }

 private:
  void finish() {
    if (scale_ != 1.0) scale_in_place(t_, scale_);
    done_ = true;
  }
  const MpiCommunicator& comm_;
  Tensor t_;  // keeps the buffer alive while MPI writes into it
  double scale_;
  MPI_Request request_ = MPI_REQUEST_NULL;
  bool done_ = false;
};

}  // namespace

void ensure_mpi_initialized() { static MpiRuntime runtime; }

void mpi_abort(const std::string& message) {
  int initialized = 0, rank = 0, world = 1;
  MPI_Initialized(&initialized);
  if (initialized) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
  }
  std::fprintf(stderr, "seqforge: rank %d of %d: %s\n", rank, world, message.c_str());
  std::fflush(stderr);
  if (initialized) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

MpiCommunicator::MpiCommunicator(double timeout_s) : timeout_s_(timeout_s) {
  ensure_mpi_initialized();
  MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);  // errors come back here and abort with a message
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &world_);
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Comm_free(&comm_);
}

void MpiCommunicator::check(int rc, const char* op) const {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  mpi_abort(detail::cat(op, " failed: ", std::string(text, static_cast<size_t>(len))));
}

bool MpiCommunicator::test(MPI_Request& request, const char* op) const {
  int done = 0;
  check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), op);
  return done != 0;
}

void MpiCommunicator::wait(MPI_Request& request, const char* op) const {
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s_);
  for (int polls = 0; !test(request, op); ++polls) {
    if (Clock::now() > deadline)
      mpi_abort(detail::cat(op, " did not complete within ", timeout_s_,
                            " s (distributed.timeout_s): a peer rank died or stalled; aborting every rank"));
    // Spin briefly for latency, then sleep: on an oversubscribed machine the peer needs the core.
    if (polls > 64) std::this_thread::sleep_for(std::chrono::microseconds(polls > 4096 ? 500 : 20));
  }
}

std::unique_ptr<PendingCollective> MpiCommunicator::all_reduce_async(Tensor& t, ReduceOp op) {
  const int n = mpi_count(t, "all_reduce");
  auto pending = std::make_unique<MpiPending>(*this, t, op == ReduceOp::avg ? 1.0 / world_ : 1.0);
  check(MPI_Iallreduce(MPI_IN_PLACE, t.raw_data(), n, mpi_type(t, "all_reduce"), MPI_SUM, comm_,
                       &pending->request()),
        "all_reduce");
  return pending;
}

void MpiCommunicator::broadcast(Tensor& t, int root) {
  SF_CHECK(root >= 0 && root < world_, "broadcast: root ", root, " is outside a world of ", world_);
  MPI_Request request;
  check(MPI_Ibcast(t.raw_data(), mpi_count(t, "broadcast"), mpi_type(t, "broadcast"), root, comm_, &request),
        "broadcast");
  wait(request, "broadcast");
}

Tensor MpiCommunicator::all_gather(const Tensor& t) {
  const int n = mpi_count(t, "all_gather");
  Shape shape = t.shape();
  SF_CHECK(!shape.empty(), "all_gather: needs a tensor with at least one dimension");
  shape[0] *= world_;
  Tensor out = empty(shape, t.dtype());
  MPI_Datatype type = mpi_type(t, "all_gather");
  MPI_Request request;
  check(MPI_Iallgather(t.raw_data(), n, type, out.raw_data(), n, type, comm_, &request), "all_gather");
  wait(request, "all_gather");
  return out;
}

Tensor MpiCommunicator::reduce_scatter(const Tensor& t, ReduceOp op) {
  const int n = mpi_count(t, "reduce_scatter");
  Shape shape = t.shape();
  SF_CHECK(!shape.empty() && shape[0] % world_ == 0, "reduce_scatter: dim 0 (", shape.empty() ? 0 : shape[0],
           ") must divide by the world size ", world_);
  shape[0] /= world_;
  Tensor out = empty(shape, t.dtype());
  MPI_Request request;
  check(MPI_Ireduce_scatter_block(t.raw_data(), out.raw_data(), n / world_, mpi_type(t, "reduce_scatter"), MPI_SUM,
                                  comm_, &request),
        "reduce_scatter");
  wait(request, "reduce_scatter");
  if (op == ReduceOp::avg) scale_in_place(out, 1.0 / world_);
  return out;
}

void MpiCommunicator::barrier() {
  MPI_Request request;
  check(MPI_Ibarrier(comm_, &request), "barrier");
  wait(request, "barrier");
}

}  // namespace sf
