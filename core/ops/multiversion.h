// ATTN_MULTIVERSION: compile a hot loop for AVX-512, AVX2 and baseline x86-64, and pick the
// best at load time (GCC function multi-versioning through an ifunc). Debian's compiler targets
// baseline x86-64, and the image must run on any x86-64 CPU, so -march=native is not an option.
// Clang builds (sanitizers, thread-safety analysis) use the baseline code only.
#ifndef ATTNSERVE_CORE_OPS_MULTIVERSION_H_
#define ATTNSERVE_CORE_OPS_MULTIVERSION_H_

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
// Feature names, not "arch=": GCC resolves "arch=skylake-avx512" by CPU *model*, so AMD CPUs
// with AVX-512 would fall back to the SSE baseline.
#define ATTN_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ATTN_MULTIVERSION
#endif

#endif  // ATTNSERVE_CORE_OPS_MULTIVERSION_H_
