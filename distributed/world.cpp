#include "distributed/world.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "distributed/single_communicator.h"
#if SF_WITH_MPI
#include "distributed/mpi_communicator.h"
#endif
#if SF_WITH_NCCL
#include "distributed/nccl_communicator.h"
#endif

namespace sf {
namespace {

// The first of `names` set in the environment, as an int; `fallback` when none is.
int env_int(std::initializer_list<const char*> names, int fallback) {
  for (const char* name : names)
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::atoi(v);
  return fallback;
}

}  // namespace

WorldInfo world_from_env() {
  WorldInfo w;
  w.rank = env_int({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"}, 0);
  w.world = env_int({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}, 1);
  w.local_rank = env_int({"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}, 0);
  w.local_world = env_int({"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"}, w.world);
  SF_CHECK(w.world >= 1 && w.rank >= 0 && w.rank < w.world, "launcher environment: rank ", w.rank,
           " is outside a world of ", w.world);
  return w;
}

std::unique_ptr<Communicator> make_communicator(const DistributedConfig& config, Device device) {
  const WorldInfo w = world_from_env();
  const bool nccl = config.backend == BackendKind::nccl || (config.backend == BackendKind::automatic && device.is_cuda());
  SF_CHECK(!nccl || device.is_cuda(), "distributed.backend nccl needs CUDA tensors (train.device cuda), got ",
           device.str());
  SF_CHECK(nccl || device.is_cpu(), "distributed.backend mpi carries CPU tensors; use nccl (or auto) for ",
           device.str());
  if (nccl) {
#if SF_WITH_NCCL
    std::unique_ptr<MpiCommunicator> bootstrap;
    if (w.world > 1) bootstrap = std::make_unique<MpiCommunicator>(config.timeout_s);
    return std::make_unique<NcclCommunicator>(w.rank, w.world, w.local_rank, bootstrap.get(), config.timeout_s);
#else
    throw Error("distributed: the NCCL backend was not built (configure with CUDA and NCCL present)");
#endif
  }
  if (w.world == 1) return std::make_unique<SingleCommunicator>();
#if SF_WITH_MPI
  return std::make_unique<MpiCommunicator>(config.timeout_s);
#else
  throw Error(detail::cat("launched as rank ", w.rank, " of ", w.world,
                          " but seqforge was built without MPI: install OpenMPI (libopenmpi-dev) and rebuild"));
#endif
}

void abort_world(const std::string& message) {
#if SF_WITH_MPI
  if (world_from_env().world > 1) mpi_abort(message);
#endif
  std::fprintf(stderr, "seqforge: %s\n", message.c_str());
  std::exit(1);
}

}  // namespace sf
