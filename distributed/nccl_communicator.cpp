#include "distributed/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <chrono>
#include <thread>

#include "distributed/mpi_communicator.h"

namespace sf {
namespace {

using Clock = std::chrono::steady_clock;

void check_nccl(ncclResult_t rc, const char* op) {
  SF_CHECK(rc == ncclSuccess || rc == ncclInProgress, op, ": NCCL error: ", ncclGetErrorString(rc));
}
void check_cuda(cudaError_t rc, const char* op) {
  SF_CHECK(rc == cudaSuccess, op, ": CUDA error: ", cudaGetErrorString(rc));
}

ncclDataType_t nccl_type(const Tensor& t, const char* op) {
  SF_CHECK(t.device().is_cuda(), op, ": the NCCL communicator takes CUDA tensors, got ", t.device().str());
  SF_CHECK(t.is_contiguous(), op, ": tensor must be contiguous");
  switch (t.dtype()) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
    case DType::i64: return ncclInt64;
    default: throw Error(detail::cat(op, ": NCCL cannot carry ", dtype_name(t.dtype()), " tensors"));
  }
}

}  // namespace

struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
  double timeout_s = 60;
  int rank = 0;

  // Polls the event and NCCL's asynchronous error until the deadline; aborts every rank past it.
  void wait(cudaEvent_t event, const char* op) const {
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    for (;;) {
      cudaError_t q = cudaEventQuery(event);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) check_cuda(q, op);
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm, &async);
      if (async != ncclSuccess && async != ncclInProgress) {
        ncclCommAbort(comm);
        mpi_abort(detail::cat(op, " failed: NCCL error: ", ncclGetErrorString(async)));
      }
      if (Clock::now() > deadline) {
        ncclCommAbort(comm);
        mpi_abort(detail::cat(op, " did not complete within ", timeout_s,
                              " s (distributed.timeout_s): a peer rank died or stalled; aborting every rank"));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
};

namespace {

class NcclPending final : public PendingCollective {
 public:
  NcclPending(const NcclCommunicator::State& state, Tensor t) : state_(state), t_(std::move(t)) {
    check_cuda(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "all_reduce");
    check_cuda(cudaEventRecord(event_, nullptr), "all_reduce");
  }
  ~NcclPending() override { cudaEventDestroy(event_); }
  bool test() override { return cudaEventQuery(event_) == cudaSuccess; }
  void wait() override { state_.wait(event_, "all_reduce"); }

 private:
  const NcclCommunicator::State& state_;
  Tensor t_;  // keeps the buffer alive until the collective is done
  cudaEvent_t event_ = nullptr;
};

}  // namespace

NcclCommunicator::NcclCommunicator(int rank, int world, int device, MpiCommunicator* bootstrap, double timeout_s)
    : rank_(rank), world_(world), device_(device), state_(std::make_unique<State>()) {
  SF_CHECK(world == 1 || bootstrap, "NCCL: a world of ", world, " needs MPI to share the unique id");
  check_cuda(cudaSetDevice(device), "NCCL init");
  ncclUniqueId id;
  if (rank == 0) check_nccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  if (bootstrap) {
    MPI_Request request;
    MPI_Ibcast(&id, sizeof(id), MPI_BYTE, 0, bootstrap->comm(), &request);
    bootstrap->wait(request, "NCCL unique id broadcast");
  }
  check_nccl(ncclCommInitRank(&state_->comm, world, id, rank), "ncclCommInitRank");
  state_->timeout_s = timeout_s;
  state_->rank = rank;
}

NcclCommunicator::~NcclCommunicator() {
  if (state_->comm) ncclCommDestroy(state_->comm);
}

std::unique_ptr<PendingCollective> NcclCommunicator::all_reduce_async(Tensor& t, ReduceOp op) {
  ncclDataType_t type = nccl_type(t, "all_reduce");
  check_nccl(ncclAllReduce(t.raw_device_data(), t.raw_device_data(), static_cast<size_t>(t.numel()), type,
                           op == ReduceOp::avg ? ncclAvg : ncclSum, state_->comm, nullptr),
             "all_reduce");
  return std::make_unique<NcclPending>(*state_, t);
}

void NcclCommunicator::broadcast(Tensor& t, int root) {
  SF_CHECK(root >= 0 && root < world_, "broadcast: root ", root, " is outside a world of ", world_);
  check_nccl(ncclBroadcast(t.raw_device_data(), t.raw_device_data(), static_cast<size_t>(t.numel()),
                           nccl_type(t, "broadcast"), root, state_->comm, nullptr),
             "broadcast");
  NcclPending(*state_, t).wait();
}

Tensor NcclCommunicator::all_gather(const Tensor& t) {
  ncclDataType_t type = nccl_type(t, "all_gather");
  Shape shape = t.shape();
  SF_CHECK(!shape.empty(), "all_gather: needs a tensor with at least one dimension");
  shape[0] *= world_;
  Tensor out = empty(shape, t.dtype(), t.device());
  check_nccl(ncclAllGather(t.raw_device_data(), out.raw_device_data(), static_cast<size_t>(t.numel()), type,
                           state_->comm, nullptr),
             "all_gather");
  NcclPending(*state_, out).wait();
  return out;
}

Tensor NcclCommunicator::reduce_scatter(const Tensor& t, ReduceOp op) {
  ncclDataType_t type = nccl_type(t, "reduce_scatter");
  Shape shape = t.shape();
  SF_CHECK(!shape.empty() && shape[0] % world_ == 0, "reduce_scatter: dim 0 must divide by the world size ", world_);
  shape[0] /= world_;
  Tensor out = empty(shape, t.dtype(), t.device());
  check_nccl(ncclReduceScatter(t.raw_device_data(), out.raw_device_data(), static_cast<size_t>(out.numel()), type,
                               op == ReduceOp::avg ? ncclAvg : ncclSum, state_->comm, nullptr),
             "reduce_scatter");
  NcclPending(*state_, out).wait();
  return out;
}

void NcclCommunicator::barrier() {
  // NCCL has no barrier: a one-element all-reduce orders every rank the same way.
  Tensor token = zeros({1}, DType::f32, Device::cuda(device_));
  all_reduce(token, ReduceOp::sum);
}

}  // namespace sf
