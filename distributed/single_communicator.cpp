#include "distributed/single_communicator.h"

namespace sf {
namespace {

struct Done final : PendingCollective {
  bool test() override { return true; }
  void wait() override {}
};

}  // namespace

std::unique_ptr<PendingCollective> SingleCommunicator::all_reduce_async(Tensor&, ReduceOp) {
  return std::make_unique<Done>();
}

void SingleCommunicator::broadcast(Tensor&, int root) {
  SF_CHECK(root == 0, "broadcast: root ", root, " is outside a world of 1");
}

}  // namespace sf
