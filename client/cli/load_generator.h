// The load generator behind `attnserve-cli load`: closed loop (C requests always in flight) or
// open loop (requests sent at a fixed rate, whether or not earlier ones returned: latency is
// measured from each request's scheduled time, so a slow server cannot hide its queueing —
// no coordinated omission). Requests carry random token ids (or words) with lengths drawn
// uniformly from a range, like `attnserve bench --lengths`.
#ifndef ATTNSERVE_CLIENT_CLI_LOAD_GENERATOR_H_
#define ATTNSERVE_CLIENT_CLI_LOAD_GENERATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"

#include "client/embedder_client.h"

namespace attnserve::client {

struct LoadOptions {
  absl::Duration duration = absl::Seconds(10);  // measured part of each level
  absl::Duration warmup = absl::Seconds(2);     // sent but not counted
  int min_tokens = 16;  // per input, incl. [CLS]/[SEP] when ids (uniform in [min, max])
  int max_tokens = 16;
  int inputs_per_request = 1;
  bool text = false;  // send text of random words instead of token ids
  // Text mode: words the server's tokenizer keeps as one token each (from CandidateWords()), so
  // an input of N tokens is N - 2 words and the lengths mean the same with text as with ids.
  std::vector<std::string> words;
  uint32_t seed = 1;
  int vocab_size = 0;        // from Info
  int max_input_length = 0;  // from Info
};

struct LoadResult {
  std::string mode;  // "closed" | "open"
  double level = 0;  // concurrency or requests/s
  double seconds = 0;
  int64_t ok = 0;
  int64_t sequences = 0;
  int64_t tokens = 0;
  std::map<std::string, int64_t> errors;  // by status code name
  double requests_per_s = 0, sequences_per_s = 0, tokens_per_s = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  // Refusals (RESOURCE_EXHAUSTED and UNAVAILABLE, the server's "not now"): how fast they came
  // back, from each call's scheduled time.
  double refused_p99_ms = 0, refused_p999_ms = 0, refused_max_ms = 0;
  // The same from the moment each refused call was actually sent: without the generator's own
  // lateness (send_lag_*), closer to what the server and the network took.
  double refused_from_send_p999_ms = 0, refused_from_send_max_ms = 0;
  // Latency of the failed calls by status code name: count, p50, p99, p99.9, max (ms).
  struct Tail {
    int64_t count = 0;
    double p50_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  };
  std::map<std::string, Tail> error_latency;
  double offered_per_s = 0;  // open loop: the requests actually sent per second
  // Open loop: how late the generator itself sent (actual send time - scheduled time), p99.9 and
  // max: the part of every latency above that is the client's, not the server's.
  double send_lag_p999_ms = 0, send_lag_max_ms = 0;
};

// Candidate words for text mode; the caller keeps those that tokenize to one token.
const std::vector<std::string>& CandidateWords();

// `clients` are used round-robin (several channels = several connections).
LoadResult RunClosedLoop(std::vector<std::unique_ptr<EmbedderClient>>& clients, int concurrency,
                         const LoadOptions& options);
LoadResult RunOpenLoop(std::vector<std::unique_ptr<EmbedderClient>>& clients, double rate,
                       const LoadOptions& options);

std::string LoadResultToJson(const LoadResult& r);
std::string LoadTableHeader();
std::string LoadTableRow(const LoadResult& r);

}  // namespace attnserve::client

#endif  // ATTNSERVE_CLIENT_CLI_LOAD_GENERATOR_H_
