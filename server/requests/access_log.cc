#include "server/requests/access_log.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace attnserve {
namespace {

constexpr size_t kMaxRequestIdLength = 128;

bool IsAcceptedId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxRequestIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                  c == ':' || c == '/' || c == '-';
         });
}

double Milliseconds(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

}  // namespace

std::string RequestIdFor(absl::optional<absl::string_view> from_client) {
  if (from_client.has_value() && IsAcceptedId(*from_client)) return std::string(*from_client);
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
}

void AddJobFigures(const core::EmbedJob& job, CallRecord& record) {
  if (job.num_sequences() == 0) return;  // refused before its inputs were known
  record.inputs = job.num_sequences();
  record.tokens = job.num_tokens();
  if (!job.started.load(std::memory_order_acquire)) return;
  record.queue = job.first_batch_start - job.enqueued_at;
  if (job.finished() && job.last_batch_end >= job.first_batch_start) {
    record.inference = job.last_batch_end - job.first_batch_start;
  }
}

LogFields AccessLogFields(const CallRecord& r) {
  LogFields f = {{"rpc", r.rpc},
                 {"request_id", r.request_id},
                 {"peer", r.peer},
                 {"code", absl::StatusCodeToString(r.status.code())}};
  if (!r.status.ok()) f.emplace_back("error", r.status.message());
  if (r.messages >= 0) f.emplace_back("messages", r.messages);
  if (r.inputs >= 0) f.emplace_back("inputs", r.inputs);
  if (r.tokens >= 0) f.emplace_back("tokens", r.tokens);
  if (r.queue.has_value()) f.emplace_back("queue_ms", Milliseconds(*r.queue));
  if (r.inference.has_value()) f.emplace_back("inference_ms", Milliseconds(*r.inference));
  f.emplace_back("total_ms", Milliseconds(r.total));
  return f;
}

}  // namespace attnserve
