// a2d_dnnl: oneDNN kernels for tfjs's wasm backend, operating in place on the wasm heap. This file is the
// module surface (what native-addon.ts types) and the per-thread context; the op families live in their own
// files (conv.cc, batch-norm.cc, matmul.cc, pooling.cc, frame-differences.cc). Context-aware: it loads in the main thread and in every worker thread.
#include <napi.h>
#include <omp.h>

#include <memory>
#include <string>

#include "context.h"

namespace {

const char* isa_name(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

// One context per OS thread: a Node environment (the main thread or a worker) runs on one thread, OpenMP keeps its
// team size per thread, and a second load of the addon in the same thread (jest loads modules per spec file) must
// find the same plans rather than build a second set. A worker's context goes when its thread ends.
NativeContext& context() {
  thread_local std::unique_ptr<NativeContext> current;
  if (!current) current = std::make_unique<NativeContext>();
  return *current;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const dnnl_version_t* version = dnnl_version();
  Napi::Object out = Napi::Object::New(env);
  out.Set("dnnlVersion", std::to_string(version->major) + "." + std::to_string(version->minor) + "." + std::to_string(version->patch));
  out.Set("cpuRuntime", version->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : version->cpu_runtime == DNNL_RUNTIME_TBB ? "tbb" : "other");
  out.Set("isa", isa_name(dnnl::get_effective_cpu_isa()));
  out.Set("threads", context().threads);
  out.Set("cores", omp_get_num_procs());
  out.Set("planCapacity", static_cast<double>(kPlanCapacity));
  return out;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "a2d_dnnl.setThreads: expected a number");
  const int requested = info[0].As<Napi::Number>().Int32Value();
  if (requested < 0) throw Napi::RangeError::New(env, "a2d_dnnl.setThreads: expected 0 (every core) or a positive count");
  context().threads = requested == 0 ? omp_get_num_procs() : requested;
  context().apply_threads();
  return Napi::Number::New(env, context().threads);
}

Napi::Value CachedPlans(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(context().conv_plans.size() + context().matmul_plans.size() + context().pool_plans.size()));
}

Napi::Value ClearPlans(const Napi::CallbackInfo& info) {
  context().conv_plans.clear();
  context().matmul_plans.clear();
  context().pool_plans.clear();
  return info.Env().Undefined();
}

Napi::Value Forward(const Napi::CallbackInfo& info) { return ConvForward(context(), info); }
Napi::Value BackwardData(const Napi::CallbackInfo& info) { return ConvBackwardData(context(), info); }
Napi::Value BackwardWeights(const Napi::CallbackInfo& info) { return ConvBackwardWeights(context(), info); }
Napi::Value Implementation(const Napi::CallbackInfo& info) { return ConvImplementation(context(), info); }
Napi::Value ChannelSums(const Napi::CallbackInfo& info) { return BatchNormChannelSums(context(), info); }
Napi::Value NormForward(const Napi::CallbackInfo& info) { return BatchNormForward(context(), info); }
Napi::Value NormBackward(const Napi::CallbackInfo& info) { return BatchNormBackward(context(), info); }
Napi::Value MatMul(const Napi::CallbackInfo& info) { return BatchMatMul(context(), info); }
Napi::Value PoolFwd(const Napi::CallbackInfo& info) { return PoolForward(context(), info); }
Napi::Value PoolBwd(const Napi::CallbackInfo& info) { return PoolBackward(context(), info); }
Napi::Value FrameDiffs(const Napi::CallbackInfo& info) { return FrameDifferences(context(), info); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("cachedPlans", Napi::Function::New(env, CachedPlans, "cachedPlans"));
  exports.Set("clearPlans", Napi::Function::New(env, ClearPlans, "clearPlans"));
  exports.Set("convForward", Napi::Function::New(env, Forward, "convForward"));
  exports.Set("convBackwardData", Napi::Function::New(env, BackwardData, "convBackwardData"));
  exports.Set("convBackwardWeights", Napi::Function::New(env, BackwardWeights, "convBackwardWeights"));
  exports.Set("convImplementation", Napi::Function::New(env, Implementation, "convImplementation"));
  exports.Set("channelSums", Napi::Function::New(env, ChannelSums, "channelSums"));
  exports.Set("batchNormForward", Napi::Function::New(env, NormForward, "batchNormForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, NormBackward, "batchNormBackward"));
  exports.Set("batchMatMul", Napi::Function::New(env, MatMul, "batchMatMul"));
  exports.Set("poolForward", Napi::Function::New(env, PoolFwd, "poolForward"));
  exports.Set("poolBackward", Napi::Function::New(env, PoolBwd, "poolBackward"));
  exports.Set("frameDifferences", Napi::Function::New(env, FrameDiffs, "frameDifferences"));
  return exports;
}

}  // namespace

NODE_API_MODULE(a2d_dnnl, Init)
