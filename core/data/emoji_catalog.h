#pragma once
// The emoji catalogue behind the built-in model's data set: Unicode's
// emoji-test.txt (Debian's unicode-data) gives every fully-qualified emoji
// sequence its CLDR name; both art styles (EmojiOne PNGs, Noto Color Emoji)
// are keyed by the code-point sequence without U+FE0F, so that one emoji
// carries one name whatever its style.
#include <filesystem>
#include <string>
#include <vector>

namespace diffscope {

struct EmojiInfo {
  std::string key;          // "1f468-200d-1f469", lower-case hex, U+FE0F dropped
  std::u32string sequence;  // fully-qualified, as a font needs it
  std::string name;         // CLDR short name, e.g. "baby: dark skin tone"
  std::string group, subgroup;
};

// "1F600 FE0F" or "1f600-fe0f" → code points; Error on anything else.
std::u32string parse_code_points(const std::string& hex_list);
// The key of a sequence: lower-case hex joined by '-', without U+FE0F.
std::string emoji_key(const std::u32string& sequence);

// The fully-qualified entries of an emoji-test.txt, in file order.
std::vector<EmojiInfo> parse_emoji_test(const std::filesystem::path& path);
// $DIFFSCOPE_EMOJI_TEST, else unicode-data's file; Error naming the package.
std::filesystem::path find_emoji_test_file();

// Keywords fit for a caption: lower-case, without duplicates, words already in
// the name, or crude ones.
std::vector<std::string> clean_keywords(const std::vector<std::string>& keywords, const std::string& name);
// "grinning face, grin, happy, emojione": name, keywords, style word last.
std::string pair_caption(const std::string& name, const std::vector<std::string>& keywords, const std::string& style);

// The evaluation split: a fixed ~10 % of the emoji drawn in both styles are
// trained in one style only (the one returned); the other style is held out.
bool is_style_held_out_emoji(const std::string& key);
std::string trained_style_of_held_out(const std::string& key);  // "emojione" or "noto"

}  // namespace diffscope
