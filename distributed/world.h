// Where this process sits in a launch: rank and world size from the launcher's environment, and
// the communicator to use for a device.
//
// Read from OpenMPI (OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK/LOCAL_SIZE), MPICH/PMI (PMI_RANK/SIZE,
// MPI_LOCALRANKID) or Slurm srun (SLURM_PROCID/NTASKS/LOCALID/NTASKS_PER_NODE), in that order; a
// process started without a launcher is rank 0 of 1 and never initialises MPI.
#pragma once
#include <memory>

#include "config/run_config.h"
#include "core/device.h"
#include "distributed/communicator.h"

namespace sf {

struct WorldInfo {
  int rank = 0;
  int world = 1;
  int local_rank = 0;   // rank among the processes on this machine: picks the GPU
  int local_world = 1;  // processes on this machine: share its cores
};

WorldInfo world_from_env();

// The engine for tensors on `device`: world 1 → single process; CPU → MPI; CUDA → NCCL
// (config.backend may force mpi or nccl). Throws sf::Error when the launch needs an engine this
// build lacks (MPI or NCCL not found at configure time) or the backend does not fit the device.
std::unique_ptr<Communicator> make_communicator(const DistributedConfig& config, Device device);

// Ends the whole job after an error on this rank: in a multi-rank launch prints the message with
// the rank and calls MPI_Abort (the peers would otherwise wait for this rank until their timeout);
// alone, prints it and exits 1.
[[noreturn]] void abort_world(const std::string& message);

}  // namespace sf
