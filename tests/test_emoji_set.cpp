#include "core/data/emoji_set.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "tests/support/test_support.h"

using namespace diffscope;

TEST(EmojiSet, BuildsEveryGemojionePngWithCaptions) {
  const ImageSet set = build_gemojione_set(find_gemojione_dir());
  ASSERT_EQ(set.images.size(0), 1794);
  EXPECT_EQ(set.images.sizes(), (at::IntArrayRef{1794, 64, 64, 3}));
  ASSERT_EQ(set.captions.size(), 1794u);
  const auto grin = std::find(set.keys.begin(), set.keys.end(), "1f600");
  ASSERT_NE(grin, set.keys.end());
  EXPECT_EQ(set.captions[grin - set.keys.begin()].rfind("grinning face", 0), 0u);
  for (const auto& caption : set.captions) EXPECT_FALSE(caption.empty());
  // Transparent corners became white (most emoji do not fill their square).
  const at::Tensor corners = set.images.select(1, 0).select(1, 0).to(at::kFloat).mean(1);
  EXPECT_EQ(corners[grin - set.keys.begin()].item<float>(), 255.0f);
  EXPECT_GT((corners == 255).to(at::kFloat).mean().item<float>(), 0.8f);
}

TEST(EmojiSet, SavesLoadsAndRebuildsADamagedCache) {
  support::TempDir dir;
  setenv("DIFFSCOPE_CACHE_DIR", dir.path().c_str(), 1);
  const ImageSet built = load_default_image_set();
  const auto path = default_image_set_path();
  EXPECT_EQ(path.parent_path(), dir.path());
  ASSERT_TRUE(std::filesystem::exists(path));
  const ImageSet loaded = load_image_set(path);
  EXPECT_TRUE(at::equal(loaded.images, built.images));
  EXPECT_EQ(loaded.captions, built.captions);
  EXPECT_EQ(loaded.keys, built.keys);

  std::filesystem::resize_file(path, 1000);  // damage it
  EXPECT_THROW(load_image_set(path), Error);
  EXPECT_TRUE(at::equal(load_default_image_set().images, built.images));
  unsetenv("DIFFSCOPE_CACHE_DIR");
}

TEST(EmojiSet, ModelRangeConversionsInvert) {
  const at::Tensor images = at::randint(0, 256, {2, 4, 5, 3}, at::kByte);
  const at::Tensor model = images_to_model_range(images);
  EXPECT_EQ(model.sizes(), (at::IntArrayRef{2, 3, 4, 5}));
  EXPECT_GE(model.min().item<float>(), -1.0f);
  EXPECT_LE(model.max().item<float>(), 1.0f);
  EXPECT_TRUE(at::equal(model_range_to_images(model), images));
}

TEST(EmojiSet, MissingPackageIsAClearError) {
  setenv("DIFFSCOPE_GEMOJIONE_DIR", "/nonexistent", 1);
  try {
    build_gemojione_set(find_gemojione_dir());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index.json"), std::string::npos);
  }
  unsetenv("DIFFSCOPE_GEMOJIONE_DIR");
}
