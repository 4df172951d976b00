#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace sf {
namespace fs = std::filesystem;

void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write, bool durable) {
  const std::string tmp = path + ".tmp";
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    SF_CHECK(out.is_open(), tmp, ": cannot write (", std::strerror(errno), ")");
    write(out);
    out.flush();
    SF_CHECK(out.good(), tmp, ": write failed (disk full?)");
    out.close();
    if (durable) fsync_path(tmp);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) std::remove(tmp.c_str());
  SF_CHECK(!ec, path, ": cannot replace it with ", tmp, ": ", ec.message());
  if (durable) fsync_path(fs::path(path).parent_path().empty() ? "." : fs::path(path).parent_path().string());
}

void fsync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  SF_CHECK(fd >= 0, path, ": cannot reopen to flush to disk");
  const int rc = ::fsync(fd);
  ::close(fd);
  SF_CHECK(rc == 0, path, ": fsync failed (disk full?)");
}

void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what) {
  try {
    write_atomically(path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
  } catch (const Error& e) {
    throw Error(detail::cat(e.what(), " (", what, ")"));
  }
}

}  // namespace sf
