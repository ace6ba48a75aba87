#include "ui/image_view.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace diffscope::ui {

ImageView::ImageView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(128, 128);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image) {
  image_ = image;
  update();
}

void ImageView::setPlaceholder(const QString& text) {
  placeholder_ = text;
  update();
}

void ImageView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().color(QPalette::Base));
  if (image_.isNull()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    return;
  }
  // Whole-number zoom when enlarging keeps pixels square and equal.
  const double fit = std::min(double(width()) / image_.width(), double(height()) / image_.height());
  const double scale = fit >= 1.0 ? std::max(1.0, std::floor(fit)) : fit;
  const QSize size(int(image_.width() * scale), int(image_.height() * scale));
  const QRect target(QPoint((width() - size.width()) / 2, (height() - size.height()) / 2), size);
  painter.setRenderHint(QPainter::SmoothPixmapTransform, scale < 1.0);
  painter.drawImage(target, image_);
}

}  // namespace diffscope::ui
