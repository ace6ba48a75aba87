#include "ui/tensor_image.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using namespace diffscope::ui;

TEST(TensorImage, BatchIsLaidOutSideBySideWithGaps) {
  at::Tensor images = at::full({3, 3, 4, 5}, -1.0);  // black
  images[1].fill_(1.0);                              // white
  const QImage out = batch_image(images);
  EXPECT_EQ(out.size(), QSize(3 * 5 + 2 * 2, 4));
  EXPECT_EQ(out.pixelColor(0, 0), QColor(Qt::black));
  EXPECT_EQ(out.pixelColor(7, 0), QColor(Qt::white));   // image 1 starts at 5 + 2
  EXPECT_EQ(out.pixelColor(14, 3), QColor(Qt::black));  // image 2 starts at 14
}

TEST(TensorImage, NoiseMapsPlusMinusThreeToTheFullRange) {
  at::Tensor eps = at::zeros({1, 3, 2, 2});
  eps[0][0][0][0] = 3.0;
  eps[0][1][0][0] = -3.0;
  const QImage out = noise_image(eps);
  EXPECT_EQ(out.pixelColor(0, 0), QColor(255, 0, 128));
}

TEST(TensorImage, ChannelTilesUseADivergingMapPerChannel) {
  at::Tensor latents = at::zeros({1, 4, 2, 2});
  latents[0][0][0][0] = 5.0;   // channel 0: its own maximum → full red
  latents[0][3][1][1] = -0.1;  // channel 3: its own maximum magnitude → full blue
  const QImage out = channel_tiles(latents);
  EXPECT_EQ(out.size(), QSize(2 * 2 + 2, 2 * 2 + 2));  // 2×2 grid of 2×2 tiles
  EXPECT_EQ(out.pixelColor(0, 0), QColor(255, 0, 0));
  EXPECT_EQ(out.pixelColor(1, 1), QColor(Qt::white));          // zero
  EXPECT_EQ(out.pixelColor(4 + 1, 4 + 1), QColor(0, 0, 255));  // tile 3 at (4, 4)
}

TEST(TensorImage, HwcCopiesPixels) {
  at::Tensor hwc = at::zeros({2, 3, 3}, at::kByte);
  hwc[1][2][0] = 200;
  const QImage out = image_from_hwc(hwc);
  EXPECT_EQ(out.pixelColor(2, 1), QColor(200, 0, 0));
}
