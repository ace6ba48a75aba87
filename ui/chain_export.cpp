#include "ui/chain_export.h"

#include <gif_lib.h>

#include <QDir>
#include <QFileInfo>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <filesystem>
#include <memory>
#include <vector>

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

namespace diffscope::ui {
namespace {

std::filesystem::path to_path(const QString& path) { return std::filesystem::path(path.toStdString()); }

// A hidden partial file beside the destination that keeps its extension,
// because FFmpeg and Qt pick the format from it.
std::filesystem::path partial_keeping_suffix(const std::filesystem::path& destination, const char* suffix) {
  std::string name = ".";
  name += partial_path_for(destination).filename().string();
  name += suffix;
  return destination.parent_path() / name;
}

void check_frames(const QVector<QImage>& frames) {
  if (frames.isEmpty()) throw Error("there are no steps to export");
  for (const QImage& f : frames) {
    if (f.isNull() || f.size() != frames.front().size()) throw Error("the steps' images differ in size");
  }
}

std::string gif_error(int code) {
  const char* text = GifErrorString(code);
  return text ? text : "unknown giflib error";
}

struct GifCloser {
  void operator()(GifFileType* gif) const {
    int error = 0;
    if (gif) EGifCloseFile(gif, &error);
  }
};

// giflib's median-cut quantiser wants separate colour planes.
void put_gif_frame(GifFileType* gif, const QImage& rgb, int delay_cs) {
  const int w = rgb.width(), h = rgb.height();
  std::vector<GifByteType> r(size_t(w) * h), g(r.size()), b(r.size()), indices(r.size());
  for (int y = 0; y < h; ++y) {
    const uchar* line = rgb.constScanLine(y);
    for (int x = 0; x < w; ++x) {
      const size_t i = size_t(y) * w + x;
      r[i] = line[3 * x];
      g[i] = line[3 * x + 1];
      b[i] = line[3 * x + 2];
    }
  }
  int colours = 256;
  std::vector<GifColorType> palette(256);
  if (GifQuantizeBuffer(unsigned(w), unsigned(h), &colours, r.data(), g.data(), b.data(), indices.data(),
                        palette.data()) == GIF_ERROR) {
    throw Error("GIF export: cannot reduce a frame to 256 colours");
  }
  GraphicsControlBlock control{};
  control.DisposalMode = DISPOSE_DO_NOT;
  control.DelayTime = delay_cs;
  control.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType extension[4];
  EGifGCBToExtension(&control, extension);
  std::unique_ptr<ColorMapObject, void (*)(ColorMapObject*)> map(GifMakeMapObject(256, palette.data()),
                                                                 GifFreeMapObject);
  if (!map || EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, extension) == GIF_ERROR ||
      EGifPutImageDesc(gif, 0, 0, w, h, false, map.get()) == GIF_ERROR) {
    throw Error("GIF export: " + gif_error(gif->Error));
  }
  for (int y = 0; y < h; ++y) {
    if (EGifPutLine(gif, indices.data() + size_t(y) * w, w) == GIF_ERROR) {
      throw Error("GIF export: " + gif_error(gif->Error));
    }
  }
}

}  // namespace

QImage export_frame(const QImage& frame, int scale) {
  const int s = std::max(1, scale);
  return frame.convertToFormat(QImage::Format_RGB888)
      .scaled(frame.width() * s, frame.height() * s, Qt::IgnoreAspectRatio, Qt::FastTransformation);
}

void write_chain_gif(const QString& path, const QVector<QImage>& frames, const ChainExportOptions& options) {
  check_frames(frames);
  const auto destination = to_path(path);
  const auto partial = partial_path_for(destination);
  try {
    int error = 0;
    std::unique_ptr<GifFileType, GifCloser> gif(EGifOpenFileName(partial.c_str(), false, &error));
    if (!gif) throw Error("cannot write " + path.toStdString() + ": " + gif_error(error));
    const QImage first = export_frame(frames.front(), options.scale);
    EGifSetGifVersion(gif.get(), true);
    if (EGifPutScreenDesc(gif.get(), first.width(), first.height(), 8, 0, nullptr) == GIF_ERROR) {
      throw Error("GIF export: " + gif_error(gif->Error));
    }
    // NETSCAPE2.0 application block: loop forever.
    const GifByteType loop[] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0") == GIF_ERROR ||
        EGifPutExtensionBlock(gif.get(), 3, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif.get()) == GIF_ERROR) {
      throw Error("GIF export: " + gif_error(gif->Error));
    }
    const int delay_cs = std::max(2, options.frame_ms / 10);
    for (int i = 0; i < frames.size(); ++i) {
      put_gif_frame(gif.get(), export_frame(frames[i], options.scale),
                    i + 1 == frames.size() ? 10 * delay_cs : delay_cs);
    }
    GifFileType* raw = gif.release();
    if (EGifCloseFile(raw, &error) == GIF_ERROR) throw Error("GIF export: " + gif_error(error));
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial, ignored);
    throw;
  }
  commit_partial(partial, destination);
}

void write_chain_mp4(const QString& path, const QVector<QImage>& frames, const ChainExportOptions& options) {
  check_frames(frames);
  const auto destination = to_path(path);
  const auto partial = partial_keeping_suffix(destination, ".mp4");
  const QImage first = export_frame(frames.front(), options.scale);
  // H.264 needs even sides: pad with white.
  const cv::Size size(first.width() + first.width() % 2, first.height() + first.height() % 2);
  const double fps = 1000.0 / std::max(1, options.frame_ms);
  cv::VideoWriter writer;
  for (const char* codec : {"avc1", "mp4v"}) {
    const int fourcc = cv::VideoWriter::fourcc(codec[0], codec[1], codec[2], codec[3]);
    if (writer.open(partial.string(), cv::CAP_FFMPEG, fourcc, fps, size)) break;
  }
  if (!writer.isOpened()) throw Error("MP4 export: the system's OpenCV/FFmpeg cannot write " + path.toStdString());
  for (const QImage& frame : frames) {
    const QImage rgb = export_frame(frame, options.scale);
    cv::Mat wrapped(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                    size_t(rgb.bytesPerLine()));
    cv::Mat padded(size, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::cvtColor(wrapped, padded(cv::Rect(0, 0, rgb.width(), rgb.height())), cv::COLOR_RGB2BGR);
    writer.write(padded);
  }
  writer.release();
  if (!std::filesystem::exists(partial) || std::filesystem::file_size(partial) == 0) {
    throw Error("MP4 export: nothing was written to " + path.toStdString() + " (disk full?)");
  }
  commit_partial(partial, destination);
}

QStringList write_chain_png_sequence(const QString& folder, const QString& stem, const QVector<QImage>& frames,
                                     const ChainExportOptions& options) {
  check_frames(frames);
  QDir dir(folder);
  if (!dir.exists()) throw Error("the folder " + folder.toStdString() + " does not exist");
  QStringList paths;
  const int digits = std::max(3, int(QString::number(frames.size() - 1).size()));
  for (int i = 0; i < frames.size(); ++i) {
    paths << dir.filePath(QString("%1-%2.png").arg(stem).arg(i, digits, 10, QChar('0')));
    if (QFileInfo::exists(paths.back())) {
      throw Error(paths.back().toStdString() + " already exists: choose another name or folder");
    }
  }
  for (int i = 0; i < frames.size(); ++i) {
    const auto destination = to_path(paths[i]);
    const auto partial = partial_keeping_suffix(destination, ".png");
    if (!export_frame(frames[i], options.scale).save(QString::fromStdString(partial.string()), "PNG")) {
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      throw Error("cannot write " + paths[i].toStdString() + " (disk full or no permission?)");
    }
    commit_partial(partial, destination);
  }
  return paths;
}

}  // namespace diffscope::ui
