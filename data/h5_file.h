// H5File: tensors, strings and attributes in an HDF5 file (checkpoints, token files, fixtures).
//
// Objects are named by slash paths ("/model/blocks.0.attn.wq.weight"); writing creates the missing
// groups, dots stay part of a name, and writing an existing name replaces it. Tensors are stored
// row-major with their shape: f32, f64, i32, i64 as themselves, bf16 as uint16 with the attribute
// dtype="bf16", so h5py reads every file. Every failure, a missing object, a file that is not HDF5 or
// is truncated, throws sf::Error naming the file and the object; HDF5 prints nothing itself.
#pragma once
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"

namespace sf {

class H5File {
 public:
  // Truncates an existing file. `userblock_bytes` (0 or a power of two >= 512) reserves that many
  // bytes at the start of the file that HDF5 never touches (checkpoints keep a checksum there).
  static H5File create(const std::string& path, size_t userblock_bytes = 0);
  static H5File open(const std::string& path, bool writable = false);

  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&& other) noexcept;
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  ~H5File();  // closes quietly; call close() to see write errors

  void close();  // flushes and closes; further use throws
  const std::string& path() const { return path_; }

  // --- tensors ------------------------------------------------------------------------------
  // Any layout or device; written as a contiguous row-major array (0-dim tensors as scalars).
  void write_tensor(const std::string& name, const Tensor& tensor);
  // A contiguous CPU tensor with the stored shape and dtype. Integer datasets written by other tools
  // widen: (u)int8, (u)int16 and int32 read as i32, uint32 and int64 as i64.
  Tensor read_tensor(const std::string& name) const;

  // --- unsigned arrays that other readers take windows of (token shards) --------------------
  // Writes a 1-D little-endian uint16 or uint32 array, contiguous and unfiltered, so its elements lie in
  // the file byte for byte where raw_array() says.
  void write_uint_array(const std::string& name, const std::vector<uint16_t>& values);
  void write_uint_array(const std::string& name, const std::vector<uint32_t>& values);
  struct RawArray {
    int64_t offset = 0;  // byte offset of element 0 in the file
    int64_t count = 0;
    int width = 0;       // bytes per element: 2 (uint16) or 4 (uint32)
  };
  // Where the elements of a 1-D little-endian uint16/uint32 dataset lie, for reading windows of it with
  // pread. Throws naming the file when the dataset has another type or rank, is chunked or compressed,
  // or was never written.
  RawArray raw_array(const std::string& name) const;

  // --- structure ----------------------------------------------------------------------------
  bool has(const std::string& name) const;  // a group or dataset exists at `name`
  // Full names of every dataset under `group`, recursively, sorted ("/model/a", "/model/b.c").
  std::vector<std::string> list(const std::string& group = "/") const;

  // --- strings (scalar fixed-length UTF-8; variable-length strings are refused on read) ---
  void write_string(const std::string& name, std::string_view text);  // text must hold no NUL
  std::string read_string(const std::string& name) const;              // fixed-length strings too

  // --- attributes on a group or dataset ("/" is the root group) -----------------------------
  void write_attr(const std::string& object, const std::string& key, std::string_view value);
  void write_attr(const std::string& object, const std::string& key, const char* value) {
    write_attr(object, key, std::string_view(value));
  }
  void write_attr(const std::string& object, const std::string& key, int64_t value);
  void write_attr(const std::string& object, const std::string& key, double value);
  template <std::integral I>
  void write_attr(const std::string& object, const std::string& key, I value) {
    write_attr(object, key, static_cast<int64_t>(value));
  }
  bool has_attr(const std::string& object, const std::string& key) const;
  std::string read_attr_string(const std::string& object, const std::string& key) const;
  int64_t read_attr_i64(const std::string& object, const std::string& key) const;
  double read_attr_f64(const std::string& object, const std::string& key) const;  // integers convert

 private:
  H5File(int64_t id, std::string path, bool writable);
  void check_writable(const std::string& name) const;
  void check_dataset(const std::string& name) const;

  int64_t id_ = -1;  // the hid_t; -1 once closed
  std::string path_;
  bool writable_ = false;
};

}  // namespace sf
