// Batched matrix products over oneDNN's matmul primitive, on float32 row-major regions of the wasm heap: out[i] =
// op(a[i]) x op(b[i]) for i over the batch, where op transposes when asked (expressed as strides, so nothing is
// copied) and an operand with one item serves every item (oneDNN's batch broadcast).
#include <algorithm>
#include <string>
#include <unordered_map>

#include "context.h"

using dnnl::memory;

// The layout of the Int32Array JS passes (native/batch-mat-mul.ts writes it).
enum MatmulParam { kItemsA, kItemsB, kRows, kInner, kCols, kTransposeA, kTransposeB, kMatmulParamCount };

struct MatmulPlan {
  dnnl::matmul primitive;
  memory::desc a, b, out, scratchpad;
};

namespace {

// Below this many multiply-adds a product runs on one thread: waking OpenMP's sleeping threads costs more (measured:
// [32,8,16] x [32,16,8] took 63 us on 2 threads, 16 us on 1; [64,512] x [512,64] 76-102 us against 63 us).
constexpr double kSingleThreadMacs = 8.0 * 1024 * 1024;

int matmul_threads(const NativeContext& context, const memory::dim (&p)[kMatmulParamCount]) {
  const double macs = static_cast<double>(std::max(p[kItemsA], p[kItemsB])) * p[kRows] * p[kInner] * p[kCols];
  return context.threads_for(macs, kSingleThreadMacs);
}

// [items, rows, cols] stored row-major, or (transposed) stored as [items, cols, rows] and read through strides.
memory::desc operand(memory::dim items, memory::dim rows, memory::dim cols, bool transposed) {
  const memory::dims strides = transposed ? memory::dims{rows * cols, 1, rows} : memory::dims{rows * cols, cols, 1};
  return memory::desc({items, rows, cols}, memory::data_type::f32, strides);
}

std::shared_ptr<MatmulPlan> matmul_plan(NativeContext& context, const memory::dim (&p)[kMatmulParamCount], int threads) {
  std::string key = "t" + std::to_string(threads);
  for (memory::dim v : p) key += ',' + std::to_string(v);
  std::shared_ptr<MatmulPlan> plan = context.matmul_plans.find(key);
  if (plan) return plan;
  NativeContext::use_threads(threads);
  plan = std::make_shared<MatmulPlan>();
  const memory::dim items = std::max(p[kItemsA], p[kItemsB]);
  plan->a = operand(p[kItemsA], p[kRows], p[kInner], p[kTransposeA] != 0);
  plan->b = operand(p[kItemsB], p[kInner], p[kCols], p[kTransposeB] != 0);
  plan->out = memory::desc({items, p[kRows], p[kCols]}, memory::data_type::f32, memory::format_tag::abc);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(plan->a, plan->b, plan->out), attr, context.engine);
  plan->primitive = dnnl::matmul(pd);
  plan->scratchpad = pd.scratchpad_desc();
  context.matmul_plans.insert(key, plan);
  return plan;
}

}  // namespace

// batchMatMul(heap, params: Int32Array [itemsA, itemsB, rows, inner, cols, transposeA, transposeB], a, b, out)
Napi::Value BatchMatMul(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[1].As<Napi::Int32Array>().ElementLength() != kMatmulParamCount) {
    throw Napi::TypeError::New(env, "a2d_dnnl.batchMatMul: params must be an Int32Array of " + std::to_string(kMatmulParamCount) + " values");
  }
  auto params = info[1].As<Napi::Int32Array>();
  memory::dim p[kMatmulParamCount];
  for (int i = 0; i < kMatmulParamCount; i++) p[i] = params[i];
  for (int i = 0; i <= kCols; i++) {
    if (p[i] <= 0) throw Napi::RangeError::New(env, "a2d_dnnl.batchMatMul: param " + std::to_string(i) + " must be positive, got " + std::to_string(p[i]));
  }
  if (p[kItemsA] != p[kItemsB] && p[kItemsA] != 1 && p[kItemsB] != 1) {
    throw Napi::RangeError::New(env, "a2d_dnnl.batchMatMul: the items of a and b must be equal or one of them 1");
  }
  const HeapView heap(env, info[0]);
  try {
    const int threads = matmul_threads(context, p);
    std::shared_ptr<MatmulPlan> plan = matmul_plan(context, p, threads);
    NativeContext::use_threads(threads);
    memory a(plan->a, context.engine, heap.region(env, info[2], plan->a.get_size(), "a"));
    memory b(plan->b, context.engine, heap.region(env, info[3], plan->b.get_size(), "b"));
    memory out(plan->out, context.engine, heap.region(env, info[4], plan->out.get_size(), "out"));
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, out}};
    if (plan->scratchpad.get_size() > 0) {
      args.emplace(DNNL_ARG_SCRATCHPAD, memory(plan->scratchpad, context.engine, context.scratch[4].reserve(plan->scratchpad.get_size())));
    }
    plan->primitive.execute(context.stream, args);
    context.stream.wait();
    context.apply_threads();
  } catch (const dnnl::error& error) {
    context.apply_threads();
    throw_dnnl(env, "batchMatMul", error);
  }
  return env.Undefined();
}
