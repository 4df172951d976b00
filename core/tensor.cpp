#include "core/tensor.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <optional>
#include <sstream>

#include "core/parallel.h"
#include "core/strided.h"
#ifdef SF_WITH_CUDA
#include "core/cuda/cuda_backend.h"
#endif

namespace sf {
namespace {

// Runs f.template operator()<T>() with T the C++ type of any dtype (incl. bf16).
template <class F>
auto dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    case DType::bf16: return f.template operator()<bf16>();
    case DType::i32: return f.template operator()<int32_t>();
    case DType::i64: return f.template operator()<int64_t>();
  }
  throw Error("unknown dtype");
}

template <class D, class S>
inline D convert(S s) {
  if constexpr (std::is_same_v<D, S>) {
    return s;
  } else if constexpr (std::is_same_v<S, bf16>) {
    return static_cast<D>(static_cast<float>(s));
  } else if constexpr (std::is_same_v<D, bf16>) {
    return bf16(static_cast<float>(s));
  } else {
    return static_cast<D>(s);
  }
}

// Strides for viewing a tensor of (shape, strides) as new_shape without a copy, if possible
// (the chunk-matching rule PyTorch's view uses).
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides, const Shape& new_shape) {
  Shape new_strides(new_shape.size());
  if (old_shape.empty()) return contiguous_strides(new_shape);
  if (shape_numel(old_shape) == 0) return contiguous_strides(new_shape);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

Shape infer_shape(Shape shape, int64_t numel) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      SF_CHECK(infer < 0, "view: only one dimension may be -1 in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      SF_CHECK(shape[i] >= 0, "view: negative size in ", shape_str(shape));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    SF_CHECK(known > 0 && numel % known == 0, "view: cannot infer -1 in ", shape_str(shape), " for ", numel,
             " elements");
    shape[infer] = numel / known;
  }
  SF_CHECK(shape_numel(shape) == numel, "view: shape ", shape_str(shape), " does not hold ", numel, " elements");
  return shape;
}

}  // namespace

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype)
    : storage_(std::move(storage)), shape_(std::move(shape)), strides_(std::move(strides)), offset_(offset),
      dtype_(dtype) {}

int64_t Tensor::size(int64_t d) const { return shape_[wrap_dim(d, dim())]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim())]; }
Device Tensor::device() const { return storage_ ? storage_->device() : Device::cpu(); }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void Tensor::check_dtype(DType asked) const {
  SF_CHECK(asked == dtype_, "Tensor::data: tensor is ", dtype_name(dtype_), ", asked for ", dtype_name(asked));
}

void* Tensor::raw_data() const {
  SF_CHECK(defined(), "use of an undefined tensor");
  SF_CHECK(storage_->device().is_cpu(), "a ", dtype_name(dtype_), " tensor of shape ", shape_str(shape_),
           " on ", storage_->device().str(), " reached code that runs on the CPU only (an op without a CUDA "
           "kernel yet, or host I/O): move it to the CPU first, or keep the run on the CPU (train.device: cpu)");
  return raw_device_data();
}

void* Tensor::raw_device_data() const {
  SF_CHECK(defined(), "use of an undefined tensor");
  return static_cast<char*>(storage_->data()) + offset_ * static_cast<int64_t>(dtype_size(dtype_));
}

// --- views ------------------------------------------------------------------------------------

Tensor Tensor::view(Shape shape) const {
  shape = infer_shape(std::move(shape), numel());
  auto st = view_strides(shape_, strides_, shape);
  SF_CHECK(st.has_value(), "view: cannot view a tensor of shape ", shape_str(shape_), " and strides ",
           shape_str(strides_), " as ", shape_str(shape), " without a copy (use reshape)");
  return Tensor(storage_, std::move(shape), std::move(*st), offset_, dtype_);
}

Tensor Tensor::reshape(Shape shape) const {
  shape = infer_shape(std::move(shape), numel());
  if (auto st = view_strides(shape_, strides_, shape)) return Tensor(storage_, shape, *st, offset_, dtype_);
  return clone().view(std::move(shape));
}

Tensor Tensor::permute(const Shape& dims) const {
  SF_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: ", dims.size(), " dims given for a tensor of rank ",
           dim());
  Shape s(dims.size()), st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim());
    SF_CHECK(!seen[d], "permute: dimension ", d, " repeated in ", shape_str(dims));
    seen[d] = true;
    s[i] = shape_[d];
    st[i] = strides_[d];
  }
  return Tensor(storage_, std::move(s), std::move(st), offset_, dtype_);
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  a = wrap_dim(a, dim());
  b = wrap_dim(b, dim());
  Shape s = shape_, st = strides_;
  std::swap(s[a], s[b]);
  std::swap(st[a], st[b]);
  return Tensor(storage_, std::move(s), std::move(st), offset_, dtype_);
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim());
  if (start < 0) start += shape_[d];
  SF_CHECK(start >= 0 && length >= 0 && start + length <= shape_[d], "narrow: [", start, ", ", start + length,
           ") out of range for dimension ", d, " of size ", shape_[d]);
  Shape s = shape_;
  s[d] = length;
  return Tensor(storage_, std::move(s), strides_, offset_ + start * strides_[d], dtype_);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  d = wrap_dim(d, dim());
  if (index < 0) index += shape_[d];
  SF_CHECK(index >= 0 && index < shape_[d], "select: index ", index, " out of range for dimension ", d,
           " of size ", shape_[d]);
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, std::move(s), std::move(st), offset_ + index * strides_[d], dtype_);
}

Tensor Tensor::expand(Shape shape) const {
  SF_CHECK(shape.size() >= shape_.size(), "expand: cannot expand ", shape_str(shape_), " to fewer dims ",
           shape_str(shape));
  size_t lead = shape.size() - shape_.size();
  Shape st(shape.size(), 0);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      SF_CHECK(shape[i] >= 0, "expand: size -1 not allowed for new leading dim");
      continue;
    }
    int64_t cur = shape_[i - lead];
    if (shape[i] == -1) shape[i] = cur;
    if (cur == shape[i]) {
      st[i] = strides_[i - lead];
    } else {
      SF_CHECK(cur == 1, "expand: cannot expand ", shape_str(shape_), " to ", shape_str(shape));
    }
  }
  return Tensor(storage_, std::move(shape), std::move(st), offset_, dtype_);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1);
  Shape s = shape_, st = strides_;
  int64_t stride = d < dim() ? strides_[d] * shape_[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return Tensor(storage_, std::move(s), std::move(st), offset_, dtype_);
}

Tensor Tensor::squeeze(int64_t d) const {
  d = wrap_dim(d, dim());
  SF_CHECK(shape_[d] == 1, "squeeze: dimension ", d, " has size ", shape_[d], ", not 1");
  Shape s = shape_, st = strides_;
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return Tensor(storage_, std::move(s), std::move(st), offset_, dtype_);
}

// --- copies -----------------------------------------------------------------------------------

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = empty(shape_, dtype_, device());
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype, device());
  out.copy_(*this);
  return out;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor out = empty(shape_, dtype_, device);
  out.copy_(*this);
  return out;
}

Tensor& Tensor::copy_(const Tensor& src_in) {
  SF_CHECK(defined() && src_in.defined(), "copy_: undefined tensor");
  Tensor src = src_in.shape() == shape_ ? src_in : src_in.expand(shape_);
  if (!device().is_cpu() || !src.device().is_cpu()) {
#ifdef SF_WITH_CUDA
    SF_CHECK(dtype_ == src.dtype() && is_contiguous() && src.is_contiguous() && src_in.shape() == shape_,
             "copy_: across devices only contiguous tensors of the same dtype and shape are supported");
    if (device().is_cpu()) {
      cuda::copy_device_to_host(raw_data(), src.raw_device_data(), nbytes(), src.device().index);
    } else if (src.device().is_cpu()) {
      cuda::copy_host_to_device(raw_device_data(), src.raw_data(), nbytes(), device().index);
    } else {
      cuda::copy_device_to_device(raw_device_data(), src.raw_device_data(), nbytes(), device().index);
    }
    return *this;
#else
    throw Error("copy_: CUDA tensors need a build with CUDA");
#endif
  }
  if (dtype_ == src.dtype() && is_contiguous() && src.is_contiguous()) {
    if (raw_data() != src.raw_data()) std::memmove(raw_data(), src.raw_data(), nbytes());
    return *this;
  }
  dispatch_all(dtype_, [&]<class D>() {
    dispatch_all(src.dtype(), [&]<class S>() {
      D* d = static_cast<D*>(raw_data());
      const S* s = static_cast<const S*>(src.raw_data());
      for_each_strided2(shape_, strides_, src.strides(), [&](int64_t od, int64_t os, int64_t n, int64_t sd,
                                                              int64_t ss) {
        for (int64_t i = 0; i < n; ++i) d[od + i * sd] = convert<D>(s[os + i * ss]);
      });
    });
  });
  return *this;
}

Tensor& Tensor::fill_(double value) {
  SF_CHECK(defined(), "fill_: undefined tensor");
  if (!device().is_cpu()) {
    Tensor host = full(shape_, value, dtype_);
    return copy_(host.to(device()));
  }
  dispatch_all(dtype_, [&]<class T>() {
    T v = convert<T>(value);
    T* d = static_cast<T*>(raw_data());
    for_each_strided1(shape_, strides_, [&](int64_t o, int64_t n, int64_t sd) {
      for (int64_t i = 0; i < n; ++i) d[o + i * sd] = v;
    });
  });
  return *this;
}

double Tensor::at(const Shape& index) const {
  SF_CHECK(static_cast<int64_t>(index.size()) == dim(), "at: ", index.size(), " indices for rank ", dim());
  Tensor host = device().is_cpu() ? *this : to(Device::cpu());
  int64_t off = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    int64_t k = index[i] < 0 ? index[i] + shape_[i] : index[i];
    SF_CHECK(k >= 0 && k < shape_[i], "at: index ", index[i], " out of range for size ", shape_[i]);
    off += k * host.strides_[i];
  }
  return dispatch_all(dtype_, [&]<class T>() {
    return convert<double>(static_cast<const T*>(host.raw_data())[off]);
  });
}

template <class T>
T Tensor::item() const {
  SF_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape_), " has ", numel(), " elements, not 1");
  return static_cast<T>(at(Shape(shape_.size(), 0)));
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int32_t Tensor::item<int32_t>() const;
template int64_t Tensor::item<int64_t>() const;

std::string Tensor::str(int64_t max_per_dim) const {
  std::ostringstream os;
  os << "Tensor" << shape_str(shape_) << " " << dtype_name(dtype_);
  if (!device().is_cpu()) os << " " << device().str();
  if (!defined()) return "Tensor(undefined)";
  os << "\n";
  Shape idx(shape_.size(), 0);
  // Recursive printer that shows the first and last max_per_dim/2 entries of each dim.
  auto rec = [&](auto&& self, size_t d) -> void {
    if (d == shape_.size()) {
      os << std::setprecision(5) << at(idx);
      return;
    }
    os << "[";
    int64_t n = shape_[d];
    for (int64_t i = 0; i < n; ++i) {
      if (n > max_per_dim && i == max_per_dim / 2) {
        os << "..., ";
        i = n - max_per_dim / 2;
      }
      idx[d] = i;
      self(self, d + 1);
      if (i + 1 < n) os << (d + 1 == shape_.size() ? ", " : ",\n ");
    }
    os << "]";
  };
  rec(rec, 0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

// --- factories --------------------------------------------------------------------------------

Tensor empty(const Shape& shape, DType dtype, Device device) {
  // Sizes are checked before multiplying: an overflowed product would allocate a wrong, small block.
  size_t bytes = dtype_size(dtype);
  for (int64_t d : shape) {
    SF_CHECK(d >= 0, "empty: negative size in ", shape_str(shape));
    SF_CHECK(d == 0 || bytes <= static_cast<size_t>(INT64_MAX) / static_cast<size_t>(d), "empty: ", shape_str(shape),
             " of ", dtype_name(dtype), " is more than 2^63 bytes");
    bytes *= static_cast<size_t>(d);
  }
  auto storage = std::make_shared<Storage>(bytes, device);
  return Tensor(std::move(storage), shape, contiguous_strides(shape), 0, dtype);
}

Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  if (!device.is_cpu()) return full(shape, value, dtype).to(device);
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor arange(int64_t n, DType dtype) {
  Tensor t = empty({n}, dtype);
  dispatch_all(dtype, [&]<class T>() {
    T* d = t.data<T>();
    for (int64_t i = 0; i < n; ++i) d[i] = convert<T>(static_cast<double>(i));
  });
  return t;
}

Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  SF_CHECK(static_cast<int64_t>(values.size()) == shape_numel(shape), "from_vector: ", values.size(),
           " values for shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>());
  if (!values.empty()) std::memcpy(t.raw_data(), values.data(), values.size() * sizeof(T));
  return t;
}

template <class T>
std::vector<T> to_vector(const Tensor& t) {
  Tensor c = t.device().is_cpu() ? t : t.to(Device::cpu());
  c = c.to(dtype_of<T>()).contiguous();
  const T* p = c.data<T>();
  return std::vector<T>(p, p + c.numel());
}

#define SF_INSTANTIATE(T)                                                        \
  template Tensor from_vector<T>(const std::vector<T>&, const Shape&);            \
  template std::vector<T> to_vector<T>(const Tensor&);
SF_INSTANTIATE(float)
SF_INSTANTIATE(double)
SF_INSTANTIATE(int32_t)
SF_INSTANTIATE(int64_t)
SF_INSTANTIATE(bf16)
#undef SF_INSTANTIATE

}  // namespace sf
