#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.h"
#include "tests/support.h"
#include "data/h5_file.h"

using namespace sf;
namespace fs = std::filesystem;

namespace {

using test::error_of;

class H5FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sf_test_h5_file_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "checkpoint.h5").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string path_;
};

template <class T>
void expect_same(const Tensor& got, const Tensor& want) {
  EXPECT_EQ(got.dtype(), want.dtype());
  EXPECT_EQ(got.shape(), want.shape());
  EXPECT_TRUE(got.is_contiguous());
  EXPECT_EQ(to_vector<T>(got), to_vector<T>(want));
}

}  // namespace

TEST_F(H5FileTest, EveryDtypeRoundTripsWithShape) {
  Tensor f32 = from_vector<float>({1.5f, -2.25f, 3e-8f, 4e30f, 0.f, -0.f}, {2, 3});
  Tensor f64 = from_vector<double>({3.141592653589793, -1e-300}, {2});
  Tensor i32 = from_vector<int32_t>({-2147483647 - 1, 0, 2147483647}, {3, 1});
  Tensor i64 = from_vector<int64_t>({-(int64_t{1} << 62), 7, int64_t{1} << 53}, {1, 1, 3});
  Tensor bf = f32.to(DType::bf16);
  Tensor scalar = scalar_tensor(2.5, DType::f64);
  Tensor none = empty({0, 4}, DType::f32);
  {
    H5File f = H5File::create(path_);
    f.write_tensor("/model/blocks.0.attn.wq.weight", f32);
    f.write_tensor("/model/f64", f64);
    f.write_tensor("/data/i32", i32);
    f.write_tensor("i64", i64);
    f.write_tensor("/model/bf16", bf);
    f.write_tensor("/state/scalar", scalar);
    f.write_tensor("/state/none", none);
    f.close();
  }
  H5File f = H5File::open(path_);
  expect_same<float>(f.read_tensor("/model/blocks.0.attn.wq.weight"), f32);
  expect_same<double>(f.read_tensor("/model/f64"), f64);
  expect_same<int32_t>(f.read_tensor("/data/i32"), i32);
  expect_same<int64_t>(f.read_tensor("/i64"), i64);
  Tensor bf_back = f.read_tensor("/model/bf16");
  EXPECT_EQ(bf_back.dtype(), DType::bf16);
  EXPECT_EQ(bf_back.shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector<float>(bf_back), to_vector<float>(bf));
  EXPECT_EQ(f.read_attr_string("/model/bf16", "dtype"), "bf16");
  Tensor s = f.read_tensor("/state/scalar");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 2.5);
  EXPECT_EQ(f.read_tensor("/state/none").shape(), (Shape{0, 4}));
}

TEST_F(H5FileTest, NonContiguousViewsAreWrittenInLogicalOrder) {
  Tensor base = from_vector<float>({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor t = base.t();  // (3, 2), strides (1, 3)
  ASSERT_FALSE(t.is_contiguous());
  Tensor row = from_vector<int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {2, 4}).select(1, 2);  // {2, 6}
  {
    H5File f = H5File::create(path_);
    f.write_tensor("/t", t);
    f.write_tensor("/row", row);
  }
  H5File f = H5File::open(path_);
  Tensor back = f.read_tensor("/t");
  EXPECT_EQ(back.shape(), (Shape{3, 2}));
  EXPECT_EQ(to_vector<float>(back), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(to_vector<int64_t>(f.read_tensor("/row")), (std::vector<int64_t>{2, 6}));
}

TEST_F(H5FileTest, ListHasStringsAndAttributes) {
  const std::string yaml = "model:\n  n_layer: 6   # caf\xC3\xA9\n";
  {
    H5File f = H5File::create(path_);
    f.write_tensor("/model/b.weight", zeros({2}));
    f.write_tensor("/model/a.weight", zeros({2}));
    f.write_tensor("/model/blocks/0.w", zeros({1}));
    f.write_tensor("/optim/m", zeros({1}));
    f.write_string("/config", yaml);
    f.write_string("/empty", "");
    f.write_attr("/", "format", "seqforge-checkpoint");
    f.write_attr("/", "version", 3);
    f.write_attr("/model", "lr", 6e-4);
    f.write_attr("/model/a.weight", "step", int64_t{-12});
    f.write_attr("/", "version", 4);  // replaces
    f.write_tensor("/optim/m", ones({3}));  // replaces
  }
  H5File f = H5File::open(path_);
  EXPECT_EQ(f.list("/model"), (std::vector<std::string>{"/model/a.weight", "/model/b.weight", "/model/blocks/0.w"}));
  EXPECT_EQ(f.list("/model/"), f.list("/model"));
  EXPECT_EQ(f.list().size(), 6u);
  EXPECT_EQ(f.list()[0], "/config");
  EXPECT_TRUE(f.has("/model"));
  EXPECT_TRUE(f.has("/model/blocks/0.w"));
  EXPECT_FALSE(f.has("/model/blocks/1.w"));
  EXPECT_FALSE(f.has("/nothing/here"));
  EXPECT_EQ(f.read_string("/config"), yaml);
  EXPECT_EQ(f.read_string("/empty"), "");
  EXPECT_EQ(f.read_attr_string("/", "format"), "seqforge-checkpoint");
  EXPECT_EQ(f.read_attr_i64("/", "version"), 4);
  EXPECT_DOUBLE_EQ(f.read_attr_f64("/model", "lr"), 6e-4);
  EXPECT_EQ(f.read_attr_i64("/model/a.weight", "step"), -12);
  EXPECT_DOUBLE_EQ(f.read_attr_f64("/", "version"), 4.0);
  EXPECT_TRUE(f.has_attr("/model", "lr"));
  EXPECT_FALSE(f.has_attr("/model", "momentum"));
  EXPECT_EQ(to_vector<float>(f.read_tensor("/optim/m")), (std::vector<float>{1, 1, 1}));
}

TEST_F(H5FileTest, MistakesNameTheFileAndTheObject) {
  {
    H5File f = H5File::create(path_);
    f.write_tensor("/model/w", zeros({2}));
    f.write_string("/config", "x: 1");
    EXPECT_THROW(f.write_string("/bad", std::string("a\0b", 3)), Error);
  }
  H5File f = H5File::open(path_);
  std::string msg = error_of([&] { f.read_tensor("/model/x"); });
  EXPECT_NE(msg.find(path_ + ": no dataset '/model/x'"), std::string::npos) << msg;
  msg = error_of([&] { f.read_tensor("/model"); });
  EXPECT_NE(msg.find("is a group"), std::string::npos) << msg;
  msg = error_of([&] { f.read_tensor("/config"); });
  EXPECT_NE(msg.find("not a numeric tensor"), std::string::npos) << msg;
  msg = error_of([&] { f.read_string("/model/w"); });
  EXPECT_NE(msg.find("not a string"), std::string::npos) << msg;
  msg = error_of([&] { f.read_attr_i64("/model", "step"); });
  EXPECT_NE(msg.find("no attribute 'step'"), std::string::npos) << msg;
  msg = error_of([&] { f.write_tensor("/model/y", zeros({1})); });
  EXPECT_NE(msg.find("read-only"), std::string::npos) << msg;
  msg = error_of([&] { f.list("/missing"); });
  EXPECT_NE(msg.find("no group '/missing'"), std::string::npos) << msg;

  // Opened writable, the file takes new objects next to the old ones.
  f.close();
  H5File w = H5File::open(path_, true);
  w.write_tensor("/model/y", ones({1}));
  EXPECT_EQ(w.list("/model").size(), 2u);
}

// A header whose shape was corrupted to an enormous size (found by fuzz_checkpoint) is refused before any
// memory is taken for it: here the dataspace's stored dims (13, 29) are patched to (2^57, 29).
TEST_F(H5FileTest, ShapeBeyondTheFileIsRefusedBeforeAllocating) {
  { H5File::create(path_).write_tensor("/model/w", ones({13, 29})); }
  std::string bytes;
  {
    std::ifstream in(path_, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const uint64_t dims[2] = {13, 29}, huge = uint64_t{1} << 57;
  const std::string stored(reinterpret_cast<const char*>(dims), sizeof dims);  // little-endian lengths
  const size_t at = bytes.find(stored);
  ASSERT_NE(at, std::string::npos) << "the dims were not found in the file";
  bytes.replace(at, sizeof huge, reinterpret_cast<const char*>(&huge), sizeof huge);
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  const std::string msg = error_of([&] { H5File::open(path_).read_tensor("/model/w"); });
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  EXPECT_NE(msg.find("'/model/w' declares shape (144115188075855872, 29)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("the file is corrupt"), std::string::npos) << msg;
}

TEST_F(H5FileTest, TruncatedGarbageAndMissingFilesAreRefused) {
  {
    H5File f = H5File::create(path_);
    for (int i = 0; i < 8; ++i) f.write_tensor("/model/w" + std::to_string(i), ones({64, 64}));
  }
  auto size = fs::file_size(path_);
  fs::resize_file(path_, size / 2);
  std::string msg = error_of([&] {
    H5File f = H5File::open(path_);
    f.read_tensor("/model/w7");
  });
  EXPECT_NE(msg.find(path_), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;

  std::string text = (dir_ / "notes.txt").string();
  std::ofstream(text) << "this is not an HDF5 file\n";
  msg = error_of([&] { H5File::open(text); });
  EXPECT_NE(msg.find(text + ": not an HDF5 file"), std::string::npos) << msg;

  std::string missing = (dir_ / "missing.h5").string();
  msg = error_of([&] { H5File::open(missing); });
  EXPECT_NE(msg.find(missing + ": no such file"), std::string::npos) << msg;

  msg = error_of([&] { H5File::create((dir_ / "no/such/dir/x.h5").string()); });
  EXPECT_NE(msg.find("cannot create"), std::string::npos) << msg;
}
