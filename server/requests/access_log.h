// The access log (--access-log): one line per call, at INFO, with structured fields
// (core/util/logging.h; logfmt in text, members in --log-format json):
//
//   rpc request_id peer code [error] [inputs tokens] [queue_ms inference_ms] total_ms
//
// The request text is never logged. Request ids: a client may send one as `x-request-id`
// metadata (an HTTP header in an HTTP front end): up to 128 characters of [A-Za-z0-9._:/-];
// otherwise, or when it is not of that form, the server makes one (16 hex digits). The server
// echoes it to the client (the same metadata key) and logs it, so that a client's report and the
// server's line can be matched.
#ifndef ATTNSERVE_SERVER_REQUESTS_ACCESS_LOG_H_
#define ATTNSERVE_SERVER_REQUESTS_ACCESS_LOG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

#include "core/batching/embed_job.h"
#include "core/util/logging.h"

namespace attnserve {

inline constexpr char kRequestIdKey[] = "x-request-id";

// The client's id when it has the accepted form, else a new random one.
std::string RequestIdFor(absl::optional<absl::string_view> from_client);

struct CallRecord {
  std::string rpc;  // "Embed", "EmbedStream", "Tokenize", "Decode", "Info"
  std::string request_id;
  std::string peer;
  absl::Status status;
  int inputs = -1;  // -1: unknown (refused before the request was read)
  int64_t tokens = -1;
  absl::optional<absl::Duration> queue;      // enqueued -> first batch started
  absl::optional<absl::Duration> inference;  // first batch started -> last batch ended
  absl::Duration total;                      // received -> answered
  int messages = -1;                         // EmbedStream: messages read
};

// Inputs, tokens, queue and inference time of a job that reached the batcher.
void AddJobFigures(const core::EmbedJob& job, CallRecord& record);

// The fields of `record`'s line, in the order above.
LogFields AccessLogFields(const CallRecord& record);

}  // namespace attnserve

#endif  // ATTNSERVE_SERVER_REQUESTS_ACCESS_LOG_H_
