#include "client/cli/load_generator.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"

namespace attnserve::client {
const std::vector<std::string>& CandidateWords() {
  static const auto* words = new std::vector<std::string>{
      "the",  "model", "search", "vector", "fast", "query",  "language", "token",  "network",
      "data", "text",  "time",   "world",  "city", "water",  "house",    "music",  "school",
      "day",  "book",  "light",  "game",   "road", "family", "system",   "people", "small"};
  return *words;
}

namespace {

// A pool of requests drawn once, cycled through during the run.
std::vector<v1::EmbedRequest> MakeRequests(const LoadOptions& o, int count) {
  std::mt19937 rng(o.seed);
  const int lo = std::max(1, o.min_tokens), hi = std::max(lo, o.max_tokens);
  std::uniform_int_distribution<int> len(lo, hi);
  const int first_id = o.vocab_size > 2000 ? 1000 : 104;
  std::uniform_int_distribution<int> id(first_id, std::max(first_id, o.vocab_size - 1));
  std::vector<v1::EmbedRequest> out(static_cast<size_t>(count));
  for (v1::EmbedRequest& r : out) {
    for (int i = 0; i < o.inputs_per_request; ++i) {
      const int n = len(rng);
      v1::Input* in = r.add_inputs();
      if (o.text) {
        std::string s;
        const auto& words = o.words.empty() ? CandidateWords() : o.words;
        for (int w = 0; w < n - 2; ++w) {
          absl::StrAppend(&s, w ? " " : "", words[rng() % words.size()]);
        }
        in->set_text(s.empty() ? words[0] : s);
      } else {
        auto* ids = in->mutable_token_ids();
        ids->add_ids(101);
        for (int t = 0; t < n - 2; ++t) ids->add_ids(id(rng));
        if (n >= 2) ids->add_ids(102);
      }
    }
  }
  return out;
}

class Recorder {
 public:
  Recorder(absl::Time measure_from, absl::Time measure_until)
      : from_(measure_from), until_(measure_until) {}

  // `sent`: when the call was actually started (open loop: at or after `scheduled`).
  void Record(absl::Time scheduled, absl::Time done, const absl::StatusOr<v1::EmbedResponse>& r,
              absl::Time sent = absl::InfinitePast()) {
    if (scheduled < from_ || scheduled >= until_) return;
    if (sent == absl::InfinitePast()) sent = scheduled;
    const double ms = absl::ToDoubleMilliseconds(done - scheduled);
    absl::MutexLock lock(&mu_);
    if (r.ok()) {
      latencies_.push_back(ms);
      sequences_ += r->embeddings_size();
      tokens_ += r->usage().prompt_tokens();
    } else {
      const std::string code = absl::StatusCodeToString(r.status().code());
      ++errors_[code];
      error_latencies_[code].push_back(ms);
      if (r.status().code() == absl::StatusCode::kResourceExhausted ||
          r.status().code() == absl::StatusCode::kUnavailable) {
        refused_.push_back(ms);
        refused_from_send_.push_back(absl::ToDoubleMilliseconds(done - sent));
      }
    }
  }

  LoadResult Finish(const std::string& mode, double level) {
    absl::MutexLock lock(&mu_);
    LoadResult res;
    res.mode = mode;
    res.level = level;
    res.seconds = absl::ToDoubleSeconds(until_ - from_);
    res.ok = static_cast<int64_t>(latencies_.size());
    res.sequences = sequences_;
    res.tokens = tokens_;
    res.errors = errors_;
    res.requests_per_s = static_cast<double>(res.ok) / res.seconds;
    res.sequences_per_s = static_cast<double>(sequences_) / res.seconds;
    res.tokens_per_s = static_cast<double>(tokens_) / res.seconds;
    auto pct = [](std::vector<double>& v, double q) {
      if (v.empty()) return 0.0;
      const size_t i =
          std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
      return v[i];
    };
    std::sort(latencies_.begin(), latencies_.end());
    std::sort(refused_.begin(), refused_.end());
    res.p50_ms = pct(latencies_, 0.50);
    res.p90_ms = pct(latencies_, 0.90);
    res.p99_ms = pct(latencies_, 0.99);
    res.p999_ms = pct(latencies_, 0.999);
    res.max_ms = latencies_.empty() ? 0 : latencies_.back();
    double sum = 0;
    for (double v : latencies_) sum += v;
    res.mean_ms = latencies_.empty() ? 0 : sum / static_cast<double>(latencies_.size());
    res.refused_p99_ms = pct(refused_, 0.99);
    res.refused_p999_ms = pct(refused_, 0.999);
    res.refused_max_ms = refused_.empty() ? 0 : refused_.back();
    std::sort(refused_from_send_.begin(), refused_from_send_.end());
    res.refused_from_send_p999_ms = pct(refused_from_send_, 0.999);
    res.refused_from_send_max_ms = refused_from_send_.empty() ? 0 : refused_from_send_.back();
    for (auto& [code, v] : error_latencies_) {
      std::sort(v.begin(), v.end());
      LoadResult::Tail& t = res.error_latency[code];
      t.count = static_cast<int64_t>(v.size());
      t.p50_ms = pct(v, 0.50);
      t.p99_ms = pct(v, 0.99);
      t.p999_ms = pct(v, 0.999);
      t.max_ms = v.back();
    }
    return res;
  }

 private:
  const absl::Time from_, until_;
  absl::Mutex mu_;
  std::vector<double> latencies_ ABSL_GUARDED_BY(mu_);
  std::vector<double> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<double> refused_from_send_ ABSL_GUARDED_BY(mu_);
  int64_t sequences_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t tokens_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int64_t> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<double>> error_latencies_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

LoadResult RunClosedLoop(std::vector<std::unique_ptr<EmbedderClient>>& clients, int concurrency,
                         const LoadOptions& options) {
  const std::vector<v1::EmbedRequest> requests = MakeRequests(options, 1024);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + options.warmup;
  const absl::Time end = measure_from + options.duration;
  Recorder recorder(measure_from, end);
  std::atomic<uint64_t> next{0};
  absl::BlockingCounter chains(concurrency);

  // Each chain sends its next request from the previous one's completion callback.
  struct Chain {
    std::function<void()> send;
  };
  std::vector<Chain> all(static_cast<size_t>(concurrency));
  for (int c = 0; c < concurrency; ++c) {
    Chain* chain = &all[static_cast<size_t>(c)];
    chain->send = [&, chain, c] {
      const absl::Time sent = absl::Now();
      if (sent >= end) {
        chains.DecrementCount();
        return;
      }
      const uint64_t k = next.fetch_add(1);
      EmbedderClient& client =
          *clients[static_cast<size_t>(k + static_cast<uint64_t>(c)) % clients.size()];
      client.EmbedAsync(requests[k % requests.size()],
                        [&, chain, sent](absl::StatusOr<v1::EmbedResponse> r) {
                          recorder.Record(sent, absl::Now(), r);
                          chain->send();
                        });
    };
  }
  for (Chain& chain : all) chain.send();
  chains.Wait();
  return recorder.Finish("closed", concurrency);
}

LoadResult RunOpenLoop(std::vector<std::unique_ptr<EmbedderClient>>& clients, double rate,
                       const LoadOptions& options) {
  const std::vector<v1::EmbedRequest> requests = MakeRequests(options, 1024);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + options.warmup;
  const absl::Time end = measure_from + options.duration;
  Recorder recorder(measure_from, end);
  std::mt19937 rng(options.seed + 1);
  std::exponential_distribution<double> gap(rate);  // Poisson arrivals
  absl::Mutex mu;
  int64_t outstanding = 0;  // guarded by mu
  int64_t sent = 0, sent_measured = 0;
  absl::Time t = start;
  std::vector<double> lags;  // of the measured sends, ms
  while (t < end) {
    const absl::Time now = absl::Now();
    if (t > now) absl::SleepFor(t - now);
    if (t >= measure_from) lags.push_back(absl::ToDoubleMilliseconds(absl::Now() - t));
    {
      absl::MutexLock lock(&mu);
      ++outstanding;
    }
    const absl::Time scheduled = t;
    const absl::Time sent_at = absl::Now();
    clients[static_cast<size_t>(sent) % clients.size()]->EmbedAsync(
        requests[static_cast<size_t>(sent) % requests.size()],
        [&, scheduled, sent_at](absl::StatusOr<v1::EmbedResponse> r) {
          recorder.Record(scheduled, absl::Now(), r, sent_at);
          absl::MutexLock lock(&mu);
          --outstanding;
        });
    ++sent;
    if (scheduled >= measure_from) ++sent_measured;
    t += absl::Seconds(gap(rng));
  }
  {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(
                            +[](int64_t* n) { return *n == 0; }, &outstanding),
                        absl::Seconds(120));
  }
  LoadResult r = recorder.Finish("open", rate);
  r.offered_per_s = static_cast<double>(sent_measured) / absl::ToDoubleSeconds(options.duration);
  if (!lags.empty()) {
    std::sort(lags.begin(), lags.end());
    r.send_lag_p999_ms =
        lags[std::min(lags.size() - 1, static_cast<size_t>(0.999 * static_cast<double>(lags.size())))];
    r.send_lag_max_ms = lags.back();
  }
  return r;
}

std::string LoadResultToJson(const LoadResult& r) {
  std::vector<std::string> errors;
  for (const auto& [code, n] : r.errors) errors.push_back(absl::StrFormat("\"%s\":%d", code, n));
  std::vector<std::string> tails;
  for (const auto& [code, t] : r.error_latency) {
    tails.push_back(absl::StrFormat(
        "\"%s\":{\"count\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}",
        code, t.count, t.p50_ms, t.p99_ms, t.p999_ms, t.max_ms));
  }
  return absl::StrFormat(
      "{\"mode\":\"%s\",\"level\":%g,\"seconds\":%.3f,\"ok\":%d,\"sequences\":%d,\"tokens\":%d,"
      "\"requests_per_s\":%.3f,\"sequences_per_s\":%.3f,\"tokens_per_s\":%.1f,\"offered_per_s\":%."
      "3f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
      "\"mean_ms\":%.3f,\"refused_p99_ms\":%.3f,\"refused_p999_ms\":%.3f,"
      "\"refused_max_ms\":%.3f,\"refused_from_send_p999_ms\":%.3f,"
      "\"refused_from_send_max_ms\":%.3f,\"send_lag_p999_ms\":%.3f,\"send_lag_max_ms\":%.3f,"
      "\"errors\":{%s},\"error_latency\":{%s}}",
      r.mode, r.level, r.seconds, r.ok, r.sequences, r.tokens, r.requests_per_s, r.sequences_per_s,
      r.tokens_per_s, r.offered_per_s, r.p50_ms, r.p90_ms, r.p99_ms, r.p999_ms, r.max_ms,
      r.mean_ms, r.refused_p99_ms, r.refused_p999_ms, r.refused_max_ms,
      r.refused_from_send_p999_ms, r.refused_from_send_max_ms, r.send_lag_p999_ms, r.send_lag_max_ms, absl::StrJoin(errors, ","), absl::StrJoin(tails, ","));
}

std::string LoadTableHeader() {
  return "mode    level    req/s    seq/s    tok/s   p50 ms   p90 ms   p99 ms   max ms  errors";
}

std::string LoadTableRow(const LoadResult& r) {
  std::vector<std::string> errors;
  for (const auto& [code, n] : r.errors) errors.push_back(absl::StrCat(code, "=", n));
  return absl::StrFormat("%-6s %7g %8.1f %8.1f %8.0f %8.2f %8.2f %8.2f %8.2f  %s", r.mode, r.level,
                         r.requests_per_s, r.sequences_per_s, r.tokens_per_s, r.p50_ms, r.p90_ms,
                         r.p99_ms, r.max_ms, errors.empty() ? "-" : absl::StrJoin(errors, " "));
}

}  // namespace attnserve::client
