// A safetensors reader for the tests, written from the format's published description
// (https://github.com/huggingface/safetensors: 8-byte little-endian header length N, N bytes of JSON,
// then the tensors' bytes with data_offsets counted from the buffer's start), apart from
// train/safetensors.cpp, so that the writer is held to the format and not to itself. Any departure
// from the format is a test failure (ADD_FAILURE) naming the file.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sf::test {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "BF16", ...
  std::vector<int64_t> shape;
  std::string bytes;  // the raw little-endian data
};

struct SafetensorsContents {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;
  uint64_t header_bytes = 0;  // N
};

inline size_t safetensors_dtype_size(const std::string& dtype) {
  static const std::map<std::string, size_t> sizes{{"F64", 8}, {"F32", 4}, {"BF16", 2}, {"F16", 2},
                                                   {"I64", 8}, {"I32", 4}, {"I16", 2}, {"I8", 1},
                                                   {"U8", 1},  {"BOOL", 1}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

inline SafetensorsContents read_safetensors_for_test(const std::string& path) {
  SafetensorsContents out;
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  const std::string file = s.str();
  if (file.size() < 8) {
    ADD_FAILURE() << path << ": shorter than the 8-byte header length";
    return out;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(file[static_cast<size_t>(i)]);
  out.header_bytes = n;
  if (8 + n > file.size()) {
    ADD_FAILURE() << path << ": header length " << n << " past the end of the file";
    return out;
  }
  const nlohmann::json header = nlohmann::json::parse(file.substr(8, n));  // throws on malformed JSON
  const std::string buffer = file.substr(8 + n);
  std::map<uint64_t, std::pair<uint64_t, std::string>> spans;  // begin -> (end, name)
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      for (const auto& [key, value] : info.items()) out.metadata[key] = value.get<std::string>();
      continue;
    }
    SafetensorsEntry e;
    e.dtype = info.at("dtype").get<std::string>();
    e.shape = info.at("shape").get<std::vector<int64_t>>();
    const auto offsets = info.at("data_offsets").get<std::vector<uint64_t>>();
    EXPECT_EQ(offsets.size(), 2u) << path << ": " << name;
    const uint64_t begin = offsets.at(0), end = offsets.at(1);
    uint64_t elements = 1;
    for (int64_t d : e.shape) elements *= static_cast<uint64_t>(d);
    EXPECT_NE(safetensors_dtype_size(e.dtype), 0u) << path << ": " << name << " has dtype " << e.dtype;
    EXPECT_EQ(end - begin, elements * safetensors_dtype_size(e.dtype)) << path << ": " << name;
    if (begin > end || end > buffer.size()) {
      ADD_FAILURE() << path << ": " << name << " has data_offsets outside the buffer";
      continue;
    }
    e.bytes = buffer.substr(begin, end - begin);
    spans[begin] = {end, name};
    out.tensors[name] = std::move(e);
  }
  uint64_t at = 0;  // the tensors tile the buffer: no gap, no overlap, nothing after
  for (const auto& [begin, span] : spans) {
    EXPECT_EQ(begin, at) << path << ": tensor " << span.second << " does not start where the previous one ends";
    at = span.first;
  }
  EXPECT_EQ(at, buffer.size()) << path << ": bytes after the last tensor";
  return out;
}

}  // namespace sf::test
