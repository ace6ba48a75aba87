// The About box carries the notices of the package's copyright file.
#include "ui/about.h"

#include <gtest/gtest.h>

#include <QRegularExpression>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

// Every licence the Debian copyright file names ("License: X" lines).
std::set<std::string> licences_in_copyright_file() {
  std::ifstream in(DIFFSCOPE_SOURCE_DIR "/packaging/copyright");
  std::set<std::string> licences;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("License: ", 0) == 0) licences.insert(line.substr(9));
  }
  return licences;
}

}  // namespace

TEST(About, NamesEveryLicenceOfTheCopyrightFile) {
  const auto licences = licences_in_copyright_file();
  ASSERT_GE(licences.size(), 3u) << "packaging/copyright unreadable or incomplete";
  const QString about = diffscope::ui::about_html();
  for (const auto& licence : licences) {
    EXPECT_TRUE(about.contains(QString::fromStdString(licence))) << "About box lacks " << licence;
  }
}

TEST(About, CreditsTheArtAndNamesTheModelCameFrom) {
  const QString about = diffscope::ui::about_html();
  for (const char* credit :
       {"EmojiOne", "Ranks.com", "Noto Color Emoji", "Google", "ruby-gemojione", "fonts-noto-color-emoji",
        "Unicode CLDR", "unicode-cldr-core"}) {
    EXPECT_TRUE(about.contains(credit)) << credit;
  }
}
