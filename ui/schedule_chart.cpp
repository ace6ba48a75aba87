#include "ui/schedule_chart.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsEllipseItem>
#include <QGraphicsScene>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPen>
#include <QScatterSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace diffscope::ui {
namespace {
constexpr double kLogMin = 1e-5, kLogMax = 1e5;
constexpr size_t kCurvePoints = 200;
double clamp_log(double v) { return std::clamp(v, kLogMin, kLogMax); }
}  // namespace

ScheduleChart::ScheduleChart(QWidget* parent) : QWidget(parent) {
  chart_ = new QChart;
  chart_->setTitle(tr("Noise schedule"));
  chart_->legend()->setAlignment(Qt::AlignBottom);
  chart_->setMargins(QMargins(2, 2, 2, 2));
  alpha_series_ = new QLineSeries;
  alpha_series_->setName(tr("ᾱ_t"));
  sigma_series_ = new QLineSeries;
  sigma_series_->setName(tr("σ_t (right, log)"));
  snr_series_ = new QLineSeries;
  snr_series_->setName(tr("SNR (right, log)"));
  steps_series_ = new QScatterSeries;
  steps_series_->setName(tr("sampler's steps"));
  steps_series_->setMarkerSize(6);
  for (QAbstractSeries* s :
       {static_cast<QAbstractSeries*>(alpha_series_), static_cast<QAbstractSeries*>(sigma_series_),
        static_cast<QAbstractSeries*>(snr_series_), static_cast<QAbstractSeries*>(steps_series_)}) {
    chart_->addSeries(s);
  }
  auto* t_axis = new QValueAxis;
  t_axis->setTitleText(tr("t"));
  t_axis->setLabelFormat("%d");
  t_axis->setTickCount(5);
  auto* linear = new QValueAxis;
  linear->setRange(0, 1);
  linear->setTitleText(tr("ᾱ_t"));
  auto* log = new QLogValueAxis;
  log->setRange(kLogMin, kLogMax);
  log->setBase(10);
  log->setLabelFormat("%.0e");
  log->setMinorTickCount(0);
  log->setTruncateLabels(false);
  chart_->addAxis(t_axis, Qt::AlignBottom);
  chart_->addAxis(linear, Qt::AlignLeft);
  chart_->addAxis(log, Qt::AlignRight);
  for (QAbstractSeries* s : chart_->series()) s->attachAxis(t_axis);
  for (QAbstractSeries* s :
       {static_cast<QAbstractSeries*>(alpha_series_), static_cast<QAbstractSeries*>(steps_series_)}) {
    s->attachAxis(linear);
  }
  sigma_series_->attachAxis(log);
  snr_series_->attachAxis(log);
  view_ = new QChartView(chart_, this);
  view_->setRenderHint(QPainter::Antialiasing);
  constexpr double kMarker = 12;
  marker_ = new QGraphicsEllipseItem(-kMarker / 2, -kMarker / 2, kMarker, kMarker);
  marker_->setBrush(Qt::red);
  marker_->setPen(QPen(Qt::white, 1.5));
  marker_->setZValue(100);
  marker_->setVisible(false);
  marker_->setToolTip(tr("the shown step"));
  view_->scene()->addItem(marker_);
  connect(chart_, &QChart::plotAreaChanged, this, &ScheduleChart::placeMarker);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
}

double ScheduleChart::alphaBarAt(double t) const {
  if (alpha_bar_.empty()) return 0;
  const double c = std::clamp(t, 0.0, double(alpha_bar_.size() - 1));
  const size_t lo = size_t(std::floor(c)), hi = std::min(lo + 1, alpha_bar_.size() - 1);
  return alpha_bar_[lo] + (alpha_bar_[hi] - alpha_bar_[lo]) * (c - double(lo));
}

void ScheduleChart::setSchedule(const std::vector<double>& alpha_bar, const std::vector<double>& timesteps) {
  // The planned steps are set again at every edit of the settings (a prompt's
  // every keystroke): the same chart with no step shown need not be redrawn.
  if (current_ < 0 && alpha_bar == alpha_bar_ && timesteps == timesteps_) return;
  alpha_bar_ = alpha_bar;
  timesteps_ = timesteps;
  QList<QPointF> alpha, sigma, snr, steps;
  // ~200 points draw the same smooth curves as 1,000 at a fifth of the cost,
  // and the chart repaints at every step.
  const size_t stride = std::max<size_t>(1, alpha_bar.size() / kCurvePoints);
  std::vector<size_t> shown;
  for (size_t t = 0; t < alpha_bar.size(); t += stride) shown.push_back(t);
  if (!alpha_bar.empty() && shown.back() != alpha_bar.size() - 1) shown.push_back(alpha_bar.size() - 1);
  for (size_t t : shown) {
    const double a = alpha_bar[t];
    alpha.append({double(t), a});
    sigma.append({double(t), clamp_log(std::sqrt((1 - a) / a))});
    snr.append({double(t), clamp_log(a / (1 - a))});
  }
  for (double t : timesteps) steps.append({t, alphaBarAt(t)});
  alpha_series_->replace(alpha);
  sigma_series_->replace(sigma);
  snr_series_->replace(snr);
  steps_series_->replace(steps);
  current_ = -1;
  placeMarker();
  auto* t_axis = static_cast<QValueAxis*>(chart_->axes(Qt::Horizontal).front());
  // 0…1000 for the usual T = 1000, so that the ticks fall on round numbers.
  t_axis->setRange(0, std::max<double>(1, double(alpha_bar.size())));
}

void ScheduleChart::setCurrentStep(int index) {
  current_ = index;
  placeMarker();
}

void ScheduleChart::placeMarker() {
  const bool shown = current_ >= 0 && size_t(current_) < timesteps_.size();
  marker_->setVisible(shown);
  if (!shown) return;
  const double t = timesteps_[size_t(current_)];
  marker_->setPos(chart_->mapToPosition(QPointF(t, alphaBarAt(t)), steps_series_));
}

int ScheduleChart::markedSteps() const { return int(steps_series_->count()); }

}  // namespace diffscope::ui
