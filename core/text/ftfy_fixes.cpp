#include "core/text/ftfy_fixes.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <unordered_map>

#include "core/common/errors.h"
#include "core/text/html_unescape.h"

namespace diffscope {
namespace {

struct WidthForm {
  char32_t code;
  const char* value;
};
#include "ftfy_tables.inc"  // generated: kC1AsWindows1252, kWidthForms

constexpr int kMaxRounds = 64;
constexpr size_t kMaxSegment = 1'000'000;  // ftfy's max_decode_length, in code points

std::u32string to_utf32(const std::string& utf8) {
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
  std::u32string out(static_cast<size_t>(text.countChar32()), U'\0');
  UErrorCode status = U_ZERO_ERROR;
  text.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), status);
  if (U_FAILURE(status)) throw Error(std::string("text cleaning: ") + u_errorName(status));
  return out;
}

std::string to_utf8(const std::u32string& utf32) {
  std::string out;
  icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(utf32.data()), static_cast<int32_t>(utf32.size()))
      .toUTF8String(out);
  return out;
}

// Latin ligatures and digraphs ftfy takes apart (fix_latin_ligatures).
const std::unordered_map<char32_t, std::u32string>& ligatures() {
  static const std::unordered_map<char32_t, std::u32string> table = {
      {U'Ĳ', U"IJ"},  {U'ĳ', U"ij"},  {U'ŉ', U"ʼn"}, {U'Ǳ', U"DZ"}, {U'ǲ', U"Dz"}, {U'ǳ', U"dz"},
      {U'Ǆ', U"DŽ"},  {U'ǅ', U"Dž"},  {U'ǆ', U"dž"}, {U'Ǉ', U"LJ"}, {U'ǈ', U"Lj"}, {U'ǉ', U"lj"},
      {U'Ǌ', U"NJ"},  {U'ǋ', U"Nj"},  {U'ǌ', U"nj"}, {U'ﬀ', U"ff"}, {U'ﬁ', U"fi"}, {U'ﬂ', U"fl"},
      {U'ﬃ', U"ffi"}, {U'ﬄ', U"ffl"}, {U'ﬅ', U"ſt"}, {U'ﬆ', U"st"}};
  return table;
}

const std::unordered_map<char32_t, std::u32string>& width_forms() {
  static const auto* table = [] {
    auto* map = new std::unordered_map<char32_t, std::u32string>;
    for (const WidthForm& form : kWidthForms) map->emplace(form.code, to_utf32(form.value));
    return map;
  }();
  return *table;
}

// ftfy's control characters to remove (remove_control_chars); whitespace,
// C1 controls, joiners, bidi marks and tag characters stay.
bool is_stray_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One character through fix_c1_controls, fix_latin_ligatures,
// fix_character_width and uncurl_quotes, in ftfy's order.
void map_character(char32_t c, std::u32string& out) {
  if (c < 0x80) {  // ASCII passes all four unchanged
    out += c;
    return;
  }
  std::u32string current(1, c);
  if (c >= 0x80 && c <= 0x9F) current = to_utf32(kC1AsWindows1252[c - 0x80]);
  std::u32string next;
  for (char32_t x : current) {
    const auto it = ligatures().find(x);
    next += it == ligatures().end() ? std::u32string(1, x) : it->second;
  }
  current.swap(next);
  next.clear();
  for (char32_t x : current) {
    const auto it = width_forms().find(x);
    next += it == width_forms().end() ? std::u32string(1, x) : it->second;
  }
  for (char32_t x : next) {
    if (x == 0x02BC || (x >= 0x2018 && x <= 0x201B)) x = U'\'';
    if (x >= 0x201C && x <= 0x201F) x = U'"';
    out += x;
  }
}

std::u32string fix_line_breaks(const std::u32string& text) {
  std::u32string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\r' && i + 1 < text.size() && text[i + 1] == U'\n') continue;  // CRLF → the LF that follows
    out += (c == U'\r' || c == 0x2028 || c == 0x2029 || c == 0x85) ? U'\n' : c;
  }
  return out;
}

// "\033[" + Unicode decimal digits or ';' + an ASCII letter, removed.
std::u32string remove_terminal_escapes(const std::u32string& text) {
  std::u32string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == U'[') {
      size_t k = i + 2;
      while (k < text.size() &&
             (text[k] == U';' || u_charType(static_cast<UChar32>(text[k])) == U_DECIMAL_DIGIT_NUMBER))
        ++k;
      if (k < text.size() && ((text[k] | 0x20) >= U'a' && (text[k] | 0x20) <= U'z')) {
        i = k + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::u32string nfc(const std::u32string& text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw Error(std::string("loading NFC: ") + u_errorName(status));
  const icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()), static_cast<int32_t>(text.size()));
  const icu::UnicodeString normal = normalizer->normalize(unicode, status);
  if (U_FAILURE(status)) throw Error(std::string("NFC normalisation: ") + u_errorName(status));
  std::string utf8;
  normal.toUTF8String(utf8);
  return to_utf32(utf8);
}

// One round of ftfy's fix_and_explain, fix_encoding left out.
std::u32string fix_round(const std::u32string& text, bool unescape_html) {
  std::u32string current = unescape_html ? to_utf32(ftfy_unescape_html(to_utf8(text))) : text;
  std::u32string mapped;
  mapped.reserve(current.size());
  for (char32_t c : current) map_character(c, mapped);
  current = remove_terminal_escapes(fix_line_breaks(mapped));
  current.erase(std::remove_if(current.begin(), current.end(), is_stray_control), current.end());
  return nfc(current);
}

}  // namespace

std::string ftfy_fix_text(const std::string& text) {
  const std::u32string all = to_utf32(text);
  std::u32string out;
  bool unescape_html = true;  // ftfy's "auto": off from the first line holding '<' on
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t newline = all.find(U'\n', pos);
    size_t end = newline == std::u32string::npos ? all.size() : newline + 1;
    end = std::min(end, pos + kMaxSegment);
    std::u32string segment = all.substr(pos, end - pos);
    if (segment.find(U'<') != std::u32string::npos) unescape_html = false;
    for (int round = 0; round < kMaxRounds; ++round) {
      std::u32string fixed = fix_round(segment, unescape_html);
      if (fixed == segment) break;
      segment.swap(fixed);
    }
    out += segment;
    pos = end;
  }
  return to_utf8(out);
}

}  // namespace diffscope
