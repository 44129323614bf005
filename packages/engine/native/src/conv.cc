// The convolution family over oneDNN: 2D convolution forward (with bias and an activation as post-ops),
// backward data and backward weights, NHWC, on float32 regions of the wasm heap. Depthwise convolutions are
// grouped convolutions with one input channel per group. tfjs's filter [fh, fw, in, out] is oneDNN's `hwio`;
// a depthwise filter [fh, fw, in, multiplier] is `hwigo` over dims (groups = in, multiplier, 1, fh, fw).
#include <cstring>
#include <string>
#include <vector>

#include "context.h"

using dnnl::memory;
using tag = dnnl::memory::format_tag;

namespace {

// The layout of the Int32Array of geometry JS passes (native/conv-params.ts writes it).
enum Param {
  kBatch, kInHeight, kInWidth, kInChannels, kOutHeight, kOutWidth, kOutChannels, kFilterHeight, kFilterWidth,
  kStrideHeight, kStrideWidth, kDilationHeight, kDilationWidth, kPadTop, kPadLeft, kPadBottom, kPadRight,
  kGroups, kActivation, kLayout, kHasBias, kParamCount
};

enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kLeakyRelu = 4, kSigmoid = 5 };

// 0: every operand in tfjs's layout; 1: the filter in the layout oneDNN prefers (reordered each call);
// 2: every operand in oneDNN's preferred layout.
enum Layout { kPlain = 0, kBlockedWeights = 1, kBlocked = 2 };

enum class Kind { kForward, kBackwardData, kBackwardWeights };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kForward: return "convForward";
    case Kind::kBackwardData: return "convBackwardData";
    default: return "convBackwardWeights";
  }
}

struct Geometry {
  memory::dim p[kParamCount];
  float alpha;
};

}  // namespace

// One operand of a plan: where it is in the heap (tfjs layout) and where the primitive wants it.
struct Operand {
  Operand(int arg, bool output, const char* name, const memory::desc& user) : arg(arg), output(output), name(name), user(user) {}
  int arg;
  bool output;
  const char* name;
  memory::desc user;
  memory::desc inner;
  bool reordered = false;
  dnnl::reorder reorder;
};

// A compiled convolution for one geometry: the primitive, its operands in call order, its scratchpad.
struct ConvPlan {
  dnnl::primitive primitive;
  std::vector<Operand> operands;
  memory::desc scratchpad;
  std::string implementation;
};

namespace {

Geometry read_geometry(const Napi::CallbackInfo& info, Kind kind, std::size_t params_index, bool with_alpha) {
  const Napi::Env env = info.Env();
  if (!info[params_index].IsTypedArray() || info[params_index].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, std::string("a2d_dnnl.") + kind_name(kind) + ": params must be an Int32Array");
  }
  auto params = info[params_index].As<Napi::Int32Array>();
  if (params.ElementLength() != kParamCount) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + kind_name(kind) + ": params must hold " + std::to_string(kParamCount) + " values");
  }
  Geometry g{};
  for (int i = 0; i < kParamCount; i++) g.p[i] = params[i];
  for (int i = 0; i <= kGroups; i++) {
    const bool may_be_zero = i >= kPadTop && i <= kPadRight;
    if (g.p[i] < 0 || (!may_be_zero && g.p[i] == 0)) {
      throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + kind_name(kind) + ": param " + std::to_string(i) + " is " + std::to_string(g.p[i]));
    }
  }
  if (g.p[kInChannels] % g.p[kGroups] != 0 || g.p[kOutChannels] % g.p[kGroups] != 0) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + kind_name(kind) + ": channels are not a multiple of the groups");
  }
  g.alpha = with_alpha ? info[2].As<Napi::Number>().FloatValue() : 0.0f;
  return g;
}

std::string plan_key(Kind kind, const Geometry& g, int threads) {
  std::string key = std::to_string(static_cast<int>(kind));
  for (memory::dim v : g.p) key += ',' + std::to_string(v);
  std::uint32_t alpha_bits;
  std::memcpy(&alpha_bits, &g.alpha, sizeof alpha_bits);
  key += ',' + std::to_string(alpha_bits) + ",t" + std::to_string(threads);
  return key;
}

memory::desc activations_desc(memory::dim n, memory::dim c, memory::dim h, memory::dim w) {
  return memory::desc({n, c, h, w}, memory::data_type::f32, tag::nhwc);
}

memory::desc filter_desc(const Geometry& g) {
  const memory::dim groups = g.p[kGroups];
  if (groups == 1) {
    return memory::desc({g.p[kOutChannels], g.p[kInChannels], g.p[kFilterHeight], g.p[kFilterWidth]}, memory::data_type::f32, tag::hwio);
  }
  return memory::desc({groups, g.p[kOutChannels] / groups, g.p[kInChannels] / groups, g.p[kFilterHeight], g.p[kFilterWidth]},
                      memory::data_type::f32, tag::hwigo);
}

memory::desc any_of(const memory::desc& user, bool any) {
  return any ? memory::desc(user.dims(), memory::data_type::f32, tag::any) : user;
}

dnnl::primitive_attr attributes(const Geometry& g) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::post_ops ops;
  switch (static_cast<int>(g.p[kActivation])) {
    case kLinear: break;
    case kRelu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f); break;
    case kRelu6: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, 0.0f, 6.0f); break;
    case kElu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_elu, 1.0f, 0.0f); break;
    case kLeakyRelu: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, g.alpha, 0.0f); break;
    case kSigmoid: ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f); break;
    default: throw std::invalid_argument("unknown activation " + std::to_string(g.p[kActivation]));
  }
  attr.set_post_ops(ops);
  return attr;
}

std::shared_ptr<ConvPlan> build_plan(NativeContext& context, Kind kind, const Geometry& g) {
  const memory::desc src = activations_desc(g.p[kBatch], g.p[kInChannels], g.p[kInHeight], g.p[kInWidth]);
  const memory::desc dst = activations_desc(g.p[kBatch], g.p[kOutChannels], g.p[kOutHeight], g.p[kOutWidth]);
  const memory::desc weights = filter_desc(g);
  const memory::desc bias({g.p[kOutChannels]}, memory::data_type::f32, tag::a);
  const bool blocked = g.p[kLayout] == kBlocked;
  const memory::desc src_q = any_of(src, blocked);
  const memory::desc dst_q = any_of(dst, blocked);
  // oneDNN's direct backward-data kernels vectorise over input channels: with fewer than 16 (a stem on RGB) its
  // GEMM on the plain filter measured 3x faster (conv-bench: 7x7 3->64 input gradient 5.9 ms against 17.9 ms).
  const bool narrow_input = kind == Kind::kBackwardData && g.p[kGroups] == 1 && g.p[kInChannels] < 16;
  const memory::desc weights_q = any_of(weights, blocked || (g.p[kLayout] == kBlockedWeights && !narrow_input));
  const memory::dims strides{g.p[kStrideHeight], g.p[kStrideWidth]};
  const memory::dims dilations{g.p[kDilationHeight] - 1, g.p[kDilationWidth] - 1};
  const memory::dims pad_before{g.p[kPadTop], g.p[kPadLeft]};
  const memory::dims pad_after{g.p[kPadBottom], g.p[kPadRight]};
  const auto algorithm = dnnl::algorithm::convolution_direct;

  auto plan = std::make_shared<ConvPlan>();
  dnnl::primitive_desc_base pd;
  const auto forward_desc = [&](dnnl::prop_kind prop, bool with_bias) {
    return with_bias ? dnnl::convolution_forward::desc(prop, algorithm, src_q, weights_q, bias, dst_q, strides, dilations, pad_before, pad_after)
                     : dnnl::convolution_forward::desc(prop, algorithm, src_q, weights_q, dst_q, strides, dilations, pad_before, pad_after);
  };
  if (kind == Kind::kForward) {
    const bool with_bias = g.p[kHasBias] != 0;
    dnnl::convolution_forward::primitive_desc fpd(forward_desc(dnnl::prop_kind::forward_inference, with_bias), attributes(g), context.engine);
    plan->primitive = dnnl::convolution_forward(fpd);
    plan->operands = {{DNNL_ARG_SRC, false, "x", src}, {DNNL_ARG_WEIGHTS, false, "filter", weights}};
    if (with_bias) plan->operands.push_back({DNNL_ARG_BIAS, false, "bias", bias});
    plan->operands.push_back({DNNL_ARG_DST, true, "output", dst});
    pd = fpd;
  } else {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::convolution_forward::primitive_desc hint(forward_desc(dnnl::prop_kind::forward_training, false), context.engine);
    if (kind == Kind::kBackwardData) {
      dnnl::convolution_backward_data::primitive_desc bpd(
          dnnl::convolution_backward_data::desc(algorithm, src_q, weights_q, dst_q, strides, dilations, pad_before, pad_after), attr, context.engine, hint);
      plan->primitive = dnnl::convolution_backward_data(bpd);
      plan->operands = {{DNNL_ARG_DIFF_DST, false, "dy", dst}, {DNNL_ARG_WEIGHTS, false, "filter", weights}, {DNNL_ARG_DIFF_SRC, true, "dx", src}};
      pd = bpd;
    } else {
      dnnl::convolution_backward_weights::primitive_desc bpd(
          dnnl::convolution_backward_weights::desc(algorithm, src_q, weights_q, dst_q, strides, dilations, pad_before, pad_after), attr, context.engine, hint);
      plan->primitive = dnnl::convolution_backward_weights(bpd);
      plan->operands = {{DNNL_ARG_SRC, false, "x", src}, {DNNL_ARG_DIFF_DST, false, "dy", dst}, {DNNL_ARG_DIFF_WEIGHTS, true, "dw", weights}};
      pd = bpd;
    }
  }
  for (Operand& op : plan->operands) {
    op.inner = pd.query_md(dnnl::query::exec_arg_md, op.arg);
    op.reordered = op.inner != op.user;
    if (op.reordered) {
      op.reorder = op.output ? dnnl::reorder(dnnl::reorder::primitive_desc(context.engine, op.inner, context.engine, op.user))
                             : dnnl::reorder(dnnl::reorder::primitive_desc(context.engine, op.user, context.engine, op.inner));
    }
  }
  plan->scratchpad = pd.scratchpad_desc();
  plan->implementation = pd.impl_info_str();
  return plan;
}

std::shared_ptr<ConvPlan> plan_for(NativeContext& context, Kind kind, const Geometry& g) {
  const std::string key = plan_key(kind, g, context.threads);
  std::shared_ptr<ConvPlan> plan = context.conv_plans.find(key);
  if (!plan) {
    context.apply_threads();  // oneDNN sizes its work split by the team size at creation
    plan = build_plan(context, kind, g);
    context.conv_plans.insert(key, plan);
  }
  return plan;
}

// Runs `kind` on the heap regions whose byte offsets are info[first_offset...] (in the plan's operand order).
Napi::Value run(NativeContext& context, const Napi::CallbackInfo& info, Kind kind) {
  const Napi::Env env = info.Env();
  const bool forward = kind == Kind::kForward;
  const std::size_t first_offset = forward ? 3 : 2;
  try {
    const Geometry g = read_geometry(info, kind, 1, forward);
    const HeapView heap(env, info[0]);
    std::shared_ptr<ConvPlan> plan = plan_for(context, kind, g);
    context.apply_threads();
    std::unordered_map<int, memory> args;
    std::vector<std::pair<memory, memory>> outputs;  // (inner, user) to reorder after the primitive
    std::size_t slot = 0;
    for (std::size_t i = 0; i < plan->operands.size(); i++) {
      const Operand& op = plan->operands[i];
      // Forward takes (src, weights, bias, dst) positionally even without a bias.
      const std::size_t position = first_offset + (forward && op.arg == DNNL_ARG_DST ? 3 : i);
      memory user(op.user, context.engine, heap.region(env, info[position], op.user.get_size(), op.name));
      if (!op.reordered) {
        args.emplace(op.arg, user);
        continue;
      }
      memory inner(op.inner, context.engine, context.scratch[slot++].reserve(op.inner.get_size()));
      if (op.output) {
        outputs.emplace_back(inner, user);
      } else {
        op.reorder.execute(context.stream, user, inner);
      }
      args.emplace(op.arg, inner);
    }
    if (plan->scratchpad.get_size() > 0) {
      args.emplace(DNNL_ARG_SCRATCHPAD, memory(plan->scratchpad, context.engine, context.scratch[4].reserve(plan->scratchpad.get_size())));
    }
    plan->primitive.execute(context.stream, args);
    std::size_t reorder_index = 0;
    for (const Operand& op : plan->operands) {
      if (op.output && op.reordered) {
        op.reorder.execute(context.stream, outputs[reorder_index].first, outputs[reorder_index].second);
        reorder_index++;
      }
    }
    context.stream.wait();
  } catch (const dnnl::error& error) {
    throw_dnnl(env, kind_name(kind), error);
  } catch (const std::invalid_argument& error) {
    throw Napi::Error::New(env, std::string("a2d_dnnl.") + kind_name(kind) + ": " + error.what());
  }
  return env.Undefined();
}

}  // namespace

Napi::Value ConvForward(NativeContext& context, const Napi::CallbackInfo& info) { return run(context, info, Kind::kForward); }

Napi::Value ConvBackwardData(NativeContext& context, const Napi::CallbackInfo& info) { return run(context, info, Kind::kBackwardData); }

Napi::Value ConvBackwardWeights(NativeContext& context, const Napi::CallbackInfo& info) { return run(context, info, Kind::kBackwardWeights); }

Napi::Value ConvImplementation(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string which = info[0].ToString().Utf8Value();
  const Kind kind = which == "forward" ? Kind::kForward : which == "backwardData" ? Kind::kBackwardData : Kind::kBackwardWeights;
  if (which != "forward" && which != "backwardData" && which != "backwardWeights") {
    throw Napi::TypeError::New(env, "a2d_dnnl.convImplementation: kind must be forward, backwardData or backwardWeights");
  }
  try {
    // The forward alpha is not read here: the implementation does not depend on it.
    Geometry g = read_geometry(info, kind, 1, false);
    return Napi::String::New(env, plan_for(context, kind, g)->implementation);
  } catch (const dnnl::error& error) {
    throw_dnnl(env, "convImplementation", error);
  }
}
