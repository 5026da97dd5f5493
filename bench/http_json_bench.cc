// The HTTP front end's JSON cost (issue 14, item 3): writing the response of 32 inputs x 384
// dimensions (all-MiniLM-L6-v2's size) as OpenAI float, OpenAI base64 and TEI /embed, and
// parsing a 32-text request. One thread; the values are random floats in [-1, 1].
//
//   flock /tmp/bench.lock build/release/bench/http_json_bench
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "server/http/http_api.h"

namespace attnserve::http {
namespace {

v1::EmbedResponse MakeResponse(int inputs, int dims) {
  std::mt19937 gen(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  v1::EmbedResponse r;
  for (int i = 0; i < inputs; ++i) {
    v1::Embedding* e = r.add_embeddings();
    for (int d = 0; d < dims; ++d) e->add_values(dist(gen));
  }
  r.mutable_usage()->set_prompt_tokens(static_cast<uint32_t>(inputs) * 16);
  return r;
}

// Arg 0: encoding_format float; 1: base64.
void BM_OpenAi(benchmark::State& state) {
  const v1::EmbedResponse r = MakeResponse(32, 384);
  const EncodingFormat format =
      state.range(0) == 0 ? EncodingFormat::kFloat : EncodingFormat::kBase64;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = OpenAiEmbeddingsResponse(r, format, "model");
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(state.range(0) == 0 ? "float" : "base64");
  state.counters["response_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_OpenAi)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_TeiEmbed(benchmark::State& state) {
  const v1::EmbedResponse r = MakeResponse(32, 384);
  for (auto _ : state) {
    std::string out = TeiEmbedResponse(r, /*all=*/false);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_TeiEmbed)->Unit(benchmark::kMicrosecond);

void BM_ParseOpenAi32Texts(benchmark::State& state) {
  std::string body = R"({"model": "m", "input": [)";
  for (int i = 0; i < 32; ++i) {
    body += (i ? ", " : "");
    body += R"("a sentence of about sixteen tokens, as a retrieval query might be")";
  }
  body += "]}";
  for (auto _ : state) {
    auto r = ParseOpenAiEmbeddings(body);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_ParseOpenAi32Texts)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace attnserve::http

BENCHMARK_MAIN();
