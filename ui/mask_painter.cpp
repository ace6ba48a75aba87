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

#include "core/common/errors.h"
#include "core/io/png_image.h"

namespace diffscope::ui {
namespace {

// Small images (the built-in model's 64×64) are painted enlarged, pixel for pixel.
constexpr int kTargetSide = 512;

}  // namespace

MaskCanvas::MaskCanvas(const QImage& image, QWidget* parent)
    : QWidget(parent), image_(image), mask_(image.size(), QImage::Format_Grayscale8) {
  mask_.fill(0);
  setCursor(Qt::CrossCursor);
  setToolTip(tr("Left button: paint what the model repaints; right button: erase"));
}

void MaskCanvas::setMask(const QImage& mask) {
  if (mask.size() != image_.size()) return;
  mask_ = mask.convertToFormat(QImage::Format_Grayscale8);
  update();
}

void MaskCanvas::clear() {
  mask_.fill(0);
  update();
}

void MaskCanvas::invert() {
  mask_.invertPixels();
  update();
}

int MaskCanvas::scale() const {
  return std::max(1, kTargetSide / std::max(1, std::max(image_.width(), image_.height())));
}

QSize MaskCanvas::sizeHint() const { return image_.size() * scale(); }

QPoint MaskCanvas::toImage(const QPoint& p) const { return QPoint(p.x() / scale(), p.y() / scale()); }

void MaskCanvas::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  const QRect target(QPoint(0, 0), image_.size() * scale());
  painter.drawImage(target, image_);
  // The mask as translucent red, so that the image stays visible under it.
  QImage overlay(mask_.size(), QImage::Format_ARGB32);
  overlay.fill(QColor(255, 40, 40));
  overlay.setAlphaChannel(mask_.copy());
  painter.setOpacity(0.55);
  painter.drawImage(target, overlay);
}

void MaskCanvas::strokeTo(const QPoint& point) {
  QPainter painter(&mask_);
  painter.setRenderHint(QPainter::Antialiasing, false);
  const QColor colour = erasing_ ? Qt::black : Qt::white;
  if (point == last_) {  // a click: a line of no length draws nothing
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QPointF(point) + QPointF(0.5, 0.5), radius_ + 0.5, radius_ + 0.5);
  } else {
    painter.setPen(QPen(colour, 2 * radius_ + 1, Qt::SolidLine, Qt::RoundCap));
    painter.drawLine(last_, point);
  }
  last_ = point;
  update();
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
