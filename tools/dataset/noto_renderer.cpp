#include "tools/dataset/noto_renderer.h"

#include <ATen/ATen.h>

#include <QFontDatabase>
#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QTextLayout>

#include <cstring>

#include "core/common/errors.h"

namespace diffscope::dataset {
namespace {
// The font's bitmaps are 136 px; drawn at their own size, then area-averaged
// to 64 px, they keep their detail and lose the jaggies.
constexpr int kCanvas = 136;
constexpr int kPixelSize = 109;
constexpr int kSide = 64;
}  // namespace

QString NotoRenderer::default_font_path() {
  const QByteArray own = qgetenv("DIFFSCOPE_NOTO_FONT");
  return own.isEmpty() ? QString("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf") : QString::fromLocal8Bit(own);
}

NotoRenderer::NotoRenderer(const QString& font_path) {
  const int id = QFontDatabase::addApplicationFont(font_path);
  const QStringList families = id < 0 ? QStringList() : QFontDatabase::applicationFontFamilies(id);
  if (families.isEmpty()) {
    throw Error("cannot load the Noto Color Emoji font from " + font_path.toStdString() +
                ": install the Debian package fonts-noto-color-emoji");
  }
  font_ = QFont(families.front());
  font_.setPixelSize(kPixelSize);
  font_.setStyleStrategy(QFont::NoFontMerging);  // never borrow a glyph from another font
}

at::Tensor NotoRenderer::render(const std::u32string& sequence) const {
  const QString text = QString::fromUcs4(sequence.data(), qsizetype(sequence.size()));
  // A sequence the font knows shapes into one glyph (a ZWJ sequence it lacks
  // falls apart into several).
  QTextLayout layout(text, font_);
  layout.beginLayout();
  layout.createLine();
  layout.endLayout();
  const QList<QGlyphRun> runs = layout.glyphRuns();
  if (runs.size() != 1 || runs.front().glyphIndexes().size() != 1 || runs.front().glyphIndexes().front() == 0) {
    return {};
  }
  QImage canvas(kCanvas, kCanvas, QImage::Format_RGB888);
  canvas.fill(Qt::white);
  {
    QPainter painter(&canvas);
    painter.setFont(font_);
    painter.drawText(canvas.rect(), Qt::AlignCenter, text);
  }
  const QImage small = canvas.scaled(kSide, kSide, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                           .convertToFormat(QImage::Format_RGB888);
  at::Tensor out = at::empty({kSide, kSide, 3}, at::kByte);
  for (int y = 0; y < kSide; ++y) std::memcpy(out[y].data_ptr(), small.constScanLine(y), kSide * 3);
  return out;
}

}  // namespace diffscope::dataset
