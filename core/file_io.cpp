#include "core/file_io.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace sf {

void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    SF_CHECK(out.is_open(), tmp, ": cannot write ", what);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    SF_CHECK(out.good(), tmp, ": write failed (", what, ")");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  SF_CHECK(!ec, path, ": cannot replace it with ", what, ": ", ec.message());
}

}  // namespace sf
