// Prompts read as the nearest caption the built-in model was trained on
// (core/models/ldm/nearest_caption.h), alone and inside the tokenizer.
#include "core/models/ldm/nearest_caption.h"

#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/models/ldm/word_tokenizer.h"

using namespace diffscope;
using namespace diffscope::ldm;

namespace {

using Words = std::vector<std::string>;

// A small catalogue in the shape the trainer writes (one phrase of each
// emoji's words: its keywords and CLDR words in several languages).
const CaptionPhrases kCaptions = {
    {"dog face", {"animal dog face pet puppy hund perro"}},
    {"dog", {"animal dog pet hund perro"}},
    {"cat face", {"animal cat face kitten pet katze"}},
    {"red apple", {"apple fruit red manzana apfel"}},
    {"green apple", {"apple fruit green manzana"}},
    {"automobile", {"car vehicle auto coche"}},
    {"tram car", {"car tram vehicle"}},
    {"strawberry", {"berry fruit fresa"}},
    {"banana", {"fruit yellow 香 蕉 黄 バ ナ ナ"}},
    {"face blowing a kiss", {"face kiss love"}},
};
const Words kStyles = {"emojione", "noto"};

Words unicode_words(const std::string& text) { return split_words(text, WordSplit::Unicode); }

NearestCaption index() { return NearestCaption(kCaptions, kStyles, unicode_words); }

// The caption's words and the prompt's style words, or "(as written)".
Words read(const NearestCaption& nearest, const std::string& prompt) {
  const auto found = nearest.match(unicode_words(prompt));
  if (!found) return {"(as written)"};
  Words words = unicode_words(found->name);
  words.insert(words.end(), found->styles.begin(), found->styles.end());
  return words;
}

}  // namespace

TEST(NearestCaption, ReadsADescriptionAsTheEmojiItDescribes) {
  const NearestCaption nearest = index();
  EXPECT_EQ(read(nearest, "a happy puppy"), (Words{"dog", "face"}));
  EXPECT_EQ(read(nearest, "a little kitten"), (Words{"cat", "face"}));
  EXPECT_EQ(read(nearest, "apple red"), (Words{"red", "apple"}));  // a new word order
  EXPECT_EQ(read(nearest, "ein Hund"), (Words{"dog"}));            // another language's keyword; the plainer emoji
  EXPECT_EQ(read(nearest, "一根黄色的香蕉"), (Words{"banana"}));   // character by character
  EXPECT_EQ(read(nearest, "黄色いバナナ"), (Words{"banana"}));
  const auto found = nearest.match(split_words("a happy puppy, noto"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "dog face");
  EXPECT_EQ(found->styles, (Words{"noto"}));    // the style word is kept
  EXPECT_EQ(found->matched, (Words{"puppy"}));  // what chose it, as written
}

TEST(NearestCaption, KeepsWhatIsAlreadyACaption) {
  const NearestCaption nearest = index();
  for (const char* prompt : {"red apple", "Red Apple, noto", "a red apple", "the dog face", "emojione dog",
                             "face blowing a kiss", "strawberries"}) {
    EXPECT_EQ(read(nearest, prompt), Words{"(as written)"}) << prompt;
  }
  // Nothing to match: no words, only style words, only words no emoji holds.
  for (const char* prompt : {"", "noto", "4k high quality", "a of the"}) {
    EXPECT_EQ(read(nearest, prompt), Words{"(as written)"}) << prompt;
  }
}

TEST(NearestCaption, PluralsAndCoverageChooseTheEmoji) {
  const NearestCaption nearest = index();
  EXPECT_EQ(read(nearest, "two puppies"), (Words{"dog", "face"}));
  EXPECT_EQ(read(nearest, "fresh strawberries, emojione"), (Words{"strawberry", "emojione"}));
  // Both apples hold "apple" and "fruit"; the colour the prompt names decides.
  EXPECT_EQ(read(nearest, "a green fruit apple"), (Words{"green", "apple"}));
  EXPECT_EQ(read(nearest, "fruit apple red"), (Words{"red", "apple"}));
}

TEST(NearestCaption, AnEmptyIndexReadsEveryPromptAsWritten) {
  const NearestCaption none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.match(split_words("a happy puppy")).has_value());
  EXPECT_THROW(NearestCaption({{"!!", {"x"}}}, {}, unicode_words), Error);
}

TEST(NearestCaption, TheTokenizerReadsTheCaptionAndReportsIt) {
  const Words captions = {"dog face, animal, pet, noto", "red apple, fruit, noto", "cat face, noto"};
  const WordTokenizer plain(build_vocabulary(captions), 8);
  const WordTokenizer reading(build_vocabulary(captions), 8, WordSplit::Bytes, {}, kCaptions, kStyles);
  // "puppy" is no caption word: left out as written, read through the index.
  EXPECT_EQ(plain.read_words("a happy puppy, noto"), (Words{"noto"}));
  EXPECT_EQ(reading.read_words("a happy puppy, noto"), (Words{"dog", "face", "noto"}));
  // The index cuts by the Unicode rule, the model by its own (bytes here).
  EXPECT_EQ(reading.read_words("一只小狗, noto"), (Words{"noto"}));  // 狗 is in no emoji's words here
  EXPECT_EQ(reading.encode("a happy puppy, noto"), plain.encode("dog face noto"));
  ASSERT_TRUE(reading.nearest_caption("a happy puppy").has_value());
  EXPECT_EQ(reading.nearest_caption("a happy puppy")->name, "dog face");
  EXPECT_FALSE(reading.nearest_caption("red apple, noto").has_value());
  EXPECT_EQ(reading.encode("red apple, noto"), plain.encode("red apple, noto"));
  // Switched off, the tokenizer reads every prompt as written, as one without an index.
  WordTokenizer switchable = reading;
  switchable.set_nearest_caption(false);
  EXPECT_FALSE(switchable.reads_nearest_caption());
  EXPECT_FALSE(switchable.nearest_caption("a happy puppy").has_value());
  EXPECT_EQ(switchable.read_words("a happy puppy, noto"), plain.read_words("a happy puppy, noto"));
  switchable.set_nearest_caption(true);
  EXPECT_EQ(switchable.read_words("a happy puppy, noto"), (Words{"dog", "face", "noto"}));
  EXPECT_FALSE(plain.reads_nearest_caption());
  // The index may name an emoji whose words the vocabulary lacks (a model
  // trained on fewer images): those words are still left out, never <unk>.
  EXPECT_EQ(reading.nearest_caption("a tram")->name, "tram car");
  EXPECT_TRUE(reading.read_words("a tram").empty());
}
