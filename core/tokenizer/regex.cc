#include "core/tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "absl/strings/str_cat.h"

namespace attnserve::core {
namespace {

// Oniguruma's Unicode members (its doc/RE): \s = U+0009..U+000D, U+0085, Zl, Zp, Zs (PCRE2's
// UCP \s lacks U+0085); \w = Letter, Mark, Nd, Nl, Connector_Punctuation (Unicode's Word: PCRE2's
// lacks Mark and Pc other than '_', and has No, which the reference does not match: U+2460 is
// not \w there); \h = a hexadecimal digit (a horizontal space in PCRE2).
constexpr absl::string_view kSpaceMembers = "\\x{09}-\\x{0D}\\x{85}\\p{Z}";
constexpr absl::string_view kWordMembers = "\\p{L}\\p{M}\\p{Nd}\\p{Nl}\\p{Pc}";
constexpr absl::string_view kHexMembers = "0-9A-Fa-f";

// Per-thread PCRE2 buffers shared by every pattern: match data with one pair of offsets (all
// FindAll needs), and a JIT stack that grows on demand (the default 32 KiB machine stack is
// too small for `\s+(?!\S)` on 100 KB of spaces).
struct ThreadState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* stack = nullptr;
  ThreadState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    stack = pcre2_jit_stack_create(32 * 1024, 16 * 1024 * 1024, nullptr);
    if (context != nullptr && stack != nullptr) {
      pcre2_jit_stack_assign(context, nullptr, stack);
    }
  }
  ~ThreadState() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  ThreadState(const ThreadState&) = delete;
  ThreadState& operator=(const ThreadState&) = delete;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

// Length of the UTF-8 character starting with byte `b` (1 for a stray continuation byte).
size_t Utf8Len(unsigned char b) {
  if (b < 0xC0) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

}  // namespace

absl::StatusOr<std::string> TranslateOnigurumaPattern(absl::string_view p) {
  std::string out;
  out.reserve(p.size() + 32);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[++i];
      if (e == 'Q') {  // \Q...\E: literal text, copied as is
        const size_t stop = p.find("\\E", i + 1);
        const size_t end = stop == absl::string_view::npos ? p.size() : stop + 2;
        absl::StrAppend(&out, "\\Q", p.substr(i + 1, end - i - 1));
        i = end - 1;
        continue;
      }
      absl::string_view members;
      bool negated = false;
      switch (e) {
        case 's': members = kSpaceMembers; break;
        case 'S': members = kSpaceMembers; negated = true; break;
        case 'w': members = kWordMembers; break;
        case 'W': members = kWordMembers; negated = true; break;
        case 'h': members = kHexMembers; break;
        case 'H': members = kHexMembers; negated = true; break;
        default:
          out.push_back('\\');
          out.push_back(e);
          continue;
      }
      if (in_class) {
        if (negated) {
          return absl::InvalidArgumentError(absl::StrCat(
              "\\", std::string(1, e), " inside a character class is not supported"));
        }
        absl::StrAppend(&out, members);
      } else {
        absl::StrAppend(&out, negated ? "[^" : "[", members, "]");
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      // A ']' right after '[' or '[^' is a member, not the end of the class.
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      continue;
    }
    if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      // A POSIX class [:alpha:] inside a class: copy through its closing ":]".
      const size_t stop = p.find(":]", i + 2);
      if (stop != absl::string_view::npos) {
        absl::StrAppend(&out, p.substr(i, stop + 2 - i));
        i = stop + 1;
        continue;
      }
    }
    if (in_class && c == '[') {
      return absl::InvalidArgumentError(
          "nested character classes (Oniguruma set operations) are not supported");
    }
    if (in_class && c == ']') in_class = false;
    out.push_back(c);
  }
  return out;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool Regex::CanMatchEmpty() const {
  uint32_t min_length = 0;
  pcre2_pattern_info(static_cast<const pcre2_code*>(code_), PCRE2_INFO_MINLENGTH, &min_length);
  return min_length == 0;
}

absl::StatusOr<std::unique_ptr<Regex>> Regex::Compile(absl::string_view pattern,
                                                      absl::string_view where) {
  absl::StatusOr<std::string> translated = TranslateOnigurumaPattern(pattern);
  if (!translated.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": regex '", pattern,
                                                   "': ", translated.status().message()));
  }
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated->data()), translated->size(),
                    PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return absl::InvalidArgumentError(absl::StrCat(where, ": regex '", pattern,
                                                   "' does not compile: ",
                                                   reinterpret_cast<const char*>(message)));
  }
  std::unique_ptr<Regex> r(new Regex());
  r->pattern_ = std::string(pattern);
  r->code_ = code;
  // Without JIT support (some architectures) the interpreter gives the same matches.
  r->jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  return r;
}

absl::StatusOr<std::unique_ptr<Regex>> Regex::Literal(absl::string_view literal,
                                                      absl::string_view where) {
  // \Q...\E quotes everything but "\E" itself, which is spelled \\E outside the quote.
  std::string p;
  size_t i = 0;
  while (i < literal.size()) {
    const size_t stop = literal.find("\\E", i);
    const absl::string_view part = literal.substr(i, stop == absl::string_view::npos
                                                         ? absl::string_view::npos
                                                         : stop - i);
    if (!part.empty()) absl::StrAppend(&p, "\\Q", part, "\\E");
    if (stop == absl::string_view::npos) break;
    absl::StrAppend(&p, "\\\\E");
    i = stop + 2;
  }
  std::unique_ptr<Regex> r;
  {
    absl::StatusOr<std::unique_ptr<Regex>> c = Compile(p, where);
    if (!c.ok()) return c.status();
    r = std::move(*c);
  }
  r->pattern_ = std::string(literal);
  return r;
}

void Regex::FindAll(absl::string_view text, std::vector<RegexMatch>& out) const {
  auto* const code = static_cast<const pcre2_code*>(code_);
  ThreadState& st = State();
  if (st.data == nullptr) return;  // out of memory at thread start: no matches
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const size_t n = text.size();
  size_t pos = 0;
  bool have_last = false;
  size_t last_end = 0;
  while (pos <= n) {
    int rc = jit_ ? pcre2_jit_match(code, subject, n, pos, 0, st.data, st.context)
                  : PCRE2_ERROR_JIT_BADOPTION;
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_JIT_BADOPTION) {
      // The interpreter keeps its backtracking on the heap: slower, same result.
      rc = pcre2_match(code, subject, n, pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, st.data,
                       st.context);
    }
    if (rc < 0) return;  // no match (or a limit): no more matches
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(st.data);
    const size_t s = ov[0], e = ov[1];
    if (s == e && have_last && last_end == e) {
      // As onig's find_iter: an empty match touching the previous one is skipped.
      if (pos >= n) return;
      pos += Utf8Len(static_cast<unsigned char>(text[pos]));
      continue;
    }
    out.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(e)});
    have_last = true;
    last_end = e;
    pos = e;
    if (s == e) {
      // onig resumes at e and then skips the empty match found there again; same thing.
      if (pos >= n) return;
    }
  }
}

}  // namespace attnserve::core
