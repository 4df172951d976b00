#include "layers/adapters/lora.h"

#include <cmath>

#include "core/hash.h"
#include "core/rng.h"

namespace sf {

LoraAdapter::LoraAdapter(AdapterSite site, const AdapterConfig& config, uint64_t run_seed)
    : LowRankAdapter(site, config.rank, config.alpha, config.dropout, config.merge_on_eval) {
  const DType dtype = site.layer->weight().dtype();
  const RngStream stream{mix(run_seed, fnv1a(site.name)), 0, kTagLora};
  const double bound = 1.0 / std::sqrt(static_cast<double>(site.layer->in_features()));
  const double sd = 1.0 / static_cast<double>(config.rank);
  const bool gaussian = config.init_a == LoraInitA::gaussian;
  // The stream is the site's, not the parameter's init stream: the values are fixed by the spec's address.
  Init init_a = Init::custom([=](Tensor& host, RngStream) {
    if (gaussian) {
      rng_normal(host.data<double>(), host.numel(), stream, 0, 0.0, sd);
    } else {
      rng_uniform(host.data<double>(), host.numel(), stream, 0, -bound, bound);
    }
  });
  Tensor host = empty({config.rank, site.layer->in_features()}, DType::f64);
  init_a.fill(host, stream);
  a_ = register_parameter("A", host.shape(), init_a, dtype);
  a_.mutable_data().copy_(host);
  b_ = register_parameter("B", {site.rows, config.rank}, Init::zeros(), dtype);
}

}  // namespace sf
