#include "train/safetensors.h"

#include <bit>
#include <cstdint>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file_io.h"

namespace sf {
namespace {

// The buffer is the tensors' memory as it is: the format is little-endian.
static_assert(std::endian::native == std::endian::little, "safetensors files are little-endian");

constexpr size_t kAlignment = 8;

std::string header_json(const std::string& path, const NamedTensors& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    SF_CHECK(name != "__metadata__", path, ": a tensor may not be named __metadata__ (the format reserves it)");
    SF_CHECK(names.insert(name).second, path, ": tensor '", name, "' is given twice");
    const uint64_t end = offset + t.nbytes();
    header[name] = {{"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  for (const auto& [key, value] : metadata) {
    nlohmann::json text = value;
    try {
      (void)text.dump();  // where invalid UTF-8 throws: here the message can name the key
    } catch (const nlohmann::json::exception&) {
      throw Error(detail::cat(path, ": metadata '", key, "' is not valid UTF-8 text, which the format requires"));
    }
    header["__metadata__"][key] = std::move(text);
  }
  std::string text = header.dump();
  text.append((kAlignment - (8 + text.size()) % kAlignment) % kAlignment, ' ');
  return text;
}

}  // namespace

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::bf16: return "BF16";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
  }
  throw Error("safetensors_dtype: unknown dtype");
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string header = header_json(path, tensors, metadata);
  write_atomically(
      path,
      [&](std::ostream& out) {
        const uint64_t size = header.size();
        out.write(reinterpret_cast<const char*>(&size), sizeof size);
        out << header;
        for (const auto& [name, t] : tensors) {
          const Tensor c = t.to(Device::cpu()).contiguous();
          out.write(static_cast<const char*>(c.raw_data()), static_cast<std::streamsize>(c.nbytes()));
        }
      },
      /*durable=*/true);
}

}  // namespace sf
