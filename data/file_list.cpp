// Expanding file lists: files, directories and glob patterns (see file_list.h).
#include "data/file_list.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"

namespace sf {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> directory_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && !e.path().filename().string().starts_with('.')) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> glob_files(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);  // glob sorts its matches
  std::vector<std::string> files;
  for (size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) {
    if (fs::is_regular_file(g.gl_pathv[i])) files.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return files;
}

}  // namespace

std::vector<std::string> expand_file_list(const std::vector<std::string>& entries, std::string_view what) {
  std::vector<std::string> files;
  for (const std::string& entry : entries) {
    std::error_code ec;
    std::vector<std::string> found;
    if (fs::is_directory(entry, ec)) {
      found = directory_files(entry);
      SF_CHECK(!found.empty(), what, ": ", entry, ": the directory holds no files");
    } else if (fs::exists(entry, ec)) {
      found = {entry};
    } else {
      SF_CHECK(entry.find_first_of("*?[") != std::string::npos, what, ": ", entry, ": no such file");
      found = glob_files(entry);
      SF_CHECK(!found.empty(), what, ": ", entry, ": the pattern matches no file");
    }
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace sf
