// safetensors, the weights format of the Hugging Face hub (https://github.com/huggingface/safetensors),
// written from its published description:
//   8 bytes     N, the header's length in bytes, an unsigned 64-bit little-endian integer
//   N bytes     UTF-8 JSON: {"<tensor name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//               ..., "__metadata__": {"<key>": "<string>", ...}}, padded with spaces so that the buffer
//               starts at a multiple of 8 bytes
//   the buffer  every tensor's bytes, row-major and little-endian; data_offsets count from the buffer's
//               first byte, [begin, end); tensors lie back to back in the order given, with no gaps
// Readers: tools/safetensors/read_safetensors.py (Python, standard library), the `safetensors` package.
#pragma once
#include <map>
#include <string>

#include "core/dtype.h"
#include "train/checkpoint.h"

namespace sf {

// Writes `tensors` under their names with `metadata` as __metadata__, atomically and durably (a crash
// leaves no partial file, core/file_io.h). Throws sf::Error naming `path` for a repeated or reserved
// name, metadata that is not UTF-8 text, or a failed write.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata);

// The format's name of a dtype: F32, F64, BF16, I32, I64.
const char* safetensors_dtype(DType dtype);

}  // namespace sf
