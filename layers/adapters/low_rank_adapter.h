// LowRankAdapter: what LoRA and NOLA share (spec optim.md §1.1, §1.4, §1.5). Attached to a Linear as a
// child module, it adds through a forward hook
//
//     y[..., rows] += s · (D(x) Aᵀ) Bᵀ,     s = alpha / rank,  A (rank, d_in),  B (rows, rank),
//
// to the output rows [row0, row0 + rows) it adapts (all of them, or one part of a fused projection such
// as the q slice of wqkv), D = dropout on the adapter's input only, in training mode only. The update is
// never formed as a matrix during training. A subclass says where A and B come from (factors()).
//
// Merging folds s·B·A into the layer's weight rows so that the forward is a plain linear map; the rows are
// copied first and put back on unmerge, so unmerging restores the weight bit for bit. With merge_on_eval,
// eval() merges and train() unmerges. A training forward while merged is an error.
//
// With log_norms on (adapter.log_norms, spec optim.md §1.10), each training forward also records
// max|x·(W0+ΔW)ᵀ| over the adapted rows (bias excluded): the size of the entries the paper's threshold is
// about. take_out_max() hands the largest since the previous call back and starts afresh.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "layers/linear.h"

namespace sf {

// The linear map an adapter adapts: the layer, the canonical name of the adapted matrix (the layer's
// path, plus ".q" for a part: "blocks.0.mixer.wqkv.q"; seeds derive from it) and its output rows.
struct AdapterSite {
  Linear* layer = nullptr;
  std::string name;
  int64_t row0 = 0, rows = 0;
};

class LowRankAdapter : public Module, public std::enable_shared_from_this<LowRankAdapter> {
 public:
  LowRankAdapter(AdapterSite site, int64_t rank, double alpha, double dropout, bool merge_on_eval);

  virtual const char* kind() const = 0;  // "lora", "nola"
  // A (rank, d_in) and B (rows, rank) as they are now, recorded in the graph when grad mode is on.
  virtual std::pair<Variable, Variable> factors() const = 0;

  // Installs the forward hook on the site's layer (once); detach() removes it.
  void attach();
  void detach();

  // The hook: y plus the update on this adapter's rows (y itself while merged, in eval).
  Variable apply(const Variable& x, const Variable& y);

  void merge();
  void unmerge();
  bool merged() const { return merged_; }
  // s·B·A (rows, d_in) computed in the weight's dtype, float32 at least; no graph.
  Tensor delta_weight() const;

  void set_log_norms(bool on) { log_norms_ = on; }
  // The largest |entry| of this adapter's rows of x·(W0+ΔW)ᵀ over the training forwards since the previous
  // call (NaN when none ran, or log_norms is off).
  double take_out_max();

  const AdapterSite& site() const { return site_; }
  int64_t rank() const { return rank_; }
  double scale() const { return scale_; }
  int64_t in_features() const { return site_.layer->in_features(); }

 protected:
  void on_mode_change(bool training) override;
  void on_device_change(Device device) override;  // the saved rows of a merged adapter

 private:
  AdapterSite site_;
  int64_t rank_;
  double scale_, dropout_;
  bool merge_on_eval_;
  bool merged_ = false;
  Tensor saved_rows_;    // the weight rows before merge(), put back by unmerge()
  int64_t hook_id_ = 0;  // 0 = not attached
  bool log_norms_ = false;
  double out_max_ = NAN;
};

}  // namespace sf
