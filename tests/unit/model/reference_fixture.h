// Reading reference fixtures (expected.safetensors written by the generate_fixtures.py scripts)
// and comparing against them; shared by the encoder and family reference tests.
#ifndef ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_
#define ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "core/model/model.h"
#include "core/model/model_loader.h"
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

// The sequences of an expected.safetensors, for i = 0, 1, ... while "seq<i>.ids" exists: a Seq
// with ids and type_ids from "seq<i>.ids" / "seq<i>.type_ids", completed by
// read(file, "seq<i>.", seq).
template <typename Seq, typename Fn>
std::vector<Seq> ReadFixtureSequences(const std::filesystem::path& path, Fn read) {
  auto f = SafetensorsFile::Open(path.string());
  EXPECT_TRUE(f.ok()) << f.status();
  std::vector<Seq> out;
  if (!f.ok()) return out;
  for (int i = 0; (*f)->Find(absl::StrCat("seq", i, ".ids")) != nullptr; ++i) {
    const std::string p = absl::StrCat("seq", i, ".");
    Seq seq;
    seq.ids = ReadFixtureVector<int32_t>(**f, p + "ids");
    seq.type_ids = ReadFixtureVector<int32_t>(**f, p + "type_ids");
    read(**f, p, seq);
    out.push_back(std::move(seq));
  }
  return out;
}

// The model directory `dir` through the normal loader, and a session on this thread (a fatal test
// failure when either fails: the caller checks HasFatalFailure or uses ASSERT_NO_FATAL_FAILURE).
inline void LoadFixtureModel(const std::filesystem::path& dir, ModelSpec& spec,
                             std::unique_ptr<Session>& session) {
  auto loaded = LoadModel(dir.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  spec = loaded->spec();
  auto s = loaded->model->CreateSession();
  ASSERT_TRUE(s.ok()) << s.status();
  session = std::move(*s);
}

// The sequences refs[order[0]], refs[order[1]], ... (members ids and type_ids) as one batch.
template <typename Ref>
PackedBatch PackFixtureSequences(const std::vector<Ref>& refs, const std::vector<int>& order) {
  PackedBatch batch;
  for (int i : order)
    batch.Add(refs[static_cast<size_t>(i)].ids, refs[static_cast<size_t>(i)].type_ids);
  return batch;
}

// `batch` through `session`: each sequence's rows of the last hidden state (none, and a test
// failure, when Forward fails).
inline std::vector<std::vector<float>> ForwardPerSequence(Session& session,
                                                          const PackedBatch& batch) {
  auto out = session.Forward(batch);
  EXPECT_TRUE(out.ok()) << out.status();
  std::vector<std::vector<float>> per_seq;
  if (!out.ok()) return per_seq;
  const int64_t h = session.spec().hidden_size;
  for (int s = 0; s < batch.num_sequences(); ++s) {
    const float* first = out->data() + batch.begin(s) * h;
    per_seq.emplace_back(first, first + batch.length(s) * h);
  }
  return per_seq;
}

}  // namespace attnserve::core

#endif  // ATTNSERVE_TESTS_UNIT_MODEL_REFERENCE_FIXTURE_H_
