// Unicode CLDR's emoji annotations: hand-made files for the reader's rules,
// then Debian's real files (unicode-cldr-core, which scripts/install-deps.sh
// installs) for the languages the built-in model's captions use.
#include "core/data/cldr_annotations.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

std::string file_of(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<ldml>\n\t<annotations>\n" + body + "\t</annotations>\n</ldml>\n";
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string error_of(const std::string& xml) {
  try {
    parse_cldr_annotations(xml, "test.xml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(CldrAnnotations, ReadsNamesAndKeywordsByEmojiKey) {
  const auto annotations = parse_cldr_annotations(file_of(
      "\t\t<annotation cp=\"🍎\">apple | fruit | red | apple</annotation>\n"
      "\t\t<annotation cp=\"🍎\" type=\"tts\">red apple</annotation>\n"
      "\t\t<annotation cp=\"❤️\">heart | love</annotation> <!-- 2764 -->\n"  // U+FE0F is not in the key
      "\t\t<annotation cp=\"&amp;\" type=\"tts\">ampersand &quot;and&quot; &#x263A;&#9731;</annotation>\n"),
      "test.xml");
  ASSERT_EQ(annotations.count("1f34e"), 1u);
  EXPECT_EQ(annotations.at("1f34e").name, "red apple");
  EXPECT_EQ(annotations.at("1f34e").keywords, (std::vector<std::string>{"apple", "fruit", "red"}));  // each once
  ASSERT_EQ(annotations.count("2764"), 1u);
  EXPECT_EQ(annotations.at("2764").keywords, (std::vector<std::string>{"heart", "love"}));
  EXPECT_EQ(annotations.at("26").name, "ampersand \"and\" ☺☃");
}

TEST(CldrAnnotations, SkipsUnconfirmedAndInheritedEntries) {
  const auto annotations = parse_cldr_annotations(file_of(
      "\t\t<annotation cp=\"🍐\" draft=\"unconfirmed\">pear | fruit</annotation>\n"
      "\t\t<annotation cp=\"🍐\" type=\"tts\" draft=\"contributed\">pear</annotation>\n"
      "\t\t<annotation cp=\"🍋\">↑↑↑</annotation>\n"
      "\t\t<annotation cp=\"🍋\" type=\"tts\">lemon</annotation>\n"
      "\t\t<annotation cp=\"🍌\">banana | ↑↑↑ | yellow</annotation>\n"),
      "test.xml");
  EXPECT_EQ(annotations.at("1f350").name, "pear");
  EXPECT_TRUE(annotations.at("1f350").keywords.empty());
  EXPECT_TRUE(annotations.at("1f34b").keywords.empty());
  EXPECT_EQ(annotations.at("1f34c").keywords, (std::vector<std::string>{"banana", "yellow"}));
}

TEST(CldrAnnotations, DamageIsAnErrorNamingTheLine) {
  EXPECT_NE(error_of(file_of("\t\t<annotation cp=\"🍎\">apple\n")).find("test.xml:4"), std::string::npos);
  EXPECT_NE(error_of(file_of("\t\t<annotation cp=\"🍎\">a &bogus; b</annotation>\n")).find("&bogus;"),
            std::string::npos);
  EXPECT_NE(error_of(file_of("\t\t<annotation cp=\"🍎\">a &#xD800; b</annotation>\n")).find("character reference"),
            std::string::npos);
  // An empty cp (CLDR 41's en.xml has one, "whitespace") is skipped, not an error.
  EXPECT_TRUE(parse_cldr_annotations(file_of("\t\t<annotation cp=\"\">whitespace</annotation>\n"), "t.xml").empty());
  const std::string huge = "\t\t<annotation cp=\"🍎\">" + std::string(1 << 20, 'a') + "</annotation>\n";
  EXPECT_NE(error_of(file_of(huge)).find("longer than"), std::string::npos);
  EXPECT_TRUE(parse_cldr_annotations("", "empty.xml").empty());
}

TEST(CldrAnnotations, DerivedFileCompletesTheMainOne) {
  support::TempDir dir;
  write(dir / "annotations" / "xx.xml", file_of("\t\t<annotation cp=\"👍\" type=\"tts\">thumbs up</annotation>\n"));
  write(dir / "annotationsDerived" / "xx.xml",
        file_of("\t\t<annotation cp=\"👍\" type=\"tts\">overridden</annotation>\n"
                "\t\t<annotation cp=\"👍🏽\" type=\"tts\">thumbs up: medium skin tone</annotation>\n"));
  const auto annotations = load_cldr_language(dir.path(), "xx");
  EXPECT_EQ(annotations.at("1f44d").name, "thumbs up");  // the main file wins
  EXPECT_EQ(annotations.at("1f44d-1f3fd").name, "thumbs up: medium skin tone");
  EXPECT_THROW(load_cldr_language(dir.path(), "yy"), Error);
  EXPECT_THROW(load_cldr_language(dir.path(), "../xx"), Error);
}

TEST(CldrAnnotations, FindsTheFolderOrNamesThePackage) {
  support::TempDir dir;
  setenv("DIFFSCOPE_CLDR_DIR", dir.path().c_str(), 1);
  EXPECT_THROW(find_cldr_common_dir(), Error);  // no annotations/ inside
  std::filesystem::create_directories(dir / "annotations");
  EXPECT_EQ(find_cldr_common_dir(), dir.path());
  unsetenv("DIFFSCOPE_CLDR_DIR");
}

// Debian's files: the six caption languages each name the red apple.
TEST(CldrAnnotations, DebianFilesNameEmojiInTheCaptionLanguages) {
  const auto phrasings = load_phrasings(find_cldr_common_dir(), caption_languages());
  ASSERT_EQ(phrasings.count("1f34e"), 1u);
  std::map<std::string, std::string> names;
  for (const auto& p : phrasings.at("1f34e")) names[p.language] = p.name;
  EXPECT_EQ(names["en"], "red apple");
  EXPECT_EQ(names["zh"], "红苹果");
  EXPECT_EQ(names["de"], "roter Apfel");
  EXPECT_EQ(names["ja"], "赤リンゴ");
  EXPECT_FALSE(names["es"].empty());
  EXPECT_FALSE(names["fr"].empty());
  // Skin tones and families come from annotationsDerived.
  ASSERT_EQ(phrasings.count("1f44d-1f3fd"), 1u);
  EXPECT_EQ(phrasings.at("1f44d-1f3fd")[0].name, "thumbs up: medium skin tone");
  // English keywords keep the name's words and drop crude ones.
  for (const auto& p : phrasings.at("1f34e")) {
    if (p.language == "en") {
      EXPECT_NE(std::find(p.keywords.begin(), p.keywords.end(), "apple"), p.keywords.end());
    }
  }
  EXPECT_GT(phrasings.size(), 3000u);
}
