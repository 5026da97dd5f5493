#include "core/batching/batcher.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/dnnl/backend.h"
#include "core/heads/embed_outputs.h"
#include "core/util/error_detail.h"
#include "core/util/logging.h"
#include "core/util/sched_slice.h"

namespace attnserve::core {

absl::StatusOr<std::unique_ptr<Batcher>> Batcher::Start(std::shared_ptr<const Model> model,
                                                        const BatchingOptions& options,
                                                        BatchObserver* observer) {
  auto queue = BatchQueue::Create(options, observer);
  if (!queue.ok()) return queue.status();
  std::unique_ptr<Batcher> b(new Batcher(std::move(model), std::move(*queue), observer));
  b->responder_ = std::thread([p = b.get()] { p->ResponderLoop(); });
  b->worker_ = std::thread([p = b.get()] { p->WorkerLoop(); });
  return b;
}

Batcher::~Batcher() { Shutdown(); }

absl::Status Batcher::WaitUntilReady() {
  ready_.WaitForNotification();
  return startup_status_;
}

void Batcher::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  queue_->Close();
  if (worker_.joinable()) worker_.join();
  {
    MutexLock lock(&responses_mu_);
    responder_stop_ = true;
  }
  if (responder_.joinable()) responder_.join();
}

void Batcher::Respond(std::shared_ptr<EmbedJob> job, absl::Status status) {
  MutexLock lock(&responses_mu_);
  responses_.emplace_back(std::move(job), std::move(status));
}

void Batcher::ResponderLoop() {
  pthread_setname_np(pthread_self(), "attn-respond");
  while (true) {
    std::pair<std::shared_ptr<EmbedJob>, absl::Status> next;
    {
      MutexLock lock(&responses_mu_);
      responses_mu_.Await(absl::Condition(this, &Batcher::HasResponsesOrStopped));
      if (responses_.empty()) return;  // stopped and drained
      next = std::move(responses_.front());
      responses_.pop_front();
    }
    auto& [job, status] = next;
    if (status.ok() && job->cancelled()) {
      status = absl::CancelledError("the client cancelled the request");
    }
    job->Finish(status);
  }
}

void Batcher::WorkerLoop() {
  const BatchingOptions& options = queue_->options();
  // The OpenMP threads this thread starts inherit the name: top -H shows the compute as one group.
  pthread_setname_np(pthread_self(), "attn-compute");
  // Before the first parallel region: the OpenMP threads this thread starts inherit its nice.
  if (options.compute_nice > 0 &&
      setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), options.compute_nice) != 0) {
    ATTN_LOG(WARNING) << "compute threads keep their priority: setpriority: "
                      << std::strerror(errno);
  }
  // The kernel's default scheduler slice for the compute (and the OpenMP team it starts), even
  // when the thread that started the batcher asked for a short one (AttnServer: serving threads
  // get a short slice so that they preempt the compute as soon as they wake up).
  (void)SetSchedulerSliceOfThisThread(absl::ZeroDuration());
  compute_threads_ = SetComputeThreadsOnThisThread(options.compute_threads);
  absl::StatusOr<std::unique_ptr<Session>> session = model_->CreateSession();
  if (session.ok()) {
    (*session)->Reserve(options.max_batch_tokens, options.max_sequence_tokens);
    // Warm-up: the first passes touch the workspace and oneDNN's kernels.
    PackedBatch warm;
    warm.Add(std::vector<int32_t>(
        static_cast<size_t>(std::min<int64_t>(16, options.max_sequence_tokens)), 0));
    warm.Add(std::vector<int32_t>(static_cast<size_t>(options.max_sequence_tokens), 0));
    if (auto r = (*session)->Forward(warm); !r.ok()) session = r.status();
  }
  if (!session.ok()) {
    startup_status_ = session.status();
    ready_.Notify();
    // Nothing can be computed: answer whatever got queued until shutdown.
    queue_->Close();
    for (Batch b = queue_->TakeBatch(); !b.empty(); b = queue_->TakeBatch()) {
      for (BatchItem& item : b.items) Respond(item.job, startup_status_);
    }
    return;
  }
  ready_.Notify();

  PackedBatch packed;
  std::vector<OutputSpec> specs;
  std::vector<SequenceOutput> outputs;
  for (Batch batch = queue_->TakeBatch(); !batch.empty(); batch = queue_->TakeBatch()) {
    const absl::Time start = absl::Now();
    packed.Clear();
    specs.clear();
    for (const BatchItem& item : batch.items) {
      EmbedJob& job = *item.job;
      if (!job.started.exchange(true)) job.first_batch_start = start;
      const SequenceInput& in = job.input(item.index);
      packed.Add(in.ids, in.type_ids);
      specs.push_back(job.spec());
      specs.back().pooling.skip_tokens = in.pool_skip;
    }
    const absl::Status status = EmbedBatch(**session, packed, specs, outputs);
    const absl::Time end = absl::Now();
    if (observer_ != nullptr) {
      observer_->OnBatch(static_cast<int>(batch.items.size()), batch.tokens, end - start);
    }
    if (!status.ok()) {
      ATTN_LOG(ERROR) << "a batch of " << batch.items.size() << " sequences failed: " << status;
    }
    for (size_t i = 0; i < batch.items.size(); ++i) {
      BatchItem& item = batch.items[i];
      if (!status.ok()) {
        Respond(item.job, status);
        continue;
      }
      if (!outputs[i].status.ok()) {  // this input only: the others of the batch are fine
        const absl::Status failed = ForInput(item.index, outputs[i].status);
        ATTN_LOG(ERROR) << failed;
        Respond(item.job, failed);
        continue;
      }
      if (item.job->SetOutput(item.index, std::move(outputs[i]))) {
        item.job->last_batch_end = end;
        Respond(item.job, absl::OkStatus());
      }
    }
  }
}

}  // namespace attnserve::core
