// ModuleList: children named "0", "1", ... so that paths read "blocks.3.mixer.wqkv.weight".
#pragma once
#include <memory>
#include <string>

#include "layers/module.h"

namespace sf {

class ModuleList : public Module {
 public:
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size_++), std::move(module));
  }
  int64_t size() const { return size_; }

 private:
  int64_t size_ = 0;
};

}  // namespace sf
