// llm.c .bin token files and the file-backed token source: headers read and checked (magic, version,
// count against the file size), ids read across files, runs split like nanoGPT's split, and files
// written by tools/data/write_llmc_bin.py read back as written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "data/llmc_bin.h"
#include "tests/support.h"

namespace sf {
namespace {

using test::error_of;
using test::ScratchDir;

// An llm.c file: the header (magic, version, count; the rest zero) and the ids at `width` bytes each.
std::string llmc_bytes(const std::vector<uint32_t>& ids, int32_t version = 1, int32_t magic = kLlmcMagic,
                       int64_t declared = -1) {
  std::vector<int32_t> header(256, 0);
  header[0] = magic;
  header[1] = version;
  header[2] = static_cast<int32_t>(declared >= 0 ? declared : static_cast<int64_t>(ids.size()));
  std::string bytes(reinterpret_cast<const char*>(header.data()), header.size() * 4);
  for (uint32_t id : ids) bytes.append(reinterpret_cast<const char*>(&id), version == 1 ? 2 : 4);
  return bytes;
}

std::vector<int32_t> read_all(const TokenSource& tokens) {
  std::vector<int32_t> ids(static_cast<size_t>(tokens.size()));
  tokens.read(0, tokens.size(), ids.data());
  return ids;
}

TEST(LlmcBin, Uint16AndUint32FilesReadAsOneStreamAcrossFiles) {
  ScratchDir dir;
  const TokenRun a = llmc_bin_run(dir.write("a.bin", llmc_bytes({1, 2, 3})));
  const TokenRun b = llmc_bin_run(dir.write("b.bin", llmc_bytes({70000, 5}, 2)));
  EXPECT_EQ(a.data_offset, 1024);
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.width, 2);
  EXPECT_EQ(b.width, 4);
  const TokenFiles files({a, b}, 100000);
  EXPECT_EQ(read_all(files), (std::vector<int32_t>{1, 2, 3, 70000, 5}));
  int32_t window[3];
  files.read(1, 3, window);  // across the two files
  EXPECT_EQ(std::vector<int32_t>(window, window + 3), (std::vector<int32_t>{2, 3, 70000}));
}

TEST(LlmcBin, SplitRunsCutsWhereTheBoundaryFalls) {
  const std::vector<TokenRun> runs{{"a", 1024, 0, 3, 2}, {"b", 1024, 0, 4, 2}};
  const auto [head, tail] = split_runs(runs, 5);
  ASSERT_EQ(head.size(), 2u);
  EXPECT_EQ(head[1].count, 2);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].path, "b");
  EXPECT_EQ(tail[0].first, 2);
  EXPECT_EQ(tail[0].count, 2);
  EXPECT_TRUE(split_runs(runs, 7).second.empty());
  EXPECT_TRUE(split_runs(runs, 0).first.empty());
}

TEST(LlmcBin, BadFilesAreRefusedNamingThem) {
  ScratchDir dir;
  const std::string magic = dir.write("magic.bin", llmc_bytes({1, 2}, 1, 20240521));
  EXPECT_CONTAINS(error_of([&] { llmc_bin_run(magic); }), magic + ": magic number 20240521, expected 20240520");
  const std::string version = dir.write("version.bin", llmc_bytes({1, 2}, 3));
  EXPECT_CONTAINS(error_of([&] { llmc_bin_run(version); }), version + ": llm.c token file version 3 is unknown");
  const std::string beyond = dir.write("beyond.bin", llmc_bytes({1, 2}, 1, kLlmcMagic, 1000));
  EXPECT_CONTAINS(error_of([&] { llmc_bin_run(beyond); }),
                  beyond + ": the header declares 1000 tokens (2000 bytes after the header), but the file holds 4");
  const std::string short_header = dir.write("short.bin", "abc");
  EXPECT_CONTAINS(error_of([&] { llmc_bin_run(short_header); }), short_header + ": 3 bytes, shorter than the 1024-byte");
  EXPECT_CONTAINS(error_of([&] { llmc_bin_run(dir.path("none.bin")); }), dir.path("none.bin") + ": no such llm.c");
  // A file cut after it was opened: the read names it.
  const std::string cut = dir.write("cut.bin", llmc_bytes({1, 2, 3, 4}));
  const TokenFiles files({llmc_bin_run(cut)}, 10);
  std::filesystem::resize_file(cut, 1024 + 2);
  int32_t ids[4];
  EXPECT_CONTAINS(error_of([&] { files.read(0, 4, ids); }), cut + ": cannot read tokens 0..4");
}

TEST(LlmcBin, ThePythonWriterWritesWhatTheReaderReads) {
  if (std::system("command -v python3 > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  ScratchDir dir;
  const std::string text = dir.write("t.txt", "Hi, \xC3\xA9t\xC3\xA9!\n"), ids = dir.write("ids.txt", "7 65535\n0 300");
  const std::string script = std::string(SF_SOURCE_DIR) + "/tools/data/write_llmc_bin.py";
  ASSERT_EQ(std::system(("python3 " + script + " " + dir.path("t.bin") + " --text " + text).c_str()), 0);
  ASSERT_EQ(std::system(("python3 " + script + " " + dir.path("i.bin") + " --tokens " + ids).c_str()), 0);
  std::vector<int32_t> bytes;
  for (unsigned char c : std::string("Hi, \xC3\xA9t\xC3\xA9!\n")) bytes.push_back(c);
  EXPECT_EQ(read_all(TokenFiles({llmc_bin_run(dir.path("t.bin"))}, 256)), bytes);
  EXPECT_EQ(read_all(TokenFiles({llmc_bin_run(dir.path("i.bin"))}, 65536)), (std::vector<int32_t>{7, 65535, 0, 300}));
}

}  // namespace
}  // namespace sf
