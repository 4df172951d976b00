#include "layers/embedding.h"

#include "autograd/functions.h"

namespace sf {

Embedding::Embedding(int64_t num_embeddings, int64_t dim, Init init, DType dtype) {
  SF_CHECK(num_embeddings > 0 && dim > 0, "Embedding: sizes must be positive, got ", num_embeddings, " x ", dim);
  weight_ = register_parameter("weight", {num_embeddings, dim}, init, dtype);
}

Variable Embedding::forward(const Tensor& index) const { return embedding(weight_, index); }

}  // namespace sf
