// The front-end-independent request layer on its own: no gRPC, a real batcher on the demo model.
#include "server/requests/request_handler.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <pthread.h>

#include "core/model/model_loader.h"
#include "core/util/error_detail.h"
#include "core/util/mutex.h"
#include "server/requests/embed_request.h"

namespace attnserve {
namespace {

using ::testing::HasSubstr;

std::string ThreadName() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

class RequestHandlerTest : public ::testing::Test {
 protected:
  void Start(RequestOptions options, core::BatchingOptions batching = {}) {
    auto loaded = core::LoadModel("demo");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    loaded_ = std::move(*loaded);
    batching.max_sequence_tokens = 64;
    auto batcher = core::Batcher::Start(loaded_.model, batching, nullptr);
    ASSERT_TRUE(batcher.ok()) << batcher.status();
    batcher_ = std::move(*batcher);
    ASSERT_TRUE(batcher_->WaitUntilReady().ok());
    metrics_ = std::make_unique<ServerMetrics>(registry_, MetricsLabels{"demo", "bert", "fp32",
                                                                        "test", "test", "fp32"});
    options.limits.max_input_length = 64;  // the rest of options.limits is the test's
    auto handler = RequestHandler::Create(
        ServingModel{loaded_.name, loaded_.spec(), loaded_.tokenizer, loaded_.accuracy, {}, -1}, options,
        batcher_.get(), metrics_.get());
    ASSERT_TRUE(handler.ok()) << handler.status();
    handler_ = std::move(*handler);
    handler_->SetReady(true);
  }
  void TearDown() override {
    handler_.reset();
    if (batcher_ != nullptr) batcher_->Shutdown();
  }

  static RequestHandler::Reader<v1::EmbedRequest> Texts(std::vector<std::string> texts,
                                                        std::string* reader_thread = nullptr) {
    return [texts = std::move(texts), reader_thread]() -> absl::StatusOr<v1::EmbedRequest> {
      if (reader_thread != nullptr) *reader_thread = ThreadName();
      v1::EmbedRequest r;
      for (const std::string& t : texts) r.add_inputs()->set_text(t);
      return r;
    };
  }

  double InputsEmbedded() {
    for (const auto& f : registry_.Collect()) {
      if (f.name == "attnserve_inputs_total") return f.metric.front().counter.value;
    }
    return -1;
  }

  core::LoadedModel loaded_;
  prometheus::Registry registry_;
  std::unique_ptr<core::Batcher> batcher_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<RequestHandler> handler_;
};

TEST_F(RequestHandlerTest, TokenizesOnItsOwnThreadsAndAnswersOnce) {
  Start(RequestOptions{});
  std::string reader_thread;
  Notification done;
  int answers = 0;
  absl::Status status;
  int embeddings = 0;
  handler_->Embed(Texts({"hello world", "the quick brown fox"}, &reader_thread),
                  absl::InfiniteFuture(), [&](const absl::Status& s, core::EmbedJob& job) {
                    ++answers;
                    status = s;
                    embeddings = job.num_sequences();
                    done.Notify();
                  });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(embeddings, 2);
  EXPECT_EQ(reader_thread, "attn-tokenize");
}

TEST_F(RequestHandlerTest, InvalidRequestsAreAnsweredWithTheirDetail) {
  Start(RequestOptions{});
  Notification done;
  absl::Status status;
  std::string too_long;
  for (int i = 0; i < 100; ++i) too_long += "hello ";
  handler_->Embed(Texts({"fine", too_long}), absl::InfiniteFuture(),
                  [&](const absl::Status& s, core::EmbedJob&) {
                    status = s;
                    done.Notify();
                  });
  done.WaitForNotification();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("input 1 has 102 tokens; the maximum is 64 (set truncate to cut it)"));
  const auto detail = core::GetErrorDetail(status);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->kind, core::ErrorKind::kTooLong);
  EXPECT_EQ(detail->input, 1);
  EXPECT_EQ(detail->value, 102);
  EXPECT_EQ(detail->limit, 64);
}

TEST_F(RequestHandlerTest, FullTokenizationQueueRefusesAtOnceAndCancelledWorkIsSkipped) {
  RequestOptions options;
  options.tokenizer_threads = 1;
  options.max_pending_requests = 1;
  Start(options);
  // Hold the only tokenization thread.
  Notification reading, release, first_done;
  absl::Status first;
  handler_->Embed(
      [&]() -> absl::StatusOr<v1::EmbedRequest> {
        reading.Notify();
        release.WaitForNotification();
        v1::EmbedRequest r;
        r.add_inputs()->set_text("first");
        return r;
      },
      absl::InfiniteFuture(), [&](const absl::Status& s, core::EmbedJob&) {
        first = s;
        first_done.Notify();
      });
  reading.WaitForNotification();
  // One waits (and is cancelled while it waits: it must never be read)...
  bool second_read = false;
  Notification second_done;
  absl::Status second;
  auto job = handler_->Embed(
      [&]() -> absl::StatusOr<v1::EmbedRequest> {
        second_read = true;
        return absl::InternalError("must not be read");
      },
      absl::InfiniteFuture(), [&](const absl::Status& s, core::EmbedJob&) {
        second = s;
        second_done.Notify();
      });
  job->Cancel();
  // ...and the next one finds the queue full: refused before Embed returns.
  absl::Status third;
  bool third_answered = false;
  handler_->Embed(Texts({"third"}), absl::InfiniteFuture(),
                  [&](const absl::Status& s, core::EmbedJob&) {
                    third = s;
                    third_answered = true;
                  });
  EXPECT_TRUE(third_answered);
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.message(), HasSubstr("waiting to be tokenized"));
  release.Notify();
  first_done.WaitForNotification();
  second_done.WaitForNotification();
  EXPECT_TRUE(first.ok()) << first;
  EXPECT_EQ(second.code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(second_read);
}

// Overload (issue 15, item 7): a small request that finds the batch queue full is refused on the
// thread that took it in, before Embed returns: no other thread (tokenization pool, batcher) has
// to be scheduled for the refusal, so a compute that occupies every core cannot delay it. A large
// one still goes to the tokenization pool.
TEST_F(RequestHandlerTest, SmallRequestFindingTheQueueFullIsRefusedBeforeEmbedReturns) {
  core::BatchingOptions batching;
  batching.max_queued_tokens = 1000;
  batching.max_queue_delay = absl::Seconds(60);  // nothing leaves the queue until Shutdown
  RequestOptions inline_small;
  inline_small.inline_prepare_bytes = 4096;
  Start(inline_small, batching);
  const std::string self = ThreadName();
  const std::thread::id caller = std::this_thread::get_id();
  struct Call {
    std::string reader;
    bool answered_before_return = false;
    bool returned = false;
    absl::Status status;
    Notification done;
  };
  // 100 inputs of 4 tokens: 400 tokens; two fit in the queue, the third does not.
  auto embed = [&](Call& c, size_t request_bytes) {
    handler_->Embed(
        Texts(std::vector<std::string>(100, "hello world"), &c.reader), absl::InfiniteFuture(),
        [&c, caller](const absl::Status& s, core::EmbedJob&) {
          c.answered_before_return = !c.returned && std::this_thread::get_id() == caller;
          c.status = s;
          c.done.Notify();
        },
        request_bytes);
    c.returned = true;
  };
  Call a, b, full, large;
  embed(a, 1500);
  embed(b, 1500);
  embed(full, 1500);
  EXPECT_EQ(a.reader, self) << "a small request is read on the calling thread";
  EXPECT_FALSE(a.answered_before_return);
  EXPECT_TRUE(full.answered_before_return) << "the refusal waited for another thread";
  EXPECT_EQ(full.reader, self);
  EXPECT_EQ(full.status.code(), absl::StatusCode::kResourceExhausted) << full.status;
  EXPECT_THAT(full.status.message(), HasSubstr("the queue is full"));
  // Above inline_prepare_bytes: read (and here refused) on the pool, as before.
  embed(large, 5000);
  large.done.WaitForNotification();
  EXPECT_EQ(large.reader, "attn-tokenize");
  EXPECT_EQ(large.status.code(), absl::StatusCode::kResourceExhausted) << large.status;
  batcher_->Shutdown();  // computes what is queued
  a.done.WaitForNotification();
  b.done.WaitForNotification();
  EXPECT_TRUE(a.status.ok()) << a.status;
  EXPECT_TRUE(b.status.ok()) << b.status;
}

// A response larger than the front end can send is refused before any compute is spent on it.
TEST_F(RequestHandlerTest, ResponseLargerThanTheMessageLimitIsRefusedUpFront) {
  RequestOptions options;
  options.limits.max_response_bytes = 4000;
  Start(options);
  auto run = [&](bool token_embeddings) {
    Notification done;
    absl::Status status;
    handler_->Embed(
        [token_embeddings]() -> absl::StatusOr<v1::EmbedRequest> {
          v1::EmbedRequest r;
          r.add_inputs()->set_text("hello world");
          r.add_inputs()->set_text("the quick brown fox");
          r.set_return_token_embeddings(token_embeddings);
          return r;
        },
        absl::InfiniteFuture(), [&](const absl::Status& s, core::EmbedJob&) {
          status = s;
          done.Notify();
        });
    done.WaitForNotification();
    return status;
  };
  // 2 pooled vectors of 128 floats: 1024 bytes, fine.
  EXPECT_TRUE(run(false).ok());
  // + 10 tokens x 128 floats: 6144 bytes, over the limit.
  const absl::Status s = run(true);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("the response would hold at least 6144 bytes (2 inputs, 10 "
                                     "tokens, with token embeddings), more than the largest "
                                     "message the server sends (4000 bytes"));
  const auto detail = core::GetErrorDetail(s);
  ASSERT_TRUE(detail.has_value());
  EXPECT_EQ(detail->kind, core::ErrorKind::kResponseTooLarge);
  EXPECT_EQ(detail->limit, 4000);
  EXPECT_DOUBLE_EQ(InputsEmbedded(), 2.0);  // only the first request was computed
}

TEST_F(RequestHandlerTest, AdmissionAndTheDrainCount) {
  RequestOptions options;
  options.api_keys = {"k1"};
  Start(options);
  EXPECT_EQ(handler_->Admit(absl::nullopt).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(handler_->Admit("Bearer nope").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(handler_->Admit("Bearer k1").ok());
  handler_->CallStarted();
  EXPECT_FALSE(handler_->WaitForCalls(absl::Now() + absl::Milliseconds(20)));
  handler_->CallDone();
  EXPECT_TRUE(handler_->WaitForCalls(absl::Now() + absl::Seconds(5)));
  handler_->StartDraining();
  EXPECT_THAT(handler_->Admit("Bearer k1").message(), HasSubstr("shutting down"));
}

TEST_F(RequestHandlerTest, DrainRefusalsAreHeldUntilReleasedAndOthersAnsweredAtOnce) {
  Start(RequestOptions{});
  std::vector<absl::StatusCode> answered;
  auto record = [&answered](absl::Status s) { answered.push_back(s.code()); };
  // Not draining: a refusal is answered at once, holding or not.
  handler_->HoldRefusals();
  handler_->Refuse(absl::UnavailableError("the model is still loading"), record);
  ASSERT_EQ(answered.size(), 1u);
  handler_->ReleaseRefusals();

  handler_->StartDraining();
  handler_->Refuse(handler_->Admit(absl::nullopt), record);  // before the hold: at once
  ASSERT_EQ(answered.size(), 2u);
  handler_->HoldRefusals();
  handler_->Refuse(handler_->Admit(absl::nullopt), record);  // held
  handler_->Refuse(absl::UnauthenticatedError("invalid API key"), record);  // not the drain's
  ASSERT_EQ(answered.size(), 3u);
  EXPECT_EQ(answered.back(), absl::StatusCode::kUnauthenticated);
  handler_->ReleaseRefusals();
  ASSERT_EQ(answered.size(), 4u);
  EXPECT_EQ(answered.back(), absl::StatusCode::kUnavailable);
  handler_->Refuse(handler_->Admit(absl::nullopt), record);  // after the release: at once
  EXPECT_EQ(answered.size(), 5u);

  // At most kMaxHeldRefusals wait; the rest are answered at once.
  answered.clear();
  handler_->HoldRefusals();
  for (size_t i = 0; i < RequestHandler::kMaxHeldRefusals + 3; ++i) {
    handler_->Refuse(handler_->Admit(absl::nullopt), record);
  }
  EXPECT_EQ(answered.size(), 3u);
  handler_->ReleaseRefusals();
  EXPECT_EQ(answered.size(), RequestHandler::kMaxHeldRefusals + 3);
}

// A text pair's type ids (0 then 1, from the tokenizer's template) reach only a model whose
// family takes them from the tokenizer (BERT); RoBERTa's and DistilBERT's Hugging Face tokenizers
// return no token_type_ids, so those models see type 0, as in transformers.
TEST(PrepareInputTest, TokenizerTypeIdsReachOnlyFamiliesThatTakeThem) {
  auto loaded = core::LoadModel("demo");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ServingModel model{loaded->name, loaded->spec(), loaded->tokenizer, loaded->accuracy, {}, -1};
  ASSERT_TRUE(model.spec.tokenizer_type_ids);
  v1::Input in;
  in.set_text("hello world");
  in.set_text_pair("the fox");
  RequestLimits limits;
  limits.max_input_length = 64;
  auto bert =
      PrepareInput(in, model, limits, /*truncate=*/false, core::TruncationDirection::kRight);
  ASSERT_TRUE(bert.ok()) << bert.status();
  EXPECT_EQ(bert->type_ids.size(), bert->ids.size());
  EXPECT_EQ(bert->type_ids.back(), 1);
  model.spec.tokenizer_type_ids = false;
  auto other =
      PrepareInput(in, model, limits, /*truncate=*/false, core::TruncationDirection::kRight);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->ids, bert->ids);
  EXPECT_TRUE(other->type_ids.empty());
}

}  // namespace
}  // namespace attnserve
