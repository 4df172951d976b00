// The files a list of inputs names: each entry a file, a directory (its files) or a glob pattern, as
// `seqforge prepare-data` and llm.c .bin datasets take them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sf {

// Every entry in order: a file as itself, a directory as the regular files directly in it (hidden ones
// left out), a pattern with * ? or [ as the regular files it matches; directories and patterns sorted by
// name. Throws sf::Error naming the entry and `what` ("data.source") when it names nothing: a missing
// file, an empty directory, a pattern that matches no file.
std::vector<std::string> expand_file_list(const std::vector<std::string>& entries, std::string_view what);

}  // namespace sf
