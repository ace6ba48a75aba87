#include "ui/mask_painter.h"

#include <ATen/ATen.h>

#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "core/common/errors.h"
#include "core/io/png_image.h"

namespace diffscope::ui {
namespace {

// Small images (the built-in model's 64×64) are painted enlarged, pixel for
// pixel, to about this side; larger ones are shown at most this large.
constexpr int kTargetSide = 512, kMaxShownSide = 768;
const QColor kOverlayRed(255, 40, 40);

// Paints a brush stroke from `from` to `to` (a dot when they are equal) in `colour`, replacing what is there.
void paint_stroke(QImage& image, const QPoint& from, const QPoint& to, int radius, const QColor& colour) {
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing, false);
  painter.setCompositionMode(QPainter::CompositionMode_Source);
  if (from == to) {  // a click: a line of no length draws nothing
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QPointF(to) + QPointF(0.5, 0.5), radius + 0.5, radius + 0.5);
  } else {
    painter.setPen(QPen(colour, 2 * radius + 1, Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(from, to);
  }
}

}  // namespace

MaskCanvas::MaskCanvas(const QImage& image, QWidget* parent)
    : QWidget(parent), image_(image), mask_(image.size(), QImage::Format_Grayscale8) {
  mask_.fill(0);
  rebuildOverlay();
  setCursor(Qt::CrossCursor);
  setToolTip(tr("Left button: paint what the model repaints; right button: erase"));
}

void MaskCanvas::setMask(const QImage& mask) {
  if (mask.size() != image_.size()) return;
  mask_ = mask.convertToFormat(QImage::Format_Grayscale8);
  rebuildOverlay();
}

void MaskCanvas::clear() {
  mask_.fill(0);
  rebuildOverlay();
}

void MaskCanvas::invert() {
  mask_.invertPixels();
  rebuildOverlay();
}

void MaskCanvas::rebuildOverlay() {
  overlay_ = QImage(mask_.size(), QImage::Format_ARGB32);
  overlay_.fill(kOverlayRed);
  overlay_.setAlphaChannel(mask_);
  update();
}

double MaskCanvas::scale() const {
  const int side = std::max(1, std::max(image_.width(), image_.height()));
  if (side > kMaxShownSide) return double(kMaxShownSide) / side;
  return std::max(1, kTargetSide / side);
}

QSize MaskCanvas::sizeHint() const { return (QSizeF(image_.size()) * scale()).toSize(); }

QPoint MaskCanvas::toImage(const QPoint& p) const {
  // Not clamped: a stroke that leaves the image is clipped there, not drawn along its edge.
  return QPoint(int(std::floor(p.x() / scale())), int(std::floor(p.y() / scale())));
}

void MaskCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::SmoothPixmapTransform, scale() < 1.0);  // enlarged: crisp pixels
  const QRectF target(QPointF(0, 0), QSizeF(image_.size()) * scale());
  painter.drawImage(target, image_);
  painter.setOpacity(0.55);  // the image stays visible under the red
  painter.drawImage(target, overlay_);
}

void MaskCanvas::strokeTo(const QPoint& point) {
  paint_stroke(mask_, last_, point, radius_, erasing_ ? Qt::black : Qt::white);
  paint_stroke(overlay_, last_, point, radius_, erasing_ ? QColor(Qt::transparent) : kOverlayRed);
  // Only the stroke's neighbourhood is redrawn.
  const QRect stroke = QRect(last_, point).normalized().adjusted(-radius_ - 1, -radius_ - 1, radius_ + 2, radius_ + 2);
  update(QRectF(QPointF(stroke.topLeft()) * scale(), QSizeF(stroke.size()) * scale()).toAlignedRect());
  last_ = point;
}

void MaskCanvas::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton && event->button() != Qt::RightButton) return;
  painting_ = true;
  erasing_ = event->button() == Qt::RightButton;
  last_ = toImage(event->position().toPoint());
  strokeTo(last_);
}

void MaskCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (painting_) strokeTo(toImage(event->position().toPoint()));
}

void MaskCanvas::mouseReleaseEvent(QMouseEvent*) { painting_ = false; }

MaskPainter::MaskPainter(const QString& start_image, const QString& mask, QWidget* parent)
    : QDialog(parent), start_image_(start_image) {
  setWindowTitle(tr("Paint the inpainting mask"));
  auto* layout = new QVBoxLayout(this);
  if (!canvas_image_.load(start_image)) {
    layout->addWidget(new QLabel(tr("The start image %1 cannot be read.").arg(start_image), this));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    return;
  }
  canvas_ = new MaskCanvas(canvas_image_, this);
  if (!mask.isEmpty()) canvas_->setMask(QImage(mask));
  layout->addWidget(canvas_, 0, Qt::AlignCenter);
  auto* tools = new QHBoxLayout;
  tools->addWidget(new QLabel(tr("Brush"), this));
  brush_ = new QSlider(Qt::Horizontal, this);
  brush_->setObjectName("brush");
  const int side = std::max(canvas_image_.width(), canvas_image_.height());
  brush_->setRange(1, std::max(2, side / 4));
  brush_->setValue(std::max(1, side / 16));
  brush_->setToolTip(tr("The brush's radius in the image's pixels"));
  canvas_->setBrushRadius(brush_->value());
  connect(brush_, &QSlider::valueChanged, canvas_, &MaskCanvas::setBrushRadius);
  tools->addWidget(brush_, 1);
  auto* clear = new QPushButton(tr("Clear"), this);
  connect(clear, &QPushButton::clicked, canvas_, &MaskCanvas::clear);
  auto* invert = new QPushButton(tr("Invert"), this);
  connect(invert, &QPushButton::clicked, canvas_, &MaskCanvas::invert);
  tools->addWidget(clear);
  tools->addWidget(invert);
  layout->addLayout(tools);
  layout->addWidget(new QLabel(tr("Red is repainted; the rest of the image is kept."), this));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
}

QString MaskPainter::save(const QString& folder, QString* error) const {
  if (!canvas_) {
    if (error) *error = tr("no start image to paint on");
    return {};
  }
  if (!QDir().mkpath(folder)) {
    if (error) *error = tr("cannot create %1").arg(folder);
    return {};
  }
  // A new name each time: an earlier run's mask stays as it was.
  const QString stem = QFileInfo(start_image_).completeBaseName();
  QString path;
  for (int n = 1; path.isEmpty() || QFileInfo::exists(path); ++n) {
    path = QDir(folder).filePath(QString("%1-mask-%2.png").arg(stem).arg(n));
  }
  const QImage& mask = canvas_->mask();
  at::Tensor grey = at::empty({mask.height(), mask.width(), 1}, at::kByte);
  for (int y = 0; y < mask.height(); ++y) {
    std::copy_n(mask.constScanLine(y), mask.width(), grey.data_ptr<uint8_t>() + int64_t(y) * mask.width());
  }
  try {
    write_png(path.toStdString(), grey);
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.what());
    return {};
  }
  return path;
}

}  // namespace diffscope::ui
