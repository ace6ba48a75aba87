#include "ui/candidates_view.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace diffscope::ui {

CandidatesView::CandidatesView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void CandidatesView::setCandidates(const QVector<Candidate>& candidates) {
  candidates_ = candidates;
  update();
}

void CandidatesView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().color(QPalette::Base));
  if (candidates_.isEmpty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                     tr("The oracle model shows here which training images its posterior weighs at each step."));
    return;
  }
  // A grid of up to 3 columns; each cell: image, weight bar, caption.
  const int n = int(candidates_.size());
  const int columns = std::min(n, 3), rows = (n + columns - 1) / columns;
  const int cell_w = width() / columns, cell_h = height() / rows;
  const int text_h = 2 * fontMetrics().height() + 10;
  for (int i = 0; i < n; ++i) {
    const Candidate& c = candidates_[i];
    const QRect cell((i % columns) * cell_w, (i / columns) * cell_h, cell_w, cell_h);
    const int side = std::max(16, std::min(cell.width() - 12, cell.height() - text_h - 6));
    const QRect image_rect(cell.center().x() - side / 2, cell.top() + 4, side, side);
    painter.drawImage(image_rect, c.image);
    const QRect bar(cell.left() + 6, image_rect.bottom() + 4, cell.width() - 12, 6);
    painter.fillRect(bar, palette().color(QPalette::Midlight));
    painter.fillRect(QRect(bar.topLeft(), QSize(int(std::lround(bar.width() * c.weight)), bar.height())),
                     palette().color(QPalette::Highlight));
    const QString caption = c.caption.section(',', 0, 0);
    const QString label = QString("%1%  %2").arg(c.weight * 100.0, 0, 'f', c.weight < 0.1 ? 2 : 1).arg(caption);
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRect(cell.left() + 4, bar.bottom() + 2, cell.width() - 8, text_h),
                     Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, label);
  }
}

}  // namespace diffscope::ui
