#include "core/model/registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "core/model/bert/bert_family.h"
#include "core/model/distilbert/distilbert_family.h"
#include "core/model/modernbert/modernbert_family.h"
#include "core/model/mpnet/mpnet_family.h"
#include "core/model/qwen3/qwen3_family.h"
#include "core/model/roberta/roberta_family.h"

namespace attnserve::core {
namespace {

// One line per family. (An explicit list rather than self-registering static objects: those
// are dropped by the linker from a static library unless something references them.)
const std::vector<const ModelFamily*>& Families() {
  static const std::vector<const ModelFamily*> families = {
      &BertFamily(),
      &RobertaFamily(),
      &DistilBertFamily(),
      &ModernBertFamily(),
      &MpnetFamily(),
      &Qwen3Family(),
  };
  return families;
}

}  // namespace

absl::StatusOr<const ModelFamily*> FindModelFamily(absl::string_view model_type,
                                                   absl::string_view source) {
  for (const ModelFamily* f : Families()) {
    for (const std::string& t : f->model_types()) {
      if (t == model_type) return f;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(source, ": model_type \"", model_type, "\" is not supported (supported: ",
                   absl::StrJoin(SupportedModelTypes(), ", "), ")"));
}

std::vector<std::string> SupportedModelTypes() {
  std::vector<std::string> types;
  for (const ModelFamily* f : Families()) {
    for (std::string& t : f->model_types()) types.push_back(std::move(t));
  }
  std::sort(types.begin(), types.end());
  return types;
}

}  // namespace attnserve::core
