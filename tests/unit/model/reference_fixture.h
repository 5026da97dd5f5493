// Reading reference fixtures (expected.safetensors written by the generate_fixtures.py scripts)
// and comparing against them; shared by the encoder and family reference tests.
#ifndef ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_
#define ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/model/safetensors.h"

namespace attnserve::core {

// Tensor `name` of `f` as a flat vector of T (the test fails if it is absent).
template <typename T>
std::vector<T> ReadFixtureVector(const SafetensorsFile& f, const std::string& name) {
  const StTensor* t = f.Find(name);
  EXPECT_NE(t, nullptr) << name;
  if (t == nullptr) return {};
  std::vector<T> v((t->end - t->begin) / sizeof(T));
  std::memcpy(v.data(), t->data, t->end - t->begin);
  return v;
}

// max |a[i] - b[i]|; infinity (and a test failure) when the sizes differ.
inline float MaxAbsDiff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  if (a.size() != b.size()) return INFINITY;
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace attnserve::core

#endif  // ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_
