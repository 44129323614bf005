// The model's frame differences (engine/src/wasm/frame-differences.ts, the same float32 subtractions): for clips
// [B, T, pixels, C], each pixel's C values then its difference to the previous frame's (zero for the first frame),
// or the differences alone. One pass, frames split over this thread's OpenMP team when the clip batch is large.
#include <cstdint>
#include <cstring>
#include <string>

#include "context.h"

namespace {

// Frames below this many input values run on the calling thread alone (waking OpenMP's threads costs more).
constexpr std::int64_t kParallelValues = 1 << 18;

__attribute__((target_clones("avx512f", "avx2", "default")))
void one_frame(const float* __restrict x, const float* __restrict previous, std::int64_t pixels, std::int64_t channels, bool keep_frames,
               float* __restrict out) {
  const std::int64_t out_channels = keep_frames ? 2 * channels : channels;
  const std::int64_t diff_at = keep_frames ? channels : 0;
  for (std::int64_t p = 0; p < pixels; p++) {
    const float* src = x + p * channels;
    float* dst = out + p * out_channels;
    if (keep_frames) std::memcpy(dst, src, channels * sizeof(float));
    if (previous) {
      const float* before = previous + p * channels;
      for (std::int64_t c = 0; c < channels; c++) dst[diff_at + c] = src[c] - before[c];
    } else {
      for (std::int64_t c = 0; c < channels; c++) dst[diff_at + c] = 0.0f;
    }
  }
}

std::int64_t positive(const Napi::Env& env, const Napi::Value& value, const char* what) {
  const double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= 1) || v != static_cast<double>(static_cast<std::int64_t>(v))) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.frameDifferences: ") + what + " must be a positive integer");
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace

// frameDifferences(heap, x, batch, time, pixels, channels, keepFrames, out)
Napi::Value FrameDifferences(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const HeapView heap(env, info[0]);
  const std::int64_t batch = positive(env, info[2], "batch");
  const std::int64_t time = positive(env, info[3], "time");
  const std::int64_t pixels = positive(env, info[4], "pixels");
  const std::int64_t channels = positive(env, info[5], "channels");
  const bool keep_frames = info[6].ToBoolean().Value();
  const std::int64_t frame = pixels * channels;
  const std::int64_t out_frame = frame * (keep_frames ? 2 : 1);
  const float* x = heap.region(env, info[1], static_cast<std::size_t>(batch * time * frame) * sizeof(float), "x");
  float* out = heap.region(env, info[7], static_cast<std::size_t>(batch * time * out_frame) * sizeof(float), "out");
  const std::int64_t frames = batch * time;
  context.apply_threads();
  const bool parallel = context.threads > 1 && frames > 1 && frames * frame >= kParallelValues;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t f = 0; f < frames; f++) {
    const bool first = f % time == 0;
    one_frame(x + f * frame, first ? nullptr : x + (f - 1) * frame, pixels, channels, keep_frames, out + f * out_frame);
  }
  return env.Undefined();
}
