// libFuzzer target for the gRPC request path below the transport: raw bytes, as a call's message
// arrives, in a grpc::ByteBuffer (cut into three slices, as messages often arrive), parsed by the
// service's own ParseFromByteBuffer (server/grpc/embedder_service.h; on failure the request
// layer's DiagnoseParseFailure) as an attnserve.v1.EmbedRequest, a TokenizeRequest and a
// DecodeRequest, then PrepareEmbed, RunTokenize and RunDecode (server/requests/embed_request.h)
// against the built-in demo model (core::LoadModel("demo"), loaded once) with the server's
// default limits. No server runs.
//
// Checks, besides ASan/UBSan: a parse failure is InvalidArgument; a prepared request has at
// most max_inputs_per_request inputs, each of 1..max_input_length ids inside the vocabulary and
// type ids as many as ids (or none); a tokenize response has one entry per input with parallel
// arrays; a decode response one text per input.
//
//   request_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/request_seeds
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "absl/strings/str_cat.h"

#include "core/model/model_loader.h"
#include "server/grpc/embedder_service.h"
#include "server/requests/embed_request.h"
#include "tests/fuzz/fuzz_util.h"

#include "attnserve/v1/attnserve.pb.h"

namespace {

constexpr const char* kTarget = "request_fuzz";

void Fail(const std::string& what) { attnserve::fuzz::Fail(kTarget, what); }

const attnserve::ServingModel* g_model = nullptr;
attnserve::RequestLimits g_limits;

grpc::ByteBuffer ToByteBuffer(const uint8_t* data, size_t size) {
  std::vector<grpc::Slice> slices;
  const size_t cuts[] = {0, size / 3, 2 * size / 3, size};
  for (int i = 0; i < 3; ++i) {
    if (cuts[i + 1] > cuts[i] || size == 0) {
      slices.emplace_back(data + cuts[i], cuts[i + 1] - cuts[i]);
    }
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

void CheckParseError(const absl::Status& s) {
  attnserve::fuzz::CheckError(kTarget, s);
  if (s.code() != absl::StatusCode::kInvalidArgument) {
    Fail("a parse failure is not InvalidArgument: " + s.ToString());
  }
}

void CheckEmbed(const attnserve::v1::EmbedRequest& request) {
  auto p = attnserve::PrepareEmbed(request, *g_model, g_limits);
  if (!p.ok()) {
    attnserve::fuzz::CheckError(kTarget, p.status());
    return;
  }
  const attnserve::core::ModelSpec& spec = g_model->spec;
  if (p->inputs.empty() || static_cast<int>(p->inputs.size()) > g_limits.max_inputs_per_request ||
      static_cast<int>(p->inputs.size()) != request.inputs_size()) {
    Fail(absl::StrCat("prepared ", p->inputs.size(), " inputs of ", request.inputs_size()));
  }
  int64_t tokens = 0;
  int truncated = 0;
  for (const attnserve::core::SequenceInput& in : p->inputs) {
    if (in.ids.empty() || static_cast<int>(in.ids.size()) > g_limits.max_input_length) {
      Fail(absl::StrCat("an input of ", in.ids.size(), " ids"));
    }
    if (!in.type_ids.empty() && in.type_ids.size() != in.ids.size()) Fail("type_ids vs ids");
    for (int32_t id : in.ids) {
      if (id < 0 || id >= spec.vocab_size) Fail(absl::StrCat("id ", id, " outside the vocabulary"));
    }
    for (int32_t t : in.type_ids) {
      if (t < 0 || t >= spec.type_vocab_size) Fail(absl::StrCat("type id ", t));
    }
    tokens += static_cast<int64_t>(in.ids.size());
    truncated += in.truncated ? 1 : 0;
  }
  if (tokens != p->tokens || truncated != p->truncated) Fail("token or truncation count");
  if (p->spec.pooling.dimensions < 0 || p->spec.pooling.dimensions > spec.hidden_size) {
    Fail("dimensions outside [0, hidden_size]");
  }
}

void CheckTokenize(const attnserve::v1::TokenizeRequest& request) {
  auto r = attnserve::RunTokenize(request, *g_model, g_limits);
  if (!r.ok()) {
    attnserve::fuzz::CheckError(kTarget, r.status());
    return;
  }
  if (r->tokens_size() != request.inputs_size()) Fail("one Tokens per input");
  for (const attnserve::v1::Tokens& t : r->tokens()) {
    const int n = t.ids_size();
    if (t.type_ids_size() != n || t.tokens_size() != n || t.offsets_start_size() != n ||
        t.offsets_end_size() != n) {
      Fail("tokenize arrays of different lengths");
    }
    if (request.truncate() && n > g_limits.max_input_length) Fail("longer than max_input_length");
  }
}

void CheckDecode(const attnserve::v1::DecodeRequest& request) {
  auto r = attnserve::RunDecode(request, *g_model, g_limits);
  if (!r.ok()) {
    attnserve::fuzz::CheckError(kTarget, r.status());
    return;
  }
  if (r->texts_size() != request.inputs_size()) Fail("one text per Decode input");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // protobuf logs every string field with invalid UTF-8 it refuses: most inputs, and slow.
  google::protobuf::SetLogHandler(nullptr);
  auto loaded = attnserve::core::LoadModel("demo");
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s: %s\n", kTarget, loaded.status().ToString().c_str());
    std::abort();
  }
  // As the server sets them up (server/server.cc) with its default flags, but fewer inputs per
  // request so that a run stays fast, and a response budget small enough to be reached.
  g_limits.max_inputs_per_request = 16;
  g_limits.max_input_length = loaded->spec().defaults.max_seq_length;
  g_limits.truncate_by_default = false;
  g_limits.max_response_bytes = 64 << 10;
  g_model = new attnserve::ServingModel{loaded->name, loaded->spec(), loaded->tokenizer,
                                        loaded->accuracy, {}, -1};
  // The model itself (weights) is not needed: the request layer sees the spec and tokenizer.
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const grpc::ByteBuffer bytes = ToByteBuffer(data, size);
  {
    attnserve::v1::EmbedRequest request;
    if (absl::Status s = attnserve::ParseFromByteBuffer(bytes, &request); s.ok()) {
      CheckEmbed(request);
    } else {
      CheckParseError(s);
    }
  }
  {
    attnserve::v1::TokenizeRequest request;
    if (absl::Status s = attnserve::ParseFromByteBuffer(bytes, &request); s.ok()) {
      CheckTokenize(request);
    } else {
      CheckParseError(s);
    }
  }
  {
    attnserve::v1::DecodeRequest request;
    if (absl::Status s = attnserve::ParseFromByteBuffer(bytes, &request); s.ok()) {
      CheckDecode(request);
    } else {
      CheckParseError(s);
    }
  }
  return 0;
}
