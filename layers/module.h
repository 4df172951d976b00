// Module: a node of the model tree that owns named parameters and child modules.
//
// Parameters and children are registered in the constructor and listed in registration order with
// dotted names ("blocks.0.mixer.wqkv.weight"). A parameter reachable by two paths (a shared module or
// Variable) is listed once, under the first path. Construction allocates parameters as zeros;
// init_parameters(seed) fills each from its own Philox stream keyed by its full name, so the values
// depend neither on construction order nor on the thread count. Layers compose the differentiable
// ops of autograd/functions.h and never touch raw data.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "autograd/variable.h"
#include "core/philox.h"
#include "layers/param_hint.h"

namespace sf {

// How init_parameters() fills a parameter.
struct Init {
  enum class Kind : uint8_t { zeros, ones, normal, uniform, custom };
  Kind kind = Kind::zeros;
  double scale = 0.0;  // std for normal, half-width a for uniform on (−a, a)
  // custom: fills a float64 host tensor of the parameter's shape from the parameter's stream
  // (layer-specific inits such as SSM spectra and step sizes).
  std::function<void(Tensor& host, RngStream stream)> fill;

  static Init zeros() { return {Kind::zeros, 0.0, {}}; }
  static Init ones() { return {Kind::ones, 0.0, {}}; }
  static Init normal(double std) { return {Kind::normal, std, {}}; }
  static Init uniform(double a) { return {Kind::uniform, a, {}}; }
  static Init custom(std::function<void(Tensor&, RngStream)> f) { return {Kind::custom, 0.0, std::move(f)}; }
};

using NamedParameter = std::pair<std::string, Variable>;

// For on_device_change overrides: replaces t's value by its copy on `device` (undefined stays undefined).
void move_to_device(Tensor& t, Device device);
void move_to_device(Variable& v, Device device);
// Parameter name -> value, in named_parameters() order (checkpoints keep this order).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

// One row of parameter_summary(): a module's path, its depth (1 = child of the root) and the
// number of parameter elements in its subtree.
struct ParameterCount {
  std::string path;
  int depth = 0;
  int64_t count = 0;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  std::vector<NamedParameter> named_parameters() const;
  std::vector<Variable> parameters() const;
  int64_t num_parameters() const;  // elements, each shared parameter counted once
  // Every module of the tree once, root first (path ""), in registration order.
  std::vector<std::pair<std::string, Module*>> named_modules();

  // Training mode for this module and every descendant (dropout is active only in training).
  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  // Fills every parameter from RngStream{mix(seed, fnv1a(full_name)), 0, kTagInit}.
  void init_parameters(uint64_t seed);

  // Seeds the random streams of the current step for the whole tree: the module at `path` draws
  // from seed mix(mix(seed, step), fnv1a(path)), its k-th draw of the step at stream index k.
  // Call before each training step's forward (stochastic modules refuse to run without it).
  void set_rng_step(uint64_t seed, int64_t step);

  // The live parameter tensors (not copies: clone them to keep a snapshot).
  StateDict state_dict() const;
  // Copies values into the parameters (converting dtype). A shape mismatch always throws; with
  // `strict`, a parameter missing from `state` or a name in `state` that the model lacks throws
  // too. Nothing is copied unless every check passes.
  void load_state_dict(const StateDict& state, bool strict = true);

  // Asks the optimizer for `hint` on every parameter of this module's subtree (a hint set closer to a
  // parameter, on a descendant or by register_parameter, wins). See layers/param_hint.h.
  void hint_parameters(const ParamHint& hint) { hint_ = hint; }
  // The hinted parameters, in named_parameters() order.
  ParamHints parameter_hints() const;

  // Hooks, PyTorch-style. A forward hook sees a module's input and output and returns the output to use
  // (itself, or a replacement: adapters add their update this way); hooks run in the order added. A
  // backward hook sees the gradient of the output (after the forward hooks' replacements) during
  // backward. Only modules whose forward calls run_hooks() honour them: Linear does. Each add returns an
  // id for remove_hook; removing an unknown id is an error.
  using ForwardHook = std::function<Variable(const Variable& input, const Variable& output)>;
  using BackwardHook = std::function<void(const Tensor& grad_output)>;
  int64_t add_forward_hook(ForwardHook hook);
  int64_t add_backward_hook(BackwardHook hook);
  void remove_hook(int64_t id);
  bool has_hooks() const { return !forward_hooks_.empty() || !backward_hooks_.empty(); }

  // A child added after construction (an adapter on a layer); its parameters list under this module's path.
  // remove_module drops it again; an unknown name is an error.
  void add_module(const std::string& name, std::shared_ptr<Module> module) { add_child(name, std::move(module)); }
  void remove_module(const std::string& name);

  // Moves every parameter (with its gradient) to `device`, then lets each module of the tree move the other
  // tensors it keeps (on_device_change). Parameters stay the same Variables, so whatever holds them (an
  // optimizer, an adapter) sees the move; optimizer state is the optimizer's to move. Every parameter is
  // copied before any is replaced, so a move that fails (no such device) leaves the model where it was.
  void to(Device device);
  // Where the parameters live; the CPU for a module without parameters.
  Device device() const;

  // One row per module below the root (tree order), for the CLI's model summary.
  std::vector<ParameterCount> parameter_summary() const;
  // parameter_summary() as an indented table, a module a line: path, then its parameter count.
  void print_parameter_summary(std::ostream& out) const;

 protected:
  // Registers a parameter of `shape` (zeros until init_parameters) and returns it; requires grad.
  // `hint`: what the optimizer should do with it (see hint_parameters).
  Variable register_parameter(const std::string& name, const Shape& shape, Init init, DType dtype,
                              std::optional<ParamHint> hint = std::nullopt);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  // The next stream of this step for a stochastic op (see set_rng_step).
  RngStream next_rng_stream(RngTag tag);
  // Applies the forward hooks to `output`, then routes its gradient through the backward hooks.
  Variable run_hooks(const Variable& input, Variable output) const;
  // Called by train()/eval() on each module of the tree whose mode changes, after the flag is set
  // (LoRA merges its update into the weight for evaluation here).
  virtual void on_mode_change(bool /*training*/) {}
  // Called by to() on each module of the tree after the parameters moved: move the tensors the module keeps
  // besides its parameters (position tables, filter windows).
  virtual void on_device_change(Device /*device*/) {}

 private:
  struct Entry {
    std::string name;
    Variable parameter;  // defined for a parameter entry
    Init init;
    std::shared_ptr<Module> child;  // set for a child entry
    std::optional<ParamHint> hint;  // a parameter entry's own hint
  };
  struct Slot {
    std::string name;
    Variable parameter;
    Init init;
    std::optional<ParamHint> hint;  // the nearest one: the parameter's, else its closest module's
  };

  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void check_new_name(const std::string& name) const;
  void collect_parameters(const std::string& prefix, const std::optional<ParamHint>& inherited,
                          std::vector<Slot>& out, std::unordered_set<const VariableImpl*>& seen) const;
  std::vector<Slot> parameter_slots() const;
  void collect_modules(const std::string& prefix, std::vector<std::pair<std::string, Module*>>& out,
                       std::unordered_set<const Module*>& seen);

  std::vector<Entry> entries_;
  std::vector<std::pair<int64_t, ForwardHook>> forward_hooks_;
  std::vector<std::pair<int64_t, BackwardHook>> backward_hooks_;
  std::optional<ParamHint> hint_;
  bool training_ = true;
  bool rng_seeded_ = false;
  uint64_t rng_seed_ = 0;
  uint32_t rng_draws_ = 0;
};

}  // namespace sf
