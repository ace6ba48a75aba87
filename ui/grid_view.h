#pragma once
// The Grid tab: an X/Y/Z plot as its cells finish — each column's value above
// it, each row's to its left, one block per Z value — with the batch's
// progress, Cancel, and Save. Clicking a cell opens its run (its chain is in
// the history). The same painting makes the screen and the saved PNG.
#include <QImage>
#include <QVector>
#include <QWidget>

#include "core/grid/grid_image.h"

class QLabel;
class QPushButton;

namespace diffscope::ui {

class GridCanvas;

class GridView : public QWidget {
  Q_OBJECT

 public:
  explicit GridView(QWidget* parent = nullptr);

  // A new, empty grid of this layout (the labels as the CLI writes them).
  void setGrid(const diffscope::GridLayout& layout);
  // Cell `index` (Z, then Y, then X) is finished: its image and its history entry.
  void setCell(int index, const QImage& image, int record);
  // "cell 3 of 6 · ETA 12 s"; `running` shows Cancel instead of Save.
  void setStatus(const QString& text, bool running);
  QString status() const;

  int cellCount() const { return int(cells_.size()); }
  int recordAt(int index) const { return cells_.value(index).record; }
  // The cell under a point of the canvas, -1 where none (tests click through it).
  int cellAt(const QPoint& canvas_point) const;
  QWidget* canvas() const;
  // The whole grid with its labels, what Save writes: at the cells' own size,
  // or enlarged by a whole factor (pixel for pixel) to 128 pixels or more.
  QImage render() const;
  QSize renderCellSize() const;
  // Paints the grid with cells `cell` pixels in size into `painter` from (0, 0);
  // returns the size it takes.
  QSize paintGrid(QPainter* painter, QSize cell) const;

 Q_SIGNALS:
  void cellActivated(int record);
  void cancelRequested();
  void saveRequested();

 private:
  struct Cell {
    QImage image;
    int record = -1;
    mutable QImage shown;  // image at the size last painted: repaints reuse it
  };
  struct Geometry {  // where things go for one cell size
    QSize cell;
    int column_band = 0, row_band = 0, title_band = 0, gap = 0;
    QSize total;
    QRect cellRect(int index, const diffscope::GridLayout& layout) const;
  };
  Geometry geometryFor(QSize cell) const;
  QSize nativeCellSize() const;

  diffscope::GridLayout layout_;
  QVector<Cell> cells_;
  QLabel* status_;
  QPushButton* cancel_;
  QPushButton* save_;
  GridCanvas* canvas_;
  friend class GridCanvas;
};

}  // namespace diffscope::ui
