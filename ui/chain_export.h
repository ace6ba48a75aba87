#pragma once
// Exports a run's chain (one frame per step): animated GIF (giflib, since
// OpenCV 4.6 cannot write GIF), MP4 (OpenCV's VideoWriter) and a PNG sequence.
// Frames are enlarged by a whole factor with square pixels; every file appears
// complete or not at all. Errors throw diffscope::Error with the reason.
#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

namespace diffscope::ui {

struct ChainExportOptions {
  int scale = 4;       // 64×64 → 256×256
  int frame_ms = 100;  // per step; the last frame stays 10× longer in the GIF
};

void write_chain_gif(const QString& path, const QVector<QImage>& frames, const ChainExportOptions& options = {});

// H.264 where the system's FFmpeg has it (odd sizes padded to even), MPEG-4 Part 2 otherwise.
void write_chain_mp4(const QString& path, const QVector<QImage>& frames, const ChainExportOptions& options = {});

// folder/stem-000.png … ; refuses (and writes nothing) when any of them exists.
QStringList write_chain_png_sequence(const QString& folder, const QString& stem, const QVector<QImage>& frames,
                                     const ChainExportOptions& options = {});

// The frame as exported: enlarged, RGB888.
QImage export_frame(const QImage& frame, int scale);

}  // namespace diffscope::ui
