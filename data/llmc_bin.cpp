// llm.c .bin headers (see llmc_bin.h).
#include "data/llmc_bin.h"

#include <array>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace sf {

TokenRun llmc_bin_run(const std::string& path) {
  std::error_code ec;
  SF_CHECK(std::filesystem::is_regular_file(path, ec), path, ": no such llm.c token file");
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  SF_CHECK(!ec, path, ": cannot read its size (", ec.message(), ")");
  SF_CHECK(size >= kLlmcHeaderBytes, path, ": ", size, " bytes, shorter than the ", kLlmcHeaderBytes,
           "-byte header of an llm.c token file");
  std::array<int32_t, 3> header{};  // little-endian on disk and in memory (token_source.cpp asserts it)
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(header.data()), sizeof header);
  SF_CHECK(in.good(), path, ": cannot read the header");
  SF_CHECK(header[0] == kLlmcMagic, path, ": magic number ", header[0], ", expected ", kLlmcMagic,
           " (not an llm.c token file)");
  SF_CHECK(header[1] == 1 || header[1] == 2, path, ": llm.c token file version ", header[1],
           " is unknown (1: uint16 ids, 2: uint32 ids)");
  const int width = header[1] == 1 ? 2 : 4;
  const int64_t count = header[2];
  SF_CHECK(count >= 0 && kLlmcHeaderBytes + count * width <= size, path, ": the header declares ", count,
           " tokens (", count * width, " bytes after the header), but the file holds ", size - kLlmcHeaderBytes,
           " bytes after it; the file is truncated");
  return {path, kLlmcHeaderBytes, 0, count, width};
}

}  // namespace sf
