// What every op family shares within one JS thread (the main thread or one worker): the oneDNN engine and
// stream, the OpenMP team size of this thread, grow-only scratch buffers, and the plan caches. One instance
// per addon instance (Node loads the addon once per thread), so nothing here is shared between threads.
#pragma once

#include <napi.h>
#include <omp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "oneapi/dnnl/dnnl.hpp"
#include "primitive-cache.h"

struct ConvPlan;
struct MatmulPlan;
struct PoolPlan;

// Plans kept per op family and thread; each holds JIT-compiled code, so the bound is what keeps native memory flat.
constexpr std::size_t kPlanCapacity = 64;

// Memory-bound passes over fewer values than this run on the calling thread (see NativeContext::threads_for).
constexpr double kSingleThreadValues = 1 << 18;

// A byte buffer that only grows, 64-byte aligned (what oneDNN's blocked layouts want).
class ScratchBuffer {
 public:
  void* reserve(std::size_t bytes) {
    if (bytes > bytes_) {
      data_.reset(static_cast<std::uint8_t*>(std::aligned_alloc(64, round_up(bytes))));
      if (!data_) throw std::bad_alloc();
      bytes_ = round_up(bytes);
    }
    return data_.get();
  }
  std::size_t bytes() const { return bytes_; }

 private:
  static std::size_t round_up(std::size_t bytes) { return (bytes + 63) / 64 * 64; }
  struct Free {
    void operator()(std::uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<std::uint8_t, Free> data_;
  std::size_t bytes_ = 0;
};

// The wasm heap as passed from JS: the ArrayBuffer of the WebAssembly.Memory (re-read by JS before every
// call, since growing the memory replaces it). Every region a kernel touches is bounds-checked here.
class HeapView {
 public:
  HeapView(const Napi::Env& env, const Napi::Value& value) {
    if (!value.IsArrayBuffer()) throw Napi::TypeError::New(env, "a2d_dnnl: the heap must be an ArrayBuffer (the wasm memory)");
    auto buffer = value.As<Napi::ArrayBuffer>();
    data_ = static_cast<std::uint8_t*>(buffer.Data());
    bytes_ = buffer.ByteLength();
  }

  // The float32 region of `bytes` bytes at byte offset `offset`; throws naming `what` when it leaves the heap.
  float* region(const Napi::Env& env, const Napi::Value& offset, std::size_t bytes, const char* what) const {
    if (!offset.IsNumber()) throw Napi::TypeError::New(env, std::string("a2d_dnnl: offset of ") + what + " must be a number");
    const double at = offset.As<Napi::Number>().DoubleValue();
    if (!(at >= 0) || at != static_cast<double>(static_cast<std::size_t>(at)) || static_cast<std::size_t>(at) % 4 != 0 ||
        static_cast<std::size_t>(at) + bytes > bytes_) {
      const std::string at_text = at >= 0 && at < 9007199254740992.0 && at == static_cast<double>(static_cast<long long>(at)) ? std::to_string(static_cast<long long>(at)) : std::to_string(at);
      throw Napi::RangeError::New(env, std::string("a2d_dnnl: ") + what + " [" + at_text + ", +" + std::to_string(bytes) +
                                           ") lies outside the heap of " + std::to_string(bytes_) + " bytes");
    }
    return reinterpret_cast<float*>(data_ + static_cast<std::size_t>(at));
  }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t bytes_ = 0;
};

struct NativeContext {
  NativeContext() : engine(dnnl::engine::kind::cpu, 0), stream(engine), threads(omp_get_num_procs()) {
    // oneDNN's own process-wide cache of compiled primitives (default 1024) would keep what our plans evict.
    dnnl::set_primitive_cache_capacity(static_cast<int>(kPlanCapacity));
    apply_threads();
  }

  dnnl::engine engine;
  dnnl::stream stream;
  // OpenMP team size for this thread's oneDNN calls (OpenMP keeps it per calling thread).
  int threads;
  // Slots 0-3: operands in oneDNN's preferred layout (when it differs from tfjs's); slot 4: primitive scratchpad.
  ScratchBuffer scratch[5];
  PrimitiveCache<ConvPlan> conv_plans{kPlanCapacity};
  PrimitiveCache<MatmulPlan> matmul_plans{kPlanCapacity};
  PrimitiveCache<PoolPlan> pool_plans{kPlanCapacity};

  // OpenMP's team size is a per-thread setting; set it before each call in case anything else changed it.
  void apply_threads() const { use_threads(threads); }

  // The team for an op of `work` units (values, or multiply-adds for products): below `single_below` the calling
  // thread alone, since waking OpenMP's sleeping threads costs tens of microseconds.
  int threads_for(double work, double single_below = kSingleThreadValues) const { return work < single_below ? 1 : threads; }

  // Sets this thread's OpenMP team size to `count` (small ops run on 1; `apply_threads` restores the setting).
  static void use_threads(int count) {
    if (omp_get_max_threads() != count) omp_set_num_threads(count);
  }
};

// A JS number that is a positive integer (a size), or a TypeError/RangeError naming `call` and `what`.
inline std::int64_t positive_integer(const Napi::Env& env, const Napi::Value& value, const char* call, const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string("a2d_dnnl.") + call + ": " + what + " must be a number");
  const double v = value.As<Napi::Number>().DoubleValue();
  if (!(v >= 1) || v != static_cast<double>(static_cast<std::int64_t>(v)) || v > 9007199254740991.0) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + call + ": " + what + " must be a positive integer, got " + std::to_string(v));
  }
  return static_cast<std::int64_t>(v);
}

// A JS number, or a TypeError naming `call` and `what`.
inline double number(const Napi::Env& env, const Napi::Value& value, const char* call, const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string("a2d_dnnl.") + call + ": " + what + " must be a number");
  return value.As<Napi::Number>().DoubleValue();
}

// Converts oneDNN's exception into a JS Error naming the call.
[[noreturn]] inline void throw_dnnl(const Napi::Env& env, const char* call, const dnnl::error& error) {
  throw Napi::Error::New(env, std::string("a2d_dnnl.") + call + ": oneDNN: " + error.what() + " (status " + std::to_string(static_cast<int>(error.status)) + ")");
}

// The op families' entry points (conv.cc).
Napi::Value ConvForward(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value ConvBackwardData(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value ConvBackwardWeights(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value ConvImplementation(NativeContext& context, const Napi::CallbackInfo& info);
// Batch normalization (batch-norm.cc).
Napi::Value BatchNormChannelSums(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value BatchNormForward(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value BatchNormBackward(NativeContext& context, const Napi::CallbackInfo& info);
// Batched matrix products (matmul.cc).
Napi::Value BatchMatMul(NativeContext& context, const Napi::CallbackInfo& info);
// Max and average pooling (pooling.cc).
Napi::Value PoolForward(NativeContext& context, const Napi::CallbackInfo& info);
Napi::Value PoolBackward(NativeContext& context, const Napi::CallbackInfo& info);
// The model's frame differences (frame-differences.cc).
Napi::Value FrameDifferences(NativeContext& context, const Napi::CallbackInfo& info);
