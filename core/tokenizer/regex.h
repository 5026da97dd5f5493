// Regex: the regular expressions of tokenizer.json (Split and Replace patterns, ByteLevel's GPT-2
// pattern) with the matching semantics of the Rust crate, which runs them with Oniguruma: UTF-8,
// Unicode classes (\p{L}, \p{N}, ...), and Oniguruma's meaning of \s, \S, \w, \W, \h, \H (the
// pattern is translated at load so that PCRE2 agrees), and onig's find_iter (an empty match
// right after the previous match is skipped).
//
// Backed by PCRE2 (libpcre2-8) compiled once at load, with JIT when available; each thread owns
// one match block and one JIT stack, shared by every pattern (no allocation per call).
#ifndef ATTNSERVE_CORE_TOKENIZER_REGEX_H_
#define ATTNSERVE_CORE_TOKENIZER_REGEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace attnserve::core {

// A byte range [start, end) of the searched text.
struct RegexMatch {
  uint32_t start;
  uint32_t end;
};

// Immutable after Compile(); FindAll is thread-safe. Owns the compiled pattern.
class Regex {
 public:
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Compiles an Oniguruma-style pattern (as written in tokenizer.json). InvalidArgument naming
  // `where` (e.g. "tokenizer.json: pre_tokenizer.pattern.Regex") and the pattern on a syntax
  // error or a construct whose meaning would differ from Oniguruma's.
  static absl::StatusOr<std::unique_ptr<Regex>> Compile(absl::string_view pattern,
                                                        absl::string_view where);
  // The pattern matching `literal` exactly (tokenizer.json's {"String": ...} patterns).
  static absl::StatusOr<std::unique_ptr<Regex>> Literal(absl::string_view literal,
                                                        absl::string_view where);

  // Appends the matches of the pattern in `text` (valid UTF-8), in order, not overlapping, as
  // onig's find_iter: the search resumes at the end of each match, an empty match that touches
  // the previous match's end is skipped. Offsets are bytes of `text`. Lookbehinds see nothing
  // before text.data(). If PCRE2 gives up (its match limit, on a pathological pattern), the
  // rest of the text has no matches. Never allocates once the thread's buffers exist.
  void FindAll(absl::string_view text, std::vector<RegexMatch>& out) const;

  const std::string& pattern() const { return pattern_; }
  // True when some match may be empty (PCRE2's lower bound on a match's length is 0).
  bool CanMatchEmpty() const;

 private:
  Regex() = default;
  std::string pattern_;  // as written in tokenizer.json
  void* code_ = nullptr;  // pcre2_code_8*
  bool jit_ = false;
};

// Oniguruma's \s, \S, \w, \W, \h, \H rewritten into PCRE2 (UCP) classes with the same members.
// Exposed for tests. InvalidArgument for \S, \W or \H inside a character class.
absl::StatusOr<std::string> TranslateOnigurumaPattern(absl::string_view pattern);

}  // namespace attnserve::core

#endif  // ATTNSERVE_CORE_TOKENIZER_REGEX_H_
