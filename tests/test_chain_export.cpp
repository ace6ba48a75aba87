// Chain export, read back with independent readers: giflib's decoder for GIF,
// OpenCV's VideoCapture for MP4, Qt's PNG reader for the sequence.
#include "ui/chain_export.h"

#include <ATen/ATen.h>
#include <gif_lib.h>
#include <gtest/gtest.h>

#include <QFileInfo>
#include <opencv2/videoio.hpp>

#include "core/common/errors.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using namespace diffscope::ui;

namespace {

// Frames of one flat colour each, so that every frame is recognisable.
QVector<QImage> coloured_frames(int count, int w, int h) {
  QVector<QImage> frames;
  for (int i = 0; i < count; ++i) {
    QImage f(w, h, QImage::Format_RGB888);
    f.fill(QColor(40 * i % 256, 255 - 30 * i % 256, 128));
    frames.push_back(f);
  }
  return frames;
}

QString q(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

TEST(ChainExport, GifHasOneFramePerStepAndTheirColours) {
  support::TempDir dir;
  const auto frames = coloured_frames(7, 16, 16);
  write_chain_gif(q(dir / "chain.gif"), frames, {.scale = 2, .frame_ms = 50});
  int error = 0;
  GifFileType* gif = DGifOpenFileName((dir / "chain.gif").c_str(), &error);
  ASSERT_NE(gif, nullptr);
  ASSERT_EQ(DGifSlurp(gif), GIF_OK);
  EXPECT_EQ(gif->ImageCount, 7);
  EXPECT_EQ(gif->SWidth, 32);
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
    ASSERT_NE(map, nullptr);
    const GifColorType c = map->Colors[image.RasterBits[0]];
    const QColor expected = frames[i].pixelColor(0, 0);
    EXPECT_NEAR(c.Red, expected.red(), 8);
    EXPECT_NEAR(c.Green, expected.green(), 8);
    EXPECT_NEAR(c.Blue, expected.blue(), 8);
  }
  DGifCloseFile(gif, &error);
}

TEST(ChainExport, Mp4HasOneFramePerStepWithOddSizesPadded) {
  support::TempDir dir;
  const auto frames = coloured_frames(9, 15, 11);  // odd sides: H.264 needs even
  write_chain_mp4(q(dir / "chain.mp4"), frames, {.scale = 3, .frame_ms = 100});
  cv::VideoCapture video((dir / "chain.mp4").string());
  ASSERT_TRUE(video.isOpened());
  int count = 0;
  cv::Mat frame;
  while (video.read(frame)) {
    EXPECT_EQ(frame.cols, 46);  // 45 padded to even
    EXPECT_EQ(frame.rows, 34);  // 33 padded to even
    ++count;
  }
  EXPECT_EQ(count, 9);
  // Nothing but the video is left in the folder (no partial files).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(ChainExport, PngSequenceNeverOverwrites) {
  support::TempDir dir;
  const auto frames = coloured_frames(3, 8, 8);
  const QStringList paths = write_chain_png_sequence(q(dir.path()), "run", frames, {.scale = 1});
  ASSERT_EQ(paths.size(), 3);
  EXPECT_TRUE(paths[2].endsWith("run-002.png"));
  EXPECT_EQ(QImage(paths[1]).pixelColor(0, 0), frames[1].pixelColor(0, 0));
  EXPECT_THROW({ write_chain_png_sequence(q(dir.path()), "run", frames); }, Error);
}

TEST(ChainExport, RefusesEmptyChainsAndUnwritablePlaces) {
  support::TempDir dir;
  EXPECT_THROW({ write_chain_gif(q(dir / "a.gif"), {}); }, Error);
  EXPECT_THROW({ write_chain_gif(q(dir / "missing" / "a.gif"), coloured_frames(2, 8, 8)); }, Error);
  EXPECT_THROW({ write_chain_mp4(q(dir / "missing" / "a.mp4"), coloured_frames(2, 8, 8)); }, Error);
  EXPECT_FALSE(QFileInfo::exists(q(dir / "a.gif")));
}
