// Replacing a file so that a crash or a full disk never leaves it half-written: the new contents go to
// "<path>.tmp", which is flushed and renamed over `path` (rename is atomic on POSIX file systems).
#pragma once
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace sf {

// `write` fills the stream; a failed write removes the .tmp and throws sf::Error naming `path`, leaving
// any previous file at `path` as it was. With `durable`, the file and the rename are fsynced too, so a
// power cut after the call returns cannot lose them (release artefacts); without, a crash of this
// process still never leaves a partial file.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write, bool durable = false);

// fsync of a file, or of a directory (which makes a rename in it durable); throws sf::Error naming it.
void fsync_path(const std::string& path);

// write_atomically of a byte string; `what` names the file's contents in the message ("the tokenizer model").
void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what = "the file");

}  // namespace sf
