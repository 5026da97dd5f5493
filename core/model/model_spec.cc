#include "core/model/model_spec.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace attnserve::core {

const std::string* PromptText(const EmbeddingDefaults& d, absl::string_view name) {
  for (const auto& [n, text] : d.prompts) {
    if (n == name) return &text;
  }
  return nullptr;
}

std::string PromptNames(const EmbeddingDefaults& d) {
  if (d.prompts.empty()) return "none";
  std::vector<std::string> names;
  for (const auto& p : d.prompts) names.push_back(p.first);
  return absl::StrJoin(names, ", ");
}

absl::string_view PoolingName(Pooling pooling) {
  switch (pooling) {
    case Pooling::kCls:
      return "cls";
    case Pooling::kMean:
      return "mean";
    case Pooling::kMax:
      return "max";
    case Pooling::kMeanSqrtLen:
      return "mean_sqrt_len";
    case Pooling::kWeightedMean:
      return "weighted_mean";
    case Pooling::kLastToken:
      return "last_token";
  }
  return "?";
}

bool ParsePooling(absl::string_view name, Pooling* pooling) {
  for (Pooling p : {Pooling::kCls, Pooling::kMean, Pooling::kMax, Pooling::kMeanSqrtLen,
                    Pooling::kWeightedMean, Pooling::kLastToken}) {
    if (absl::EqualsIgnoreCase(name, PoolingName(p))) {
      *pooling = p;
      return true;
    }
  }
  return false;
}

absl::string_view TaskName(Task task) {
  switch (task) {
    case Task::kEmbed:
      return "embed";
    case Task::kClassify:
      return "classify";
    case Task::kRerank:
      return "rerank";
  }
  return "?";
}

std::vector<Task> ModelSpec::tasks() const {
  std::vector<Task> t = {Task::kEmbed};
  if (classifier.num_labels() > 0) t.push_back(Task::kClassify);
  if (classifier.num_labels() == 1) t.push_back(Task::kRerank);
  return t;
}

bool ModelSpec::has_task(Task task) const {
  const std::vector<Task> t = tasks();
  return std::find(t.begin(), t.end(), task) != t.end();
}

std::string ModelSpec::TaskList() const {
  return absl::StrJoin(tasks(), ", ",
                       [](std::string* out, Task t) { absl::StrAppend(out, TaskName(t)); });
}

}  // namespace attnserve::core
