#include "ui/grid_view.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>

namespace diffscope::ui {
namespace {

constexpr int kPad = 4;
constexpr int kMinSavedCell = 128;  // pixels: a cell's smaller side in a saved grid
constexpr int kTextFlags = Qt::AlignCenter | Qt::TextWordWrap;

QStringList qt_labels(const std::vector<std::string>& labels) {
  QStringList list;
  for (const std::string& label : labels) list.push_back(QString::fromStdString(label));
  return list;
}

// The font the labels are written in: larger for larger cells, as the CLI's.
QFont label_font(QSize cell) {
  QFont font;
  font.setPixelSize(std::clamp(std::min(cell.width(), cell.height()) / 16, 11, 40));
  return font;
}

}  // namespace

// Paints the grid scaled to fit the view, and turns clicks into cells.
class GridCanvas : public QWidget {
 public:
  explicit GridCanvas(GridView* view) : view_(view) { setMinimumSize(200, 150); }

  QSize cellSize() const {
    const QSize native = view_->nativeCellSize();
    if (native.isEmpty()) return {};
    // The largest cell size (at most twice the images' or 256 pixels, so
    // small images grow) that lets the whole grid fit the widget; the grid's
    // size grows with the cells', so a binary search finds it in ~8 layouts.
    const auto fits = [&](int side) {
      const QSize total = view_->geometryFor(native.scaled(side, side, Qt::KeepAspectRatio)).total;
      return total.width() <= width() && total.height() <= height();
    };
    int low = 8, high = std::max(std::min(native.width(), native.height()) * 2, 256);
    if (!fits(low)) return native.scaled(low, low, Qt::KeepAspectRatio);
    while (low < high) {
      const int middle = (low + high + 1) / 2;
      if (fits(middle)) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return native.scaled(low, low, Qt::KeepAspectRatio);
  }

  void paintEvent(QPaintEvent*) override {
    QPainter painter(this);
    painter.fillRect(rect(), Qt::white);
    const QSize cell = cellSize();
    if (!cell.isEmpty()) view_->paintGrid(&painter, cell);
  }

  void mousePressEvent(QMouseEvent* event) override {
    const int index = view_->cellAt(event->position().toPoint());
    if (index >= 0 && view_->recordAt(index) >= 0) Q_EMIT view_->cellActivated(view_->recordAt(index));
  }

 private:
  GridView* view_;
};

GridView::GridView(QWidget* parent) : QWidget(parent) {
  status_ =
      new QLabel(tr("Run → X/Y/Z plot… makes a grid: one run per combination of the values of up to three "
                    "settings."));
  status_->setWordWrap(true);
  cancel_ = new QPushButton(tr("Cancel grid"));
  cancel_->setVisible(false);
  save_ = new QPushButton(tr("Save grid…"));
  save_->setEnabled(false);
  canvas_ = new GridCanvas(this);
  canvas_->setObjectName("gridCanvas");
  auto* bar = new QHBoxLayout;
  bar->addWidget(status_, 1);
  bar->addWidget(cancel_);
  bar->addWidget(save_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(canvas_, 1);
  connect(cancel_, &QPushButton::clicked, this, &GridView::cancelRequested);
  connect(save_, &QPushButton::clicked, this, &GridView::saveRequested);
}

QWidget* GridView::canvas() const { return canvas_; }

void GridView::setGrid(const GridLayout& layout) {
  layout_ = layout;
  cells_ = QVector<Cell>(int(layout.columns * layout.rows * layout.pages));
  save_->setEnabled(false);
  canvas_->update();
}

void GridView::setCell(int index, const QImage& image, int record) {
  if (index < 0 || index >= cells_.size()) return;
  // RGB32, the format Qt scales and paints fastest (RGB888 is converted at every scaling).
  cells_[index] = {image.convertToFormat(QImage::Format_RGB32), record, {}};
  save_->setEnabled(std::all_of(cells_.begin(), cells_.end(), [](const Cell& c) { return !c.image.isNull(); }));
  canvas_->update();
}

QString GridView::status() const { return status_->text(); }

void GridView::setStatus(const QString& text, bool running) {
  status_->setText(text);
  cancel_->setVisible(running);
  save_->setVisible(!running);
}

QSize GridView::nativeCellSize() const {
  QSize size;
  for (const Cell& cell : cells_) size = size.expandedTo(cell.image.size());
  return size;
}

GridView::Geometry GridView::geometryFor(QSize cell) const {
  Geometry g;
  g.cell = cell;
  const QFontMetrics metrics(label_font(cell));
  const auto height_of = [&](const QString& text, int width) {
    return metrics.boundingRect(QRect(0, 0, width, 10000), kTextFlags, text).height() + 2 * kPad;
  };
  for (const QString& label : qt_labels(layout_.column_labels)) {
    g.column_band = std::max(g.column_band, height_of(label, cell.width() - 2 * kPad));
  }
  const int row_text = std::max(cell.width(), 10 * metrics.averageCharWidth());
  for (const QString& label : qt_labels(layout_.row_labels)) {
    g.row_band = std::max(g.row_band, std::min(metrics.horizontalAdvance(label), row_text) + 2 * kPad);
  }
  const int page_width = g.row_band + cell.width() * int(layout_.columns);
  for (const QString& title : qt_labels(layout_.page_titles)) {
    g.title_band = std::max(g.title_band, height_of(title, page_width - 2 * kPad));
  }
  g.gap = layout_.pages > 1 ? metrics.height() * 2 : 0;
  g.total = QSize(page_width * int(layout_.pages) + g.gap * int(layout_.pages - 1),
                  g.title_band + g.column_band + cell.height() * int(layout_.rows));
  return g;
}

QRect GridView::Geometry::cellRect(int index, const GridLayout& layout) const {
  const int columns = int(layout.columns), rows = int(layout.rows);
  const int page = index / (columns * rows), row = index / columns % rows, column = index % columns;
  const int page_width = row_band + cell.width() * columns;
  return QRect(page * (page_width + gap) + row_band + column * cell.width(),
               title_band + column_band + row * cell.height(), cell.width(), cell.height());
}

QSize GridView::paintGrid(QPainter* painter, QSize cell) const {
  const Geometry g = geometryFor(cell);
  painter->setFont(label_font(cell));
  painter->setPen(Qt::black);
  const QStringList columns = qt_labels(layout_.column_labels), rows = qt_labels(layout_.row_labels),
                    titles = qt_labels(layout_.page_titles);
  const int page_width = g.row_band + cell.width() * int(layout_.columns);
  for (int page = 0; page < int(layout_.pages); ++page) {
    const int left = page * (page_width + g.gap);
    if (page < titles.size()) painter->drawText(QRect(left, 0, page_width, g.title_band), kTextFlags, titles[page]);
    for (int c = 0; c < columns.size(); ++c) {
      painter->drawText(
          QRect(left + g.row_band + c * cell.width() + kPad, g.title_band, cell.width() - 2 * kPad, g.column_band),
          Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, columns[c]);
    }
    for (int r = 0; r < rows.size(); ++r) {
      painter->drawText(
          QRect(left + kPad, g.title_band + g.column_band + r * cell.height(), g.row_band - 2 * kPad, cell.height()),
          kTextFlags, rows[r]);
    }
  }
  for (int i = 0; i < cells_.size(); ++i) {
    const QRect box = g.cellRect(i, layout_);
    if (cells_[i].image.isNull()) {
      painter->fillRect(box.adjusted(1, 1, -1, -1), QColor(235, 235, 235));
      continue;
    }
    const Cell& c = cells_[i];
    const QSize shown = c.image.size().scaled(box.size(), Qt::KeepAspectRatio);
    // Scaled once per size (smoothly when smaller, pixel for pixel when larger),
    // not at every repaint.
    if (c.shown.size() != shown) {
      c.shown = c.image.scaled(shown, Qt::IgnoreAspectRatio,
                               shown.width() < c.image.width() ? Qt::SmoothTransformation : Qt::FastTransformation);
    }
    painter->drawImage(box.topLeft() + QPoint((box.width() - shown.width()) / 2, (box.height() - shown.height()) / 2),
                       c.shown);
  }
  return g.total;
}

int GridView::cellAt(const QPoint& point) const {
  const QSize cell = canvas_->cellSize();
  if (cell.isEmpty()) return -1;
  const Geometry g = geometryFor(cell);
  for (int i = 0; i < cells_.size(); ++i) {
    if (g.cellRect(i, layout_).contains(point)) return i;
  }
  return -1;
}

QSize GridView::renderCellSize() const {
  const QSize native = nativeCellSize();
  if (native.isEmpty()) return native;
  // Small images (the built-in model's 64², the oracle's 16²) are enlarged by
  // a whole factor, pixel for pixel, so that the labels have room beside them.
  const int factor =
      (kMinSavedCell + std::min(native.width(), native.height()) - 1) / std::min(native.width(), native.height());
  return native * std::max(factor, 1);
}

QImage GridView::render() const {
  const QSize cell = renderCellSize();
  if (cell.isEmpty()) return {};
  QImage image(geometryFor(cell).total, QImage::Format_RGB888);
  image.fill(Qt::white);
  QPainter painter(&image);
  paintGrid(&painter, cell);
  return image;
}

}  // namespace diffscope::ui
