// The model's frame differences (engine/src/wasm/frame-differences.ts, the same float32 subtractions): for clips
// [B, T, pixels, C], each pixel's C values then its difference to the previous frame's (zero for the first frame),
// or the differences alone. One pass, frames split over this thread's OpenMP team when the clip batch is large.
#include <cstdint>
#include <cstring>
#include <string>

#include "context.h"

namespace {

// RGB frames (the model's input), channels known at compile time: straight-line stores the compiler vectorises,
// where the general loop below spent most of its time in a 12-byte memcpy call and two 3-trip loops per pixel
// (9 ms for a default batch of 64 frames at 112 px; this form 1-2 ms).
template <bool kKeepFrames>
__attribute__((target_clones("avx512f", "avx2", "default")))
void one_rgb_frame(const float* __restrict x, const float* __restrict previous, std::int64_t pixels, float* __restrict out) {
  constexpr std::int64_t kOut = kKeepFrames ? 6 : 3;
  constexpr std::int64_t kDiff = kKeepFrames ? 3 : 0;
  for (std::int64_t p = 0; p < pixels; p++) {
    const float* src = x + p * 3;
    float* dst = out + p * kOut;
    if (kKeepFrames) {
      dst[0] = src[0];
      dst[1] = src[1];
      dst[2] = src[2];
    }
    if (previous) {
      const float* before = previous + p * 3;
      dst[kDiff] = src[0] - before[0];
      dst[kDiff + 1] = src[1] - before[1];
      dst[kDiff + 2] = src[2] - before[2];
    } else {
      dst[kDiff] = 0.0f;
      dst[kDiff + 1] = 0.0f;
      dst[kDiff + 2] = 0.0f;
    }
  }
}

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

}  // namespace

// frameDifferences(heap, x, batch, time, pixels, channels, keepFrames, out)
Napi::Value FrameDifferences(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const HeapView heap(env, info[0]);
  const std::int64_t batch = positive_integer(env, info[2], "frameDifferences", "batch");
  const std::int64_t time = positive_integer(env, info[3], "frameDifferences", "time");
  const std::int64_t pixels = positive_integer(env, info[4], "frameDifferences", "pixels");
  const std::int64_t channels = positive_integer(env, info[5], "frameDifferences", "channels");
  const bool keep_frames = info[6].ToBoolean().Value();
  const std::int64_t frame = pixels * channels;
  const std::int64_t out_frame = frame * (keep_frames ? 2 : 1);
  const float* x = heap.region(env, info[1], static_cast<std::size_t>(batch * time * frame) * sizeof(float), "x");
  float* out = heap.region(env, info[7], static_cast<std::size_t>(batch * time * out_frame) * sizeof(float), "out");
  const std::int64_t frames = batch * time;
  context.apply_threads();
  const bool parallel = frames > 1 && context.threads_for(static_cast<double>(frames * frame)) > 1;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t f = 0; f < frames; f++) {
    const bool first = f % time == 0;
    const float* previous = first ? nullptr : x + (f - 1) * frame;
    if (channels == 3 && keep_frames) {
      one_rgb_frame<true>(x + f * frame, previous, pixels, out + f * out_frame);
    } else if (channels == 3) {
      one_rgb_frame<false>(x + f * frame, previous, pixels, out + f * out_frame);
    } else {
      one_frame(x + f * frame, previous, pixels, channels, keep_frames, out + f * out_frame);
    }
  }
  return env.Undefined();
}
