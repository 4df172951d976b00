// llm.c's token files (karpathy/llm.c, dev/data/data_common.py write_datafile): a header of 256
// little-endian int32 — [0] magic 20240520, [1] version (1: uint16 ids; 2: uint32 ids, as llm.c writes
// LLaMA-3 tokens), [2] the number of tokens — then the ids from byte 1024. `data.dataset: bin` trains on
// them; they carry no tokenizer, so data.tokenizer names the one their ids belong to.
#pragma once
#include <string>

#include "data/token_source.h"

namespace sf {

constexpr int32_t kLlmcMagic = 20240520;
constexpr int64_t kLlmcHeaderBytes = 256 * 4;

// All of `path`'s ids as one run. Throws sf::Error naming the file when it is missing, has a wrong
// magic number or an unknown version, or declares more tokens than it holds.
TokenRun llmc_bin_run(const std::string& path);

}  // namespace sf
