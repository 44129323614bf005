// 2D max and average pooling over oneDNN, NHWC float32 regions of the wasm heap: forward, and the input gradient.
// Average pooling excludes the padding from each window's count (TensorFlow's and tfjs's rule). The max-pooling
// gradient needs oneDNN's workspace (where each window's maximum was): it runs the training forward pass on the
// saved input into scratch memory first, so the gradient routes to the same element the forward pass picked.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "context.h"

using dnnl::memory;

// The layout of the Int32Array JS passes (native/pooling.ts writes it).
enum PoolParam {
  kPoolBatch, kPoolInHeight, kPoolInWidth, kPoolChannels, kPoolOutHeight, kPoolOutWidth, kPoolFilterHeight, kPoolFilterWidth,
  kPoolStrideHeight, kPoolStrideWidth, kPoolPadTop, kPoolPadLeft, kPoolPadBottom, kPoolPadRight, kPoolAlgorithm, kPoolParamCount
};

enum PoolAlgorithm { kMax = 0, kAverage = 1 };

struct PoolPlan {
  dnnl::primitive forward;   // forward_inference (forward calls) or forward_training (max gradient: the workspace)
  dnnl::primitive backward;  // only for gradient plans
  memory::desc src, dst, workspace, forward_scratchpad, backward_scratchpad;
};

namespace {

using Params = memory::dim[kPoolParamCount];

int pool_threads(const NativeContext& context, const Params& p) {
  return context.threads_for(static_cast<double>(p[kPoolBatch]) * p[kPoolInHeight] * p[kPoolInWidth] * p[kPoolChannels]);
}

Params& read_params(const Napi::CallbackInfo& info, const char* call, Params& p) {
  const Napi::Env env = info.Env();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::Int32Array>().ElementLength() != kPoolParamCount) {
    throw Napi::TypeError::New(env, std::string("a2d_dnnl.") + call + ": params must be an Int32Array of " + std::to_string(kPoolParamCount) + " values");
  }
  auto params = info[1].As<Napi::Int32Array>();
  for (int i = 0; i < kPoolParamCount; i++) p[i] = params[i];
  for (int i = 0; i < kPoolParamCount; i++) {
    const bool may_be_zero = (i >= kPoolPadTop && i <= kPoolPadRight) || i == kPoolAlgorithm;
    if (p[i] < 0 || (!may_be_zero && p[i] == 0)) {
      throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + call + ": param " + std::to_string(i) + " is " + std::to_string(p[i]));
    }
  }
  if (p[kPoolAlgorithm] != kMax && p[kPoolAlgorithm] != kAverage) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + call + ": algorithm must be 0 (max) or 1 (average)");
  }
  return p;
}

std::shared_ptr<PoolPlan> pool_plan(NativeContext& context, const Params& p, bool gradient, int threads) {
  std::string key = std::string(gradient ? "b" : "f") + "t" + std::to_string(threads);
  for (memory::dim v : p) key += ',' + std::to_string(v);
  std::shared_ptr<PoolPlan> plan = context.pool_plans.find(key);
  if (plan) return plan;
  NativeContext::use_threads(threads);
  plan = std::make_shared<PoolPlan>();
  plan->src = memory::desc({p[kPoolBatch], p[kPoolChannels], p[kPoolInHeight], p[kPoolInWidth]}, memory::data_type::f32, memory::format_tag::nhwc);
  plan->dst = memory::desc({p[kPoolBatch], p[kPoolChannels], p[kPoolOutHeight], p[kPoolOutWidth]}, memory::data_type::f32, memory::format_tag::nhwc);
  const auto algorithm = p[kPoolAlgorithm] == kMax ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
  const memory::dims strides{p[kPoolStrideHeight], p[kPoolStrideWidth]};
  const memory::dims kernel{p[kPoolFilterHeight], p[kPoolFilterWidth]};
  const memory::dims pad_before{p[kPoolPadTop], p[kPoolPadLeft]};
  const memory::dims pad_after{p[kPoolPadBottom], p[kPoolPadRight]};
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const auto prop = gradient ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  dnnl::pooling_forward::primitive_desc forward(
      dnnl::pooling_forward::desc(prop, algorithm, plan->src, plan->dst, strides, kernel, pad_before, pad_after), attr, context.engine);
  plan->forward_scratchpad = forward.scratchpad_desc();
  if (gradient) {
    dnnl::pooling_backward::primitive_desc backward(
        dnnl::pooling_backward::desc(algorithm, plan->src, plan->dst, strides, kernel, pad_before, pad_after), attr, context.engine, forward);
    plan->backward = dnnl::pooling_backward(backward);
    plan->backward_scratchpad = backward.scratchpad_desc();
    plan->workspace = forward.workspace_desc();
    // Average pooling needs no forward pass for its gradient.
    if (p[kPoolAlgorithm] == kMax) plan->forward = dnnl::pooling_forward(forward);
  } else {
    plan->forward = dnnl::pooling_forward(forward);
  }
  context.pool_plans.insert(key, plan);
  return plan;
}

memory scratchpad(NativeContext& context, const memory::desc& desc) {
  return memory(desc, context.engine, context.scratch[4].reserve(std::max<std::size_t>(desc.get_size(), 1)));
}

}  // namespace

// poolForward(heap, params, x, out)
Napi::Value PoolForward(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Params p;
  read_params(info, "poolForward", p);
  const HeapView heap(env, info[0]);
  try {
    const int threads = pool_threads(context, p);
    std::shared_ptr<PoolPlan> plan = pool_plan(context, p, false, threads);
    NativeContext::use_threads(threads);
    memory x(plan->src, context.engine, heap.region(env, info[2], plan->src.get_size(), "x"));
    memory out(plan->dst, context.engine, heap.region(env, info[3], plan->dst.get_size(), "out"));
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, out}};
    if (plan->forward_scratchpad.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad(context, plan->forward_scratchpad));
    plan->forward.execute(context.stream, args);
    context.stream.wait();
    context.apply_threads();
  } catch (const dnnl::error& error) {
    context.apply_threads();
    throw_dnnl(env, "poolForward", error);
  }
  return env.Undefined();
}

// poolBackward(heap, params, x, dy, dx): the input gradient (x is read only by max pooling).
Napi::Value PoolBackward(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Params p;
  read_params(info, "poolBackward", p);
  const HeapView heap(env, info[0]);
  try {
    const int threads = pool_threads(context, p);
    std::shared_ptr<PoolPlan> plan = pool_plan(context, p, true, threads);
    NativeContext::use_threads(threads);
    memory dy(plan->dst, context.engine, heap.region(env, info[3], plan->dst.get_size(), "dy"));
    memory dx(plan->src, context.engine, heap.region(env, info[4], plan->src.get_size(), "dx"));
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}};
    if (p[kPoolAlgorithm] == kMax) {
      // The forward pass again, for its workspace; its output goes to scratch (slot 0), the workspace to slot 1.
      memory x(plan->src, context.engine, heap.region(env, info[2], plan->src.get_size(), "x"));
      memory y(plan->dst, context.engine, context.scratch[0].reserve(plan->dst.get_size()));
      memory workspace(plan->workspace, context.engine, context.scratch[1].reserve(std::max<std::size_t>(plan->workspace.get_size(), 1)));
      std::unordered_map<int, memory> forward_args{{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, workspace}};
      if (plan->forward_scratchpad.get_size() > 0) forward_args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad(context, plan->forward_scratchpad));
      plan->forward.execute(context.stream, forward_args);
      args.emplace(DNNL_ARG_WORKSPACE, workspace);
    }
    if (plan->backward_scratchpad.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad(context, plan->backward_scratchpad));
    plan->backward.execute(context.stream, args);
    context.stream.wait();
    context.apply_threads();
  } catch (const dnnl::error& error) {
    context.apply_threads();
    throw_dnnl(env, "poolBackward", error);
  }
  return env.Undefined();
}
