// libFuzzer target: the checkpoint reader. Any bytes as a checkpoint file must load or throw an
// sf::Error naming the problem; any other exception or a crash is a bug (ours or the HDF5 library's).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/sf_fuzz_checkpoint_" + std::to_string(getpid()) + ".h5";
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    sf::load_checkpoint(path);
  } catch (const sf::Error&) {
  }
  return 0;
}
