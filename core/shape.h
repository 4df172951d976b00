// Shapes and strides (row-major, in elements).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sf {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);
std::string shape_str(const Shape& s);                    // "(2, 3)"
int64_t wrap_dim(int64_t dim, int64_t ndim);              // -1 -> ndim-1, checked
Shape broadcast_shapes(const Shape& a, const Shape& b);   // numpy rules, throws on mismatch

}  // namespace sf
