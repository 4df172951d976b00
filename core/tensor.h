// Tensor: a strided view (shape, strides, offset, dtype) into shared Storage.
//
// Views (view/reshape, permute/transpose, narrow/select, expand, unsqueeze/squeeze) share storage
// and copy nothing; contiguous() copies only when the layout requires it. A Tensor carries no
// autograd state: autograd/Variable wraps one.
#pragma once
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/storage.h"

namespace sf {

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;
  int64_t stride(int64_t d) const;
  int64_t offset() const { return offset_; }
  int64_t numel() const { return shape_numel(shape_); }
  DType dtype() const { return dtype_; }
  Device device() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool shares_storage(const Tensor& other) const { return storage_ && storage_ == other.storage_; }

  // Host pointer to element 0 of this view, for CPU code; T must match dtype(). A tensor on a GPU is
  // refused with a message: an op without a CUDA kernel fails by name instead of reading device memory
  // through a host pointer.
  template <class T> T* data() const {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;
  // Pointer to element 0 on the tensor's own device, for the code that hands it to that device: CUDA
  // kernels, cuBLAS, NCCL, copies across devices.
  template <class T> T* device_data() const {
    check_dtype(dtype_of<T>());
    return static_cast<T*>(raw_device_data());
  }
  void* raw_device_data() const;

  // --- views: share storage -------------------------------------------------------------
  Tensor view(Shape shape) const;     // one dim may be -1; throws if strides do not allow it
  Tensor reshape(Shape shape) const;  // a view when possible, else a contiguous copy
  Tensor flatten() const { return reshape({-1}); }
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t a, int64_t b) const;
  Tensor t() const { return transpose(-2, -1); }
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;  // drops dim
  Tensor expand(Shape shape) const;                  // broadcast with stride 0; -1 keeps a dim
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze(int64_t dim) const;

  // --- copies ----------------------------------------------------------------------------
  Tensor contiguous() const;  // *this when already contiguous
  Tensor clone() const;       // always a fresh contiguous copy
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  // --- in place --------------------------------------------------------------------------
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);  // src broadcasts to this shape; dtype converts

  // Value of a one-element tensor, converted to T.
  template <class T> T item() const;

  // Element at a multi-index, converted to double (tests, printing; not for hot loops).
  double at(const Shape& index) const;

  std::string str(int64_t max_per_dim = 6) const;

 private:
  void check_dtype(DType asked) const;
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::f32;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// --- factories -----------------------------------------------------------------------------
Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = Device::cpu());
Tensor scalar_tensor(double value, DType dtype = DType::f32);  // 0-dim
Tensor arange(int64_t n, DType dtype = DType::i64);
Tensor zeros_like(const Tensor& t);
Tensor empty_like(const Tensor& t);

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
template <class T>
std::vector<T> to_vector(const Tensor& t);  // contiguous copy of the values, converted to T

}  // namespace sf
