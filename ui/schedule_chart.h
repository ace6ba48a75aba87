#pragma once
// The noise schedule over t: ᾱ_t (left axis), σ_t and SNR (right, log), with
// the sampler's timesteps marked on the ᾱ curve and the shown step highlighted.
#include <QWidget>

#include <vector>

class QChart;
class QGraphicsEllipseItem;
class QChartView;
class QLineSeries;
class QScatterSeries;

namespace diffscope::ui {

class ScheduleChart : public QWidget {
  Q_OBJECT

 public:
  explicit ScheduleChart(QWidget* parent = nullptr);

  // ᾱ_t for t = 0..T−1, and the run's timesteps (fractional t, one per step).
  void setSchedule(const std::vector<double>& alpha_bar, const std::vector<double>& timesteps);
  void setCurrentStep(int index);
  int markedSteps() const;
  QSize sizeHint() const override { return {420, 220}; }

 private:
  double alphaBarAt(double t) const;
  void placeMarker();

  std::vector<double> alpha_bar_;
  std::vector<double> timesteps_;
  QChart* chart_;
  QChartView* view_;
  QLineSeries* alpha_series_;
  QLineSeries* sigma_series_;
  QLineSeries* snr_series_;
  QScatterSeries* steps_series_;
  // The shown step: a plain scene item, because changing a series makes the
  // chart recompute all of them (~6 ms per step).
  QGraphicsEllipseItem* marker_;
  int current_ = -1;
};

}  // namespace diffscope::ui
