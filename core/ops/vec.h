// Explicit 16-float SIMD through GCC/Clang vector extensions. Inside an ATTN_MULTIVERSION
// function the compiler lowers each operation to one AVX-512 instruction, two AVX2 ones or four
// SSE ones; auto-vectorization of reductions (softmax, LayerNorm) was not reliable enough to
// count on (GCC 12 gave up on `omp simd reduction` loops inside target_clones functions).
// Everything here is force-inlined so no vector type crosses a function-call ABI; that is why
// core/CMakeLists.txt turns off GCC's -Wpsabi note ("AVX512F vector return without AVX512F
// enabled changes the ABI"), which GCC emits at every use in the baseline clone.
#ifndef ATTNSERVE_CORE_OPS_VEC_H_
#define ATTNSERVE_CORE_OPS_VEC_H_

#include <cstdint>
#include <cstring>

namespace attnserve::core::vec {

inline constexpr int kWidth = 16;
typedef float F16 __attribute__((vector_size(64)));
typedef int32_t I16 __attribute__((vector_size(64)));

#define ATTN_VEC_INLINE inline __attribute__((always_inline))

ATTN_VEC_INLINE F16 Load(const float* p) {
  F16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
ATTN_VEC_INLINE void Store(float* p, F16 v) { std::memcpy(p, &v, sizeof v); }
ATTN_VEC_INLINE F16 Splat(float x) { return F16{} + x; }
ATTN_VEC_INLINE F16 Max(F16 a, F16 b) { return a > b ? a : b; }

ATTN_VEC_INLINE float ReduceAdd(F16 v) {
  float s = 0.0f;
  for (int i = 0; i < kWidth; ++i) s += v[i];
  return s;
}
ATTN_VEC_INLINE float ReduceMax(F16 v) {
  float m = v[0];
  for (int i = 1; i < kWidth; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

// exp(x) for x <= 0 (lanes above 0 are not supported). x = n*ln2 + r with |r| <= ln2/2
// (Cody-Waite split of ln2), exp(r) by a degree-6 polynomial (Cephes expf coefficients, relative
// error ~2e-7), 2^n through the exponent bits. Inputs below -87 are clamped: their exp
// (< 1.7e-38) would be denormal and is negligible in a softmax whose largest term is 1.
ATTN_VEC_INLINE F16 ExpNonPositive(F16 x) {
  x = Max(x, Splat(-87.0f));
  // Round to nearest integer with the 1.5 * 2^23 trick (|x * log2(e)| < 2^22 here).
  const F16 magic = Splat(12582912.0f);
  const F16 n = (x * 1.44269504088896341f + magic) - magic;
  F16 r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  F16 p = Splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const I16 e = (__builtin_convertvector(n, I16) + 127) << 23;
  F16 scale;
  std::memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

// The same computation for one float (row tails), so a lane and a tail element agree exactly.
ATTN_VEC_INLINE float ExpNonPositive(float x) {
  x = x > -87.0f ? x : -87.0f;
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t e = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

}  // namespace attnserve::core::vec

#endif  // ATTNSERVE_CORE_OPS_VEC_H_
