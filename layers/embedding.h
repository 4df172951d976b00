// Embedding: a (num_embeddings, dim) table read by integer indices.
#pragma once
#include "layers/module.h"

namespace sf {

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t dim, Init init, DType dtype = DType::f32);

  Variable forward(const Tensor& index) const;  // int index (...) -> (..., dim)
  const Variable& weight() const { return weight_; }

 private:
  Variable weight_;
};

}  // namespace sf
