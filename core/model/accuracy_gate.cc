#include "core/model/accuracy_gate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "core/heads/pooling.h"
#include "core/util/status_macros.h"

namespace attnserve::core {
namespace {

// Varied on purpose: questions, instructions, lists, numbers and units, code, URLs, names,
// other languages and scripts, very short and long inputs. Pairs and triples of them are joined
// below for longer inputs.
constexpr const char* kSentences[] = {
    "The cat sat on the mat.",
    "How do I reset my password if I no longer have access to my email?",
    "Preheat the oven to 180 degrees Celsius and grease a 23 cm round cake tin.",
    "Quarterly revenue rose 12.5% year over year to $4.2 billion, beating analyst estimates.",
    "def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)",
    "SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 10;",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The Treaty of Westphalia in 1648 ended the Thirty Years' War in the Holy Roman Empire.",
    "Is it safe to take ibuprofen together with paracetamol for a fever?",
    "Le chat dort sur le canapé pendant que la pluie tombe dehors.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El tren de las ocho llega con veinte minutos de retraso.",
    "東京は日本の首都です。",
    "Москва — столица России.",
    "Visit https://example.com/docs/v2/getting-started?lang=en#install for details.",
    "Contact support@example.org or call +1 (555) 010-2233 between 9am and 5pm.",
    "ok",
    "Yes!",
    "Why?",
    "The mitochondria is the powerhouse of the cell.",
    "Water boils at 100 °C at sea level, but at lower temperatures at high altitude.",
    "She sells seashells by the seashore, and the shells she sells are surely seashells.",
    ("Terms and conditions: the subscription renews automatically unless cancelled 24 hours "
     "before the end of the current period."),
    "Error: segmentation fault (core dumped) at 0x00007ffd5e8c3a10 in libfoo.so.3",
    "To be, or not to be, that is the question.",
    "The Great Barrier Reef is the world's largest coral reef system, off Queensland, Australia.",
    "1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
    "Alice paid Bob 30 euros for the concert tickets on Friday evening.",
    "Machine learning models can inherit biases present in their training data.",
    "The patient presented with acute chest pain radiating to the left arm.",
    "Mix two cups of flour, one teaspoon of baking soda and a pinch of salt.",
    "The court ruled that the contract was void because one party lacked capacity.",
    "Our flight was cancelled, so we spent the night at the airport hotel.",
    "Neutron stars are so dense that a teaspoon of their matter would weigh billions of tons.",
    "git rebase -i HEAD~3 lets you squash the last three commits into one.",
    "Please find attached the invoice for October; payment is due within 30 days.",
    "The quick brown fox jumps over the lazy dog.",
    "Can you recommend a good book about the history of mathematics?",
    "Inflation expectations remain anchored despite higher energy prices.",
    "A ReLU network with enough hidden units can approximate any continuous function.",
    "Rain is expected tomorrow afternoon with winds up to 40 km/h.",
    "The museum is closed on Mondays and public holidays.",
    "I loved the movie, although the ending felt rushed and predictable.",
    "This product broke after two days. Terrible quality, would not buy again!!!",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
    "The derivative of sin(x) is cos(x), and the integral of 1/x is ln|x| + C.",
    "In 2023, the city planted 15,000 trees along its main avenues.",
    "Keep the receipt in case you need to return the item within 14 days.",
    "Volcanic eruptions can cool the global climate by injecting sulfate aerosols.",
    "{\"id\": 42, \"name\": \"widget\", \"tags\": [\"a\", \"b\"]}",
    "The orchestra performed Beethoven's Ninth Symphony to a sold-out hall.",
    "Turn left at the second roundabout, then continue for about two kilometres.",
    "Antibiotics do not work against viral infections such as the common cold.",
    "A stitch in time saves nine.",
    "The new firmware update fixes a bug that drained the battery overnight.",
    "Children under 12 must be accompanied by an adult.",
    "Dark matter does not emit, absorb or reflect light, which makes it hard to detect.",
    "He scored twice in the final minutes to win the championship.",
    "The library offers free Wi-Fi, printing and study rooms for students.",
    "Compound interest means you earn interest on previously earned interest.",
    "Emojis 🎉🚀 and symbols ©®™ also appear in real user input.",
    "UNITED NATIONS GENERAL ASSEMBLY ADOPTS RESOLUTION ON CLIMATE ACTION",
    "i cant login pls help asap",
    "What is the capital of Australia, and why isn't it Sydney?",
};
constexpr int kNumSentences = static_cast<int>(std::size(kSentences));

// The texts: every sentence alone, then pairs and triples joined (longer inputs), then
// every sentence's first half (shorter ones): 4 x 64 = 256.
std::vector<std::string> CalibrationTexts() {
  std::vector<std::string> texts;
  for (int i = 0; i < kNumSentences; ++i) texts.emplace_back(kSentences[i]);
  for (int i = 0; i < kNumSentences; ++i) {
    texts.push_back(absl::StrCat(kSentences[i], " ", kSentences[(i * 7 + 3) % kNumSentences]));
  }
  for (int i = 0; i < kNumSentences; ++i) {
    texts.push_back(absl::StrCat(kSentences[i], " ", kSentences[(i * 5 + 1) % kNumSentences], " ",
                                 kSentences[(i * 11 + 2) % kNumSentences]));
  }
  for (int i = 0; i < kNumSentences; ++i) {
    const std::string s = kSentences[i];
    size_t cut = s.find(' ', s.size() / 2);
    texts.push_back(cut == std::string::npos ? s : s.substr(0, cut));
  }
  return texts;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0.0, na = 0.0, nb = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  if (na == 0.0 && nb == 0.0) return 1.0;
  if (na == 0.0 || nb == 0.0) return 0.0;
  return dot / std::sqrt(na * nb);
}

// The pooled vector of every input, in order, batches of up to kBatch sequences.
absl::StatusOr<std::vector<std::vector<float>>> Embed(
    const Model& model, const std::vector<std::vector<int32_t>>& inputs) {
  constexpr int kBatch = 32;
  ATTN_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, model.CreateSession());
  const ModelSpec& spec = model.spec();
  PoolingOptions pooling;
  pooling.pooling = spec.defaults.pooling;
  std::vector<std::vector<float>> out;
  for (size_t first = 0; first < inputs.size(); first += kBatch) {
    PackedBatch batch;
    const size_t end = std::min(inputs.size(), first + kBatch);
    for (size_t i = first; i < end; ++i) batch.Add(inputs[i]);
    ATTN_ASSIGN_OR_RETURN(std::span<const float> hidden, session->Forward(batch));
    for (int s = 0; s < batch.num_sequences(); ++s) {
      std::vector<float> v(static_cast<size_t>(PooledDims(pooling, spec.hidden_size)));
      PoolTokens(hidden.data() + batch.begin(s) * spec.hidden_size, batch.length(s),
                 spec.hidden_size, pooling, v);
      out.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace

std::string AccuracyReport::Summary() const {
  return absl::StrFormat("min cosine %.4f, mean %.4f vs fp32 over %s (gate >= %.4g)", min_cosine,
                         mean_cosine, calibration, threshold);
}

absl::StatusOr<std::vector<std::vector<int32_t>>> CalibrationInputs(const ModelSpec& spec,
                                                                    const Tokenizer* tokenizer,
                                                                    std::string* description) {
  std::vector<std::vector<int32_t>> inputs;
  const int max_length = std::max(1, spec.defaults.max_seq_length);
  if (tokenizer != nullptr) {
    TokenizeOptions options;
    options.max_length = max_length;
    options.truncate = true;
    for (const std::string& text : CalibrationTexts()) {
      ATTN_ASSIGN_OR_RETURN(Encoding e, tokenizer->Encode(text, nullptr, options));
      if (!e.ids.empty()) inputs.push_back(std::move(e.ids));
    }
    *description = absl::StrCat(inputs.size(), " built-in sentences");
    return inputs;
  }
  // No tokenizer: ids from a fixed linear congruential sequence (the same on every platform),
  // lengths 2..128 (capped by the model) and ids over the whole vocabulary.
  uint64_t state = 0x2545F4914F6CDD1DULL;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  constexpr int kSequences = 256;
  for (int s = 0; s < kSequences; ++s) {
    const int length = std::min(max_length, 2 + static_cast<int>(next() % 127));
    std::vector<int32_t> ids(static_cast<size_t>(length));
    for (int32_t& id : ids) {
      id = static_cast<int32_t>(next() % static_cast<uint32_t>(spec.vocab_size));
    }
    inputs.push_back(std::move(ids));
  }
  *description = absl::StrCat(inputs.size(), " built-in id sequences");
  return inputs;
}

absl::StatusOr<AccuracyReport> CompareWithReference(
    const Model& candidate, const Model& reference,
    const std::vector<std::vector<int32_t>>& inputs) {
  if (inputs.empty()) return absl::InvalidArgumentError("no calibration inputs");
  ATTN_ASSIGN_OR_RETURN(const auto got, Embed(candidate, inputs));
  ATTN_ASSIGN_OR_RETURN(const auto want, Embed(reference, inputs));
  AccuracyReport r;
  r.dtype = candidate.spec().compute_dtype;
  r.num_inputs = static_cast<int>(inputs.size());
  r.min_cosine = std::numeric_limits<double>::infinity();
  double sum = 0.0;
  for (size_t i = 0; i < got.size(); ++i) {
    double c = Cosine(got[i], want[i]);
    if (!std::isfinite(c)) c = -1.0;  // a NaN vector fails any gate
    r.min_cosine = std::min(r.min_cosine, c);
    sum += c;
  }
  r.mean_cosine = sum / static_cast<double>(got.size());
  return r;
}

}  // namespace attnserve::core
