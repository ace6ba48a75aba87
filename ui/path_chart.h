#pragma once
// The path the shown image took (core/analysis/chain_path.h), under the
// chain: how far each step's x̂₀ was from the final sample (with the step by
// which 90 % of the change had happened) and, for the oracle, its
// posterior's entropy; ε̂'s RMS against σ; and x_t on the run's two principal
// components. The shown step is marked on all three; filled when a run ends.
#include <QWidget>

#include "core/analysis/chain_path.h"

class QChart;
class QChartView;
class QGraphicsEllipseItem;
class QLabel;
class QLineSeries;
class QScatterSeries;

namespace diffscope::ui {

class PathChart : public QWidget {
  Q_OBJECT

 public:
  explicit PathChart(QWidget* parent = nullptr);

  void setPath(const diffscope::ChainPath& path);
  void clear();  // a run is going: the path is known when it ends
  void setCurrentStep(int index);

  const diffscope::ChainPath& path() const { return path_; }
  QString summary() const;  // the line above the charts
  QSize sizeHint() const override { return {420, 220}; }

 private:
  struct Plot {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QLineSeries* line = nullptr;
    QGraphicsEllipseItem* marker = nullptr;
  };
  Plot makePlot(const QString& title, const QString& x_title, const QString& y_title, bool log_x);
  void placeMarkers();

  diffscope::ChainPath path_;
  QLabel* summary_;
  Plot distance_, noise_, components_;
  QLineSeries* entropy_;         // on the distance plot's right axis (the oracle)
  QScatterSeries* step_90_;      // where 90 % of the change had happened
  int current_ = -1;
};

}  // namespace diffscope::ui
