// H5File over the HDF5 C API: every handle is owned by an Hid, every status is checked.
#include "data/h5_file.h"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <type_traits>
#include <utility>

#include "core/error.h"

namespace sf {

static_assert(std::is_same_v<hid_t, int64_t>, "H5File keeps hid_t as int64_t (HDF5 >= 1.10)");

namespace {

// Owns one HDF5 handle and closes it with the matching H5?close.
class Hid {
 public:
  Hid(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Hid(Hid&& o) noexcept : id_(std::exchange(o.id_, -1)), close_(o.close_) {}
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  Hid& operator=(Hid&&) = delete;
  ~Hid() {
    if (id_ >= 0) close_(id_);
  }
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 reports through a global error stack; we print nothing and keep its innermost message.
void silence_hdf5() {
  static const bool once = [] {
    H5open();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)once;
}

std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
        if (n == 0 && err->desc) *static_cast<std::string*>(out) = err->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? "" : " (" + reason + ")";
}

// Throws "<file>: <what> (<HDF5's reason>)" when an HDF5 call returned a negative status or id.
template <class Id>
Id checked(Id status, const std::string& file, const std::string& what) {
  if (status < 0) throw Error(detail::cat(file, ": ", what, hdf5_reason()));
  return status;
}

std::string dtype_label(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return detail::cat(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int", 8 * H5Tget_size(type));
    case H5T_FLOAT: return detail::cat("float", 8 * H5Tget_size(type));
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "non-numeric type";
  }
}

struct TypePair {
  hid_t file;  // how the data is stored
  hid_t mem;   // how it lies in a Tensor
};

TypePair h5_types(DType dtype) {
  switch (dtype) {
    case DType::f32: return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
    case DType::f64: return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
    case DType::bf16: return {H5T_STD_U16LE, H5T_NATIVE_UINT16};
    case DType::i32: return {H5T_STD_I32LE, H5T_NATIVE_INT32};
    case DType::i64: return {H5T_STD_I64LE, H5T_NATIVE_INT64};
  }
  throw Error("H5File: unknown dtype");
}

Hid scalar_space() { return Hid(H5Screate(H5S_SCALAR), H5Sclose); }

// Strings are stored fixed-length: variable-length ones live in HDF5's global heap, whose reader
// can hang on a corrupt file (found by tests/fuzz/fuzz_checkpoint), so they are refused on read.
Hid fixed_string_type(size_t size) {
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, std::max<size_t>(size, 1));
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

// A corrupt header can declare any shape: refuse one whose data the file cannot hold before memory is taken
// for it. Uncompressed data (all that seqforge writes) lies in the file byte for byte; compressed data is
// given a loose bound.
void check_fits_in_file(hid_t file, const std::string& path, hid_t dset, const std::string& name,
                        const std::vector<hsize_t>& dims, size_t element_size) {
  uint64_t bytes = element_size;
  bool overflow = false;
  for (hsize_t d : dims) {
    overflow = overflow || (d != 0 && bytes > UINT64_MAX / d);
    bytes *= d;
  }
  hsize_t file_bytes = 0;
  checked(H5Fget_filesize(file, &file_bytes), path, "cannot read the file size");
  Hid plist(checked(H5Dget_create_plist(dset), path, "cannot read the layout of '" + name + "'"), H5Pclose);
  const bool compressed = H5Pget_nfilters(plist) > 0;
  const uint64_t limit = compressed ? file_bytes * 1024 : file_bytes;
  std::string shape;
  for (hsize_t d : dims) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
  SF_CHECK(!overflow && bytes <= limit, path, ": '", name, "' declares shape (", shape, ") of ", element_size,
           "-byte elements, more data than the file's ", file_bytes, " bytes hold; the file is corrupt");
}

// Reads a scalar string held by a dataset or an attribute; `read(mem_type, buffer)` does the I/O.
template <class Read>
std::string read_scalar_string(hid_t type, hid_t space, const std::string& file, const std::string& what,
                               Read read) {
  SF_CHECK(H5Tget_class(type) == H5T_STRING, file, ": ", what, " is ", dtype_label(type), ", not a string");
  SF_CHECK(H5Sget_simple_extent_npoints(space) == 1, file, ": ", what, " is not a single string");
  SF_CHECK(H5Tis_variable_str(type) <= 0, file, ": ", what,
           " is a variable-length string; seqforge reads only fixed-length strings (rewrite the file with seqforge)");
  size_t size = H5Tget_size(type);
  SF_CHECK(size > 0 && size < (size_t{1} << 30), file, ": ", what, " has an implausible size (", size, " bytes)");
  Hid mem(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mem, size);
  H5Tset_strpad(mem, H5Tget_strpad(type));
  H5Tset_cset(mem, H5Tget_cset(type));  // HDF5 does not convert between ASCII and UTF-8
  std::string out(size, '\0');
  checked(read(hid_t(mem), static_cast<void*>(out.data())), file, "cannot read " + what);
  if (H5Tget_strpad(type) == H5T_STR_SPACEPAD) {
    out.erase(out.find_last_not_of(' ') + 1);
  } else {
    out.resize(std::min(out.find('\0'), out.size()));
  }
  return out;
}

}  // namespace

// --- lifetime ------------------------------------------------------------------------------

H5File::H5File(int64_t id, std::string path, bool writable) : id_(id), path_(std::move(path)), writable_(writable) {}

H5File H5File::create(const std::string& path, size_t userblock_bytes) {
  silence_hdf5();
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  if (userblock_bytes > 0) checked(H5Pset_userblock(fcpl, userblock_bytes), path, "bad HDF5 user block size");
  hid_t id = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), path, "cannot create HDF5 file");
  return H5File(id, path, true);
}

H5File H5File::open(const std::string& path, bool writable) {
  silence_hdf5();
  std::error_code ec;
  SF_CHECK(std::filesystem::exists(path, ec), path, ": no such file");
  SF_CHECK(!std::filesystem::is_directory(path, ec), path, ": is a directory, not an HDF5 file");
  SF_CHECK(H5Fis_hdf5(path.c_str()) > 0, path, ": not an HDF5 file", hdf5_reason());
  hid_t id = checked(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT), path,
                     "cannot open HDF5 file (damaged or truncated?)");
  return H5File(id, path, writable);
}

H5File::H5File(H5File&& other) noexcept
    : id_(std::exchange(other.id_, -1)), path_(std::move(other.path_)), writable_(other.writable_) {}

H5File& H5File::operator=(H5File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Fclose(id_);
    id_ = std::exchange(other.id_, -1);
    path_ = std::move(other.path_);
    writable_ = other.writable_;
  }
  return *this;
}

H5File::~H5File() {
  if (id_ >= 0) H5Fclose(id_);
}

void H5File::close() {
  SF_CHECK(id_ >= 0, path_, ": already closed");
  hid_t id = std::exchange(id_, -1);
  checked(H5Fclose(id), path_, "cannot close (data may not have been written)");
}

void H5File::check_writable(const std::string& name) const {
  SF_CHECK(id_ >= 0, path_, ": file is closed");
  SF_CHECK(writable_, path_, ": opened read-only, cannot write '", name, "'");
}

// --- structure -----------------------------------------------------------------------------

bool H5File::has(const std::string& name) const {
  SF_CHECK(id_ >= 0, path_, ": file is closed");
  // H5Lexists fails rather than answering when a parent is missing, so walk the path down.
  size_t pos = 0;
  while (pos < name.size()) {
    size_t end = name.find('/', pos);
    if (end == std::string::npos) end = name.size();
    if (end > pos && H5Lexists(id_, name.substr(0, end).c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    pos = end + 1;
  }
  htri_t exists = H5Oexists_by_name(id_, name.empty() ? "/" : name.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

void H5File::check_dataset(const std::string& name) const {
  SF_CHECK(has(name), path_, ": no dataset '", name, "'");
  Hid obj(checked(H5Oopen(id_, name.c_str(), H5P_DEFAULT), path_, "cannot open '" + name + "'"), H5Oclose);
  SF_CHECK(H5Iget_type(obj) == H5I_DATASET, path_, ": '", name, "' is a group, not a dataset");
}

std::vector<std::string> H5File::list(const std::string& group) const {
  SF_CHECK(has(group), path_, ": no group '", group, "'");
  Hid g(checked(H5Oopen(id_, group.c_str(), H5P_DEFAULT), path_, "cannot open '" + group + "'"), H5Oclose);
  SF_CHECK(H5Iget_type(g) == H5I_GROUP, path_, ": '", group, "' is a dataset, not a group");
  std::vector<std::string> relative;
  // A generic lambda fits the link-info struct of every HDF5 version's H5Lvisit.
  H5L_iterate_t visit = [](hid_t base, const char* name, const auto*, void* out) -> herr_t {
    hid_t obj = H5Oopen(base, name, H5P_DEFAULT);
    if (obj < 0) return -1;
    if (H5Iget_type(obj) == H5I_DATASET) static_cast<std::vector<std::string>*>(out)->push_back(name);
    H5Oclose(obj);
    return 0;
  };
  checked(H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, visit, &relative), path_, "cannot list '" + group + "'");
  std::string prefix = group;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty() || prefix.front() != '/') prefix.insert(prefix.begin(), '/');
  if (prefix == "/") prefix.clear();
  std::vector<std::string> names;
  for (const auto& r : relative) names.push_back(prefix + "/" + r);
  std::sort(names.begin(), names.end());
  return names;
}

// --- tensors -------------------------------------------------------------------------------

void H5File::write_tensor(const std::string& name, const Tensor& tensor) {
  check_writable(name);
  SF_CHECK(tensor.defined(), path_, ": cannot write undefined tensor '", name, "'");
  Tensor t = tensor.device().is_cpu() ? tensor.contiguous() : tensor.to(Device::cpu()).contiguous();
  TypePair types = h5_types(t.dtype());

  if (has(name)) checked(H5Ldelete(id_, name.c_str(), H5P_DEFAULT), path_, "cannot replace '" + name + "'");
  std::vector<hsize_t> dims(t.shape().begin(), t.shape().end());
  Hid space = dims.empty() ? scalar_space()
                           : Hid(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  Hid dset(checked(H5Dcreate2(id_, name.c_str(), types.file, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path_,
                   "cannot create dataset '" + name + "'"),
           H5Dclose);
  if (t.numel() > 0)
    checked(H5Dwrite(dset, types.mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.raw_data()), path_,
            "cannot write dataset '" + name + "'");
  if (t.dtype() == DType::bf16) write_attr(name, "dtype", "bf16");
}

Tensor H5File::read_tensor(const std::string& name) const {
  check_dataset(name);
  Hid dset(checked(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), path_, "cannot open dataset '" + name + "'"),
           H5Dclose);
  Hid type(checked(H5Dget_type(dset), path_, "cannot read the type of '" + name + "'"), H5Tclose);
  const size_t size = H5Tget_size(type);
  DType dtype;
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      SF_CHECK(size == 4 || size == 8, path_, ": '", name, "' is ", dtype_label(type),
               "; only float32 and float64 are read");
      dtype = size == 4 ? DType::f32 : DType::f64;
      break;
    case H5T_INTEGER: {
      const bool is_unsigned = H5Tget_sign(type) == H5T_SGN_NONE;
      SF_CHECK(!(is_unsigned && size == 8), path_, ": '", name, "' is uint64, which int64 cannot hold");
      if (size == 2 && is_unsigned && has_attr(name, "dtype") && read_attr_string(name, "dtype") == "bf16") {
        dtype = DType::bf16;
      } else {
        dtype = size < 4 || (size == 4 && !is_unsigned) ? DType::i32 : DType::i64;
      }
      break;
    }
    default:
      throw Error(detail::cat(path_, ": '", name, "' is ", dtype_label(type), ", not a numeric tensor"));
  }

  Hid space(checked(H5Dget_space(dset), path_, "cannot read the shape of '" + name + "'"), H5Sclose);
  int ndims = checked(H5Sget_simple_extent_ndims(space), path_, "cannot read the shape of '" + name + "'");
  SF_CHECK(H5Sget_simple_extent_type(space) != H5S_NULL, path_, ": '", name, "' holds no data (null dataspace)");
  std::vector<hsize_t> dims(static_cast<size_t>(ndims));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  check_fits_in_file(id_, path_, dset, name, dims, dtype_size(dtype));
  Tensor out = empty(Shape(dims.begin(), dims.end()), dtype);
  if (out.numel() > 0)
    checked(H5Dread(dset, h5_types(dtype).mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.raw_data()), path_,
            "cannot read dataset '" + name + "'");
  return out;
}

// --- unsigned arrays -----------------------------------------------------------------------

namespace {

template <class U>
void write_uint_dataset(hid_t file, const std::string& path, const std::string& name, const std::vector<U>& values) {
  static_assert(sizeof(U) == 2 || sizeof(U) == 4);
  const hid_t file_type = sizeof(U) == 2 ? H5T_STD_U16LE : H5T_STD_U32LE;
  const hid_t mem_type = sizeof(U) == 2 ? H5T_NATIVE_UINT16 : H5T_NATIVE_UINT32;
  const hsize_t dims[1] = {values.size()};
  Hid space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  // The default creation properties give a contiguous, unfiltered layout: what raw_array() needs.
  Hid dset(checked(H5Dcreate2(file, name.c_str(), file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path,
                   "cannot create dataset '" + name + "'"),
           H5Dclose);
  if (!values.empty())
    checked(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), path,
            "cannot write dataset '" + name + "'");
}

}  // namespace

void H5File::write_uint_array(const std::string& name, const std::vector<uint16_t>& values) {
  check_writable(name);
  if (has(name)) checked(H5Ldelete(id_, name.c_str(), H5P_DEFAULT), path_, "cannot replace '" + name + "'");
  write_uint_dataset(id_, path_, name, values);
}

void H5File::write_uint_array(const std::string& name, const std::vector<uint32_t>& values) {
  check_writable(name);
  if (has(name)) checked(H5Ldelete(id_, name.c_str(), H5P_DEFAULT), path_, "cannot replace '" + name + "'");
  write_uint_dataset(id_, path_, name, values);
}

H5File::RawArray H5File::raw_array(const std::string& name) const {
  check_dataset(name);
  Hid dset(checked(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), path_, "cannot open dataset '" + name + "'"),
           H5Dclose);
  Hid type(checked(H5Dget_type(dset), path_, "cannot read the type of '" + name + "'"), H5Tclose);
  const size_t size = H5Tget_size(type);
  SF_CHECK(H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE && (size == 2 || size == 4) &&
               H5Tget_order(type) == H5T_ORDER_LE,
           path_, ": '", name, "' is ", dtype_label(type), "; expected little-endian uint16 or uint32 token ids");
  Hid space(checked(H5Dget_space(dset), path_, "cannot read the shape of '" + name + "'"), H5Sclose);
  SF_CHECK(H5Sget_simple_extent_ndims(space) == 1, path_, ": '", name, "' is not a 1-D array");
  hsize_t count = 0;
  H5Sget_simple_extent_dims(space, &count, nullptr);
  check_fits_in_file(id_, path_, dset, name, {count}, size);
  Hid plist(checked(H5Dget_create_plist(dset), path_, "cannot read the layout of '" + name + "'"), H5Pclose);
  SF_CHECK(H5Pget_layout(plist) == H5D_CONTIGUOUS && H5Pget_nfilters(plist) == 0, path_, ": '", name,
           "' is chunked or compressed; token ids must be stored contiguous (write them with seqforge prepare-data)");
  RawArray out{0, static_cast<int64_t>(count), static_cast<int>(size)};
  if (count == 0) return out;
  const haddr_t offset = H5Dget_offset(dset);
  SF_CHECK(offset != HADDR_UNDEF, path_, ": '", name, "' has no data in the file (never written)");
  out.offset = static_cast<int64_t>(offset);
  return out;
}

// --- strings -------------------------------------------------------------------------------

void H5File::write_string(const std::string& name, std::string_view text) {
  check_writable(name);
  SF_CHECK(text.find('\0') == std::string_view::npos, path_, ": string '", name,
           "' holds a NUL byte; store bytes as a tensor instead");
  if (has(name)) checked(H5Ldelete(id_, name.c_str(), H5P_DEFAULT), path_, "cannot replace '" + name + "'");
  Hid type = fixed_string_type(text.size());
  Hid space = scalar_space();
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  Hid dset(checked(H5Dcreate2(id_, name.c_str(), type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), path_,
                   "cannot create dataset '" + name + "'"),
           H5Dclose);
  std::string copy(std::max<size_t>(text.size(), 1), '\0');
  copy.replace(0, text.size(), text);
  checked(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, copy.data()), path_,
          "cannot write string '" + name + "'");
}

std::string H5File::read_string(const std::string& name) const {
  check_dataset(name);
  Hid dset(checked(H5Dopen2(id_, name.c_str(), H5P_DEFAULT), path_, "cannot open dataset '" + name + "'"),
           H5Dclose);
  Hid type(checked(H5Dget_type(dset), path_, "cannot read the type of '" + name + "'"), H5Tclose);
  Hid space(checked(H5Dget_space(dset), path_, "cannot read the shape of '" + name + "'"), H5Sclose);
  return read_scalar_string(type, space, path_, "'" + name + "'", [&](hid_t mem, void* buf) {
    return H5Dread(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  });
}

// --- attributes ----------------------------------------------------------------------------

namespace {

// Replaces attribute `key` of `object` with a scalar of `type` holding *value.
void put_attr(hid_t file, const std::string& path, const std::string& object, const std::string& key, hid_t type,
              const void* value) {
  std::string what = "attribute '" + key + "' of '" + object + "'";
  Hid obj(checked(H5Oopen(file, object.c_str(), H5P_DEFAULT), path, "no object '" + object + "' for " + what),
          H5Oclose);
  if (H5Aexists(obj, key.c_str()) > 0) checked(H5Adelete(obj, key.c_str()), path, "cannot replace " + what);
  Hid space = scalar_space();
  Hid attr(checked(H5Acreate2(obj, key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), path, "cannot create " + what),
           H5Aclose);
  checked(H5Awrite(attr, type, value), path, "cannot write " + what);
}

}  // namespace

void H5File::write_attr(const std::string& object, const std::string& key, std::string_view value) {
  check_writable(object);
  SF_CHECK(value.find('\0') == std::string_view::npos, path_, ": attribute '", key, "' holds a NUL byte");
  SF_CHECK(has(object), path_, ": no object '", object, "' for attribute '", key, "'");
  std::string copy(std::max<size_t>(value.size(), 1), '\0');
  copy.replace(0, value.size(), value);
  Hid type = fixed_string_type(value.size());
  put_attr(id_, path_, object, key, type, copy.data());
}

void H5File::write_attr(const std::string& object, const std::string& key, int64_t value) {
  check_writable(object);
  SF_CHECK(has(object), path_, ": no object '", object, "' for attribute '", key, "'");
  put_attr(id_, path_, object, key, H5T_NATIVE_INT64, &value);
}

void H5File::write_attr(const std::string& object, const std::string& key, double value) {
  check_writable(object);
  SF_CHECK(has(object), path_, ": no object '", object, "' for attribute '", key, "'");
  put_attr(id_, path_, object, key, H5T_NATIVE_DOUBLE, &value);
}

bool H5File::has_attr(const std::string& object, const std::string& key) const {
  if (!has(object)) return false;
  htri_t exists = H5Aexists_by_name(id_, object.c_str(), key.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return exists > 0;
}

namespace {

struct OpenAttr {
  Hid attr, type, space;
};

OpenAttr open_attr(const H5File& f, hid_t file, const std::string& object, const std::string& key) {
  SF_CHECK(f.has_attr(object, key), f.path(), ": no attribute '", key, "' on '", object, "'");
  std::string what = "attribute '" + key + "' of '" + object + "'";
  Hid attr(checked(H5Aopen_by_name(file, object.c_str(), key.c_str(), H5P_DEFAULT, H5P_DEFAULT), f.path(),
                   "cannot open " + what),
           H5Aclose);
  Hid type(checked(H5Aget_type(attr), f.path(), "cannot read the type of " + what), H5Tclose);
  Hid space(checked(H5Aget_space(attr), f.path(), "cannot read the shape of " + what), H5Sclose);
  SF_CHECK(H5Sget_simple_extent_npoints(space) == 1, f.path(), ": ", what, " is not a single value");
  return {std::move(attr), std::move(type), std::move(space)};
}

}  // namespace

std::string H5File::read_attr_string(const std::string& object, const std::string& key) const {
  OpenAttr a = open_attr(*this, id_, object, key);
  return read_scalar_string(a.type, a.space, path_, "attribute '" + key + "' of '" + object + "'",
                            [&](hid_t mem, void* buf) { return H5Aread(a.attr, mem, buf); });
}

int64_t H5File::read_attr_i64(const std::string& object, const std::string& key) const {
  OpenAttr a = open_attr(*this, id_, object, key);
  SF_CHECK(H5Tget_class(a.type) == H5T_INTEGER, path_, ": attribute '", key, "' of '", object, "' is ",
           dtype_label(a.type), ", not an integer");
  int64_t value = 0;
  checked(H5Aread(a.attr, H5T_NATIVE_INT64, &value), path_, "cannot read attribute '" + key + "'");
  return value;
}

double H5File::read_attr_f64(const std::string& object, const std::string& key) const {
  OpenAttr a = open_attr(*this, id_, object, key);
  H5T_class_t cls = H5Tget_class(a.type);
  SF_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, path_, ": attribute '", key, "' of '", object, "' is ",
           dtype_label(a.type), ", not a number");
  double value = 0;
  checked(H5Aread(a.attr, H5T_NATIVE_DOUBLE, &value), path_, "cannot read attribute '" + key + "'");
  return value;
}

}  // namespace sf
