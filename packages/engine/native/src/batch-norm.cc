// Batch normalization over channels-last float32 regions of the wasm heap: per-channel sums (float64), the
// normalization with given statistics, and the closed-form gradient in the phases synchronised batch norm needs
// (see engine/src/wasm/batch-norm-kernels.ts, whose arithmetic this repeats in the same order, in float64).
// These are memory-bound passes, written as plain loops rather than oneDNN primitives: oneDNN's batch norm keeps
// float32 sums and computes the gradient in one primitive, so it could not serve the split phases of
// synchronised batch norm nor the float64 sums they all-reduce. Each hot loop is compiled for AVX-512, AVX2 and
// the baseline, picked at load time (target_clones), so one build runs on either kind of CPU.
//
// Rows are summed in fixed blocks of kRowBlock and the blocks combined in order, so every sum is the same
// whatever the number of OpenMP threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "context.h"

namespace {

constexpr std::int64_t kRowBlock = 256;

#define A2D_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// sum[c] += x, squares[c] += x * x over `rows` rows of `channels`.
A2D_CLONES void block_sums(const float* __restrict x, std::int64_t rows, std::int64_t channels, double* __restrict sum,
                           double* __restrict squares) {
  for (std::int64_t r = 0; r < rows; r++) {
    const float* row = x + r * channels;
    for (std::int64_t c = 0; c < channels; c++) {
      const double v = row[c];
      sum[c] += v;
      squares[c] += v * v;
    }
  }
}

// sum_dy[c] += dy, sum_dy_xhat[c] += dy * (x - mean) * rstd.
A2D_CLONES void block_gradient_sums(const float* __restrict x, const float* __restrict dy, std::int64_t rows, std::int64_t channels,
                                    const double* __restrict mean, const double* __restrict rstd, double* __restrict sum_dy,
                                    double* __restrict sum_dy_xhat) {
  for (std::int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * channels;
    const float* dyr = dy + r * channels;
    for (std::int64_t c = 0; c < channels; c++) {
      const double d = dyr[c];
      sum_dy[c] += d;
      sum_dy_xhat[c] += d * (xr[c] - mean[c]) * rstd[c];
    }
  }
}

// dx = k * (dy - a - (x - mean) * rstd * b), in float64 as the wasm kernel.
A2D_CLONES void block_input_gradient(const float* __restrict x, const float* __restrict dy, std::int64_t rows, std::int64_t channels,
                                     const double* __restrict mean, const double* __restrict rstd, const double* __restrict k,
                                     const double* __restrict a, const double* __restrict b, float* __restrict dx) {
  for (std::int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * channels;
    const float* dyr = dy + r * channels;
    float* dxr = dx + r * channels;
    for (std::int64_t c = 0; c < channels; c++) {
      const double xhat = (xr[c] - mean[c]) * rstd[c];
      dxr[c] = static_cast<float>(k[c] * (dyr[c] - a[c] - xhat * b[c]));
    }
  }
}

// y = (x - mean) * k + offset.
A2D_CLONES void block_normalize(const float* __restrict x, std::int64_t rows, std::int64_t channels, const float* __restrict mean,
                                const float* __restrict k, const float* __restrict offset, float* __restrict y) {
  for (std::int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    for (std::int64_t c = 0; c < channels; c++) yr[c] = (xr[c] - mean[c]) * k[c] + offset[c];
  }
}

std::int64_t block_count(std::int64_t rows) { return (rows + kRowBlock - 1) / kRowBlock; }

// Runs body(first_row, row_count, block) over the row blocks on this thread's OpenMP team; one thread for small work.
template <typename Body>
void for_blocks(const NativeContext& context, std::int64_t rows, std::int64_t channels, Body body) {
  const std::int64_t blocks = block_count(rows);
  context.apply_threads();
  const bool parallel = blocks > 1 && context.threads_for(static_cast<double>(rows * channels)) > 1;
#pragma omp parallel for schedule(static) if (parallel)
  for (std::int64_t b = 0; b < blocks; b++) {
    const std::int64_t first = b * kRowBlock;
    body(first, std::min(kRowBlock, rows - first), b);
  }
}

// Adds the blocks' partial sums ([blocks][channels] each) in block order into `first` and `second`.
void combine(const std::vector<double>& partial_first, const std::vector<double>& partial_second, std::int64_t blocks, std::int64_t channels,
             double* first, double* second) {
  for (std::int64_t c = 0; c < channels; c++) first[c] = second[c] = 0.0;
  for (std::int64_t b = 0; b < blocks; b++) {
    for (std::int64_t c = 0; c < channels; c++) {
      first[c] += partial_first[b * channels + c];
      second[c] += partial_second[b * channels + c];
    }
  }
}

// Two per-channel float64 sums over `rows` rows: block_body(first_row, row_count, partial_first, partial_second)
// adds one block's rows into that block's partials; the blocks are combined in order (the same on any team size).
template <typename BlockBody>
void blocked_sums(const NativeContext& context, std::int64_t rows, std::int64_t channels, BlockBody block_body, double* first, double* second) {
  const std::int64_t blocks = block_count(rows);
  std::vector<double> partial_first(blocks * channels, 0.0), partial_second(blocks * channels, 0.0);
  for_blocks(context, rows, channels, [&](std::int64_t first_row, std::int64_t count, std::int64_t b) {
    block_body(first_row, count, &partial_first[b * channels], &partial_second[b * channels]);
  });
  combine(partial_first, partial_second, blocks, channels, first, second);
}

// Per-channel sum and sum of squares of `rows` rows at x (the statistics).
void channel_sums(const NativeContext& context, const float* x, std::int64_t rows, std::int64_t channels, double* sum, double* squares) {
  blocked_sums(context, rows, channels, [&](std::int64_t first, std::int64_t count, double* s, double* q) {
    block_sums(x + first * channels, count, channels, s, q);
  }, sum, squares);
}

// A JS Float64Array of exactly `length` values (the float64 sums handed back to JS).
double* float64_array(const Napi::Env& env, const Napi::Value& value, std::int64_t length, const char* call, const char* what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, std::string("a2d_dnnl.") + call + ": " + what + " must be a Float64Array");
  }
  auto array = value.As<Napi::Float64Array>();
  if (static_cast<std::int64_t>(array.ElementLength()) != length) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + call + ": " + what + " must hold " + std::to_string(length) + " values");
  }
  return array.Data();
}

// A float32 region of `count` values, or nullptr when the offset is negative (an absent operand, where allowed).
float* optional_region(const Napi::Env& env, const HeapView& heap, const Napi::Value& offset, std::int64_t count, const char* what) {
  if (offset.IsNumber() && offset.As<Napi::Number>().DoubleValue() < 0) return nullptr;
  return heap.region(env, offset, static_cast<std::size_t>(count) * sizeof(float), what);
}

enum GradPhase { kFull = 0, kSums = 1, kInput = 2 };

}  // namespace

// channelSums(heap, x, rows, channels, sum: Float64Array, sumSquares: Float64Array)
Napi::Value BatchNormChannelSums(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* call = "channelSums";
  const HeapView heap(env, info[0]);
  const std::int64_t rows = positive_integer(env, info[2], call, "rows");
  const std::int64_t channels = positive_integer(env, info[3], call, "channels");
  const float* x = heap.region(env, info[1], static_cast<std::size_t>(rows * channels) * sizeof(float), "x");
  double* sum = float64_array(env, info[4], channels, call, "sum");
  double* squares = float64_array(env, info[5], channels, call, "sumSquares");
  channel_sums(context, x, rows, channels, sum, squares);
  return env.Undefined();
}

// batchNormForward(heap, x, rows, channels, mean, variance, offset (-1: none), scale (-1: none), epsilon, out)
Napi::Value BatchNormForward(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* call = "batchNormForward";
  const HeapView heap(env, info[0]);
  const std::int64_t rows = positive_integer(env, info[2], call, "rows");
  const std::int64_t channels = positive_integer(env, info[3], call, "channels");
  const std::size_t bytes = static_cast<std::size_t>(rows * channels) * sizeof(float);
  const float* x = heap.region(env, info[1], bytes, "x");
  const float* mean = heap.region(env, info[4], channels * sizeof(float), "mean");
  const float* variance = heap.region(env, info[5], channels * sizeof(float), "variance");
  const float* offset = optional_region(env, heap, info[6], channels, "offset");
  const float* scale = optional_region(env, heap, info[7], channels, "scale");
  const double epsilon = number(env, info[8], call, "epsilon");
  float* y = heap.region(env, info[9], bytes, "out");
  std::vector<float> k(channels), shift(channels);
  for (std::int64_t c = 0; c < channels; c++) {
    k[c] = (scale ? scale[c] : 1.0f) / std::sqrt(variance[c] + static_cast<float>(epsilon));
    shift[c] = offset ? offset[c] : 0.0f;
  }
  for_blocks(context, rows, channels, [&](std::int64_t first, std::int64_t count, std::int64_t) {
    block_normalize(x + first * channels, count, channels, mean, k.data(), shift.data(), y + first * channels);
  });
  return env.Undefined();
}

// batchNormBackward(heap, phase, rows, channels, epsilon, x, dy, mean, variance, scale, meanDy, meanDyXhat, dx, dScale, dOffset)
// Phase 0 (full): dx, dScale = sum(dy * xhat), dOffset = sum(dy). Phase 1 (sums): dScale and dOffset only.
// Phase 2 (input): dx with the given whole-batch means meanDy and meanDyXhat. Unused operands are passed as -1.
Napi::Value BatchNormBackward(NativeContext& context, const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* call = "batchNormBackward";
  const HeapView heap(env, info[0]);
  const double phase_value = number(env, info[1], call, "phase");
  if (phase_value != kFull && phase_value != kSums && phase_value != kInput) {
    throw Napi::RangeError::New(env, std::string("a2d_dnnl.") + call + ": phase must be 0 (full), 1 (sums) or 2 (input)");
  }
  const auto phase = static_cast<GradPhase>(static_cast<int>(phase_value));
  const std::int64_t rows = positive_integer(env, info[2], call, "rows");
  const std::int64_t channels = positive_integer(env, info[3], call, "channels");
  const double epsilon = number(env, info[4], call, "epsilon");
  const std::size_t bytes = static_cast<std::size_t>(rows * channels) * sizeof(float);
  const std::size_t vector_bytes = channels * sizeof(float);
  const float* x = heap.region(env, info[5], bytes, "x");
  const float* dy = heap.region(env, info[6], bytes, "dy");
  const float* mean = heap.region(env, info[7], vector_bytes, "mean");
  const float* variance = heap.region(env, info[8], vector_bytes, "variance");
  const float* scale = phase == kSums ? nullptr : heap.region(env, info[9], vector_bytes, "scale");
  const float* given_mean_dy = phase == kInput ? heap.region(env, info[10], vector_bytes, "meanDy") : nullptr;
  const float* given_mean_dy_xhat = phase == kInput ? heap.region(env, info[11], vector_bytes, "meanDyXhat") : nullptr;
  float* dx = phase == kSums ? nullptr : heap.region(env, info[12], bytes, "dx");
  float* d_scale = phase == kInput ? nullptr : heap.region(env, info[13], vector_bytes, "dScale");
  float* d_offset = phase == kInput ? nullptr : heap.region(env, info[14], vector_bytes, "dOffset");

  // Per channel, as the wasm kernel rounds them: mean and rstd as float32 values, a = mean(dy), b = mean(dy * xhat).
  std::vector<double> m(channels), rstd(channels), a(channels), b(channels), k(channels);
  for (std::int64_t c = 0; c < channels; c++) {
    m[c] = mean[c];
    rstd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(variance[c]) + epsilon));
  }
  if (phase == kInput) {
    for (std::int64_t c = 0; c < channels; c++) {
      a[c] = given_mean_dy[c];
      b[c] = given_mean_dy_xhat[c];
    }
  } else {
    std::vector<double> sum_dy(channels), sum_dy_xhat(channels);
    blocked_sums(context, rows, channels, [&](std::int64_t first, std::int64_t count, double* s_dy, double* s_dy_xhat) {
      block_gradient_sums(x + first * channels, dy + first * channels, count, channels, m.data(), rstd.data(), s_dy, s_dy_xhat);
    }, sum_dy.data(), sum_dy_xhat.data());
    for (std::int64_t c = 0; c < channels; c++) {
      d_scale[c] = static_cast<float>(sum_dy_xhat[c]);
      d_offset[c] = static_cast<float>(sum_dy[c]);
      a[c] = static_cast<float>(sum_dy[c] / static_cast<double>(rows));
      b[c] = static_cast<float>(sum_dy_xhat[c] / static_cast<double>(rows));
    }
    if (phase == kSums) return env.Undefined();
  }
  for (std::int64_t c = 0; c < channels; c++) k[c] = static_cast<float>(scale[c] * static_cast<float>(rstd[c]));
  for_blocks(context, rows, channels, [&](std::int64_t first, std::int64_t count, std::int64_t) {
    block_input_gradient(x + first * channels, dy + first * channels, count, channels, m.data(), rstd.data(), k.data(), a.data(), b.data(),
                         dx + first * channels);
  });
  return env.Undefined();
}
