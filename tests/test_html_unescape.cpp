// html_unescape against Python's html.unescape itself (CLIP's tokenizer runs
// it twice on every prompt): every name of the HTML5 entity table, with and
// without ';', as a prefix of a longer word, numeric references of every kind
// and the invalid ones. The expected strings come from Debian's python3.
#include "core/text/html_unescape.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/text/clip_tokenizer.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

// {input: html.unescape(input)} for every case, written by python3 into `dir`.
nlohmann::json python_answers(const std::filesystem::path& dir, std::string* why) {
  const auto script = dir / "cases.py", out = dir / "answers.json";
  std::ofstream(script) << R"(import html, html.entities, json, sys
cases = []
for name in html.entities.html5:
    bare = name.rstrip(';')
    cases += ['&' + name, '&' + bare, '&' + bare + 'x', '&' + bare + ';;', 'a&' + name + 'b', '&amp;' + name]
cases += ['&#%d;' % n for n in list(range(0, 300)) + [0xD800, 0xDFFF, 0xFDD0, 0xFFFE, 0x10FFFF, 0x110000, 0x1FFFE]]
cases += ['&#x%x' % n for n in (0x80, 0x9F, 0x41, 0x1F600)] + ['&#X41;', '&#0x41;', '&#;', '&#x;', '&#', '&',
          '&&amp;', '&#99999999999999999999;', '&#0000065;', '& amp;', '&am', '&copyright', '&notit;', '&notin',
          '&' + 'a' * 40 + ';', '&\u00e9;', 'caf\u00e9 &eacute;t\u00e9', '&amp;copy;', '&#38;copy;', '&lt;&gt;&quot;']
json.dump({c: html.unescape(c) for c in cases}, open(sys.argv[1], 'w'))
)";
  std::string output;
  if (support::run_command("/usr/bin/python3 '" + script.string() + "' '" + out.string() + "'", &output) != 0) {
    *why = "python3 could not run: " + output;
    return {};
  }
  return nlohmann::json::parse(std::ifstream(out));
}

}  // namespace

TEST(HtmlUnescape, MatchesPythonOnTheWholeEntityTable) {
  support::TempDir dir;
  std::string why;
  const nlohmann::json answers = python_answers(dir.path(), &why);
  ASSERT_FALSE(answers.empty()) << why;
  EXPECT_GT(answers.size(), 2231u * 5);
  int wrong = 0;
  for (const auto& [input, expected] : answers.items()) {
    const std::string ours = html_unescape(input);
    if (ours != expected.get<std::string>() && ++wrong <= 10) {
      ADD_FAILURE() << "'" << input << "': python '" << expected.get<std::string>() << "', ours '" << ours << "'";
    }
  }
  EXPECT_EQ(wrong, 0);
}

TEST(HtmlUnescape, CommonCases) {
  EXPECT_EQ(html_unescape("&copy; 2024 &mdash; cat"), "\u00a9 2024 \u2014 cat");
  EXPECT_EQ(html_unescape("&copyright"), "\u00a9right");  // a legacy name as a prefix
  EXPECT_EQ(html_unescape("&notit;"), "\u00acit;");
  EXPECT_EQ(html_unescape("&#128;"), "\u20ac");  // C1 controls read as Windows-1252
  EXPECT_EQ(html_unescape("&#xD800;"), "\ufffd");
  EXPECT_EQ(html_unescape("a&#1;b"), "ab");  // dropped
  EXPECT_EQ(html_unescape("no reference & here"), "no reference & here");
}

TEST(HtmlUnescape, ClipTokensOfEntitiesAreThoseOfTheCharacters) {
  if (support::clip_vocabulary().empty()) GTEST_SKIP() << "../shared/data/clip is not here";
  const ClipTokenizer tokenizer = ClipTokenizer::from_path(support::clip_vocabulary());
  EXPECT_EQ(tokenizer.encode("&copy; 2024 &mdash; a cat"), tokenizer.encode("\u00a9 2024 \u2014 a cat"));
  EXPECT_EQ(tokenizer.encode("caf&eacute; &amp;amp; bar"), tokenizer.encode("caf\u00e9 & bar"));  // twice, as CLIP
}
