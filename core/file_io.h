// Whole-file writes that never leave a half-written file behind: the bytes go to "<path>.tmp", are
// flushed, and the temporary is renamed over `path` (a crash leaves the old file or none).
#pragma once
#include <string>
#include <string_view>

namespace sf {

// Throws sf::Error naming the file when it cannot be written or renamed; `what` says what the file is
// ("the tokenizer model", "the truncated metrics") in that message.
void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what = "the file");

}  // namespace sf
