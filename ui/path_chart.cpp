#include "ui/path_chart.h"

#include <QChart>
#include <QChartView>
#include <QFont>
#include <QGraphicsEllipseItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QLabel>
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

constexpr size_t kMaxPlotted = 250;

// Fits an axis to the values with a little room, so the curve is never on the frame.
void fit(QAbstractAxis* axis, double low, double high) {
  if (!(high > low)) high = low + 1;
  const double pad = (high - low) * 0.05;
  axis->setRange(low - pad, high + pad);
  if (auto* value = qobject_cast<QValueAxis*>(axis)) value->applyNiceNumbers();  // ticks on round values
}

// Three charts share the width of one: smaller labels, never cut short.
void small_labels(QAbstractAxis* axis) {
  QFont font = axis->labelsFont();
  font.setPointSizeF(font.pointSizeF() * 0.8);
  axis->setLabelsFont(font);
  axis->setTitleFont(font);
  axis->setTruncateLabels(false);
}

}  // namespace

PathChart::Plot PathChart::makePlot(const QString& title, const QString& x_title, const QString& y_title,
                                    bool log_x) {
  Plot plot;
  plot.chart = new QChart;
  plot.chart->setTitle(title);
  QFont title_font = plot.chart->titleFont();
  title_font.setPointSizeF(title_font.pointSizeF() * 0.9);
  plot.chart->setTitleFont(title_font);
  plot.chart->legend()->setVisible(false);
  plot.chart->setMargins(QMargins(2, 2, 2, 2));
  plot.line = new QLineSeries;
  plot.chart->addSeries(plot.line);
  QAbstractAxis* x_axis = nullptr;
  if (log_x) {
    auto* log = new QLogValueAxis;
    log->setBase(10);
    log->setLabelFormat("%g");
    log->setMinorTickCount(0);
    x_axis = log;
  } else {
    auto* linear = new QValueAxis;
    linear->setLabelFormat("%d");
    x_axis = linear;
  }
  x_axis->setTitleText(x_title);
  auto* y_axis = new QValueAxis;
  y_axis->setTitleText(y_title);
  y_axis->setLabelFormat("%.3g");
  plot.chart->addAxis(x_axis, Qt::AlignBottom);
  plot.chart->addAxis(y_axis, Qt::AlignLeft);
  for (QAbstractAxis* axis : {x_axis, static_cast<QAbstractAxis*>(y_axis)}) small_labels(axis);
  plot.line->attachAxis(x_axis);
  plot.line->attachAxis(y_axis);
  plot.view = new QChartView(plot.chart, this);
  plot.view->setRenderHint(QPainter::Antialiasing);
  plot.view->setMinimumWidth(140);
  // The shown step: a scene item, as in ScheduleChart (moving it repaints one item).
  constexpr double kMarker = 10;
  plot.marker = new QGraphicsEllipseItem(-kMarker / 2, -kMarker / 2, kMarker, kMarker);
  plot.marker->setBrush(Qt::red);
  plot.marker->setPen(QPen(Qt::white, 1.5));
  plot.marker->setZValue(100);
  plot.marker->setVisible(false);
  plot.view->scene()->addItem(plot.marker);
  connect(plot.chart, &QChart::plotAreaChanged, this, &PathChart::placeMarkers);
  return plot;
}

PathChart::PathChart(QWidget* parent) : QWidget(parent) {
  setObjectName("pathChart");
  distance_ = makePlot(tr("x̂₀ → final image"), tr("step"), tr("RMS"), false);
  noise_ = makePlot(tr("ε̂ against σ"), tr("σ (log)"), tr("RMS of ε̂"), true);
  components_ = makePlot(tr("x_t on its 2 main directions"), tr("PC 1"), tr("PC 2"), false);
  static_cast<QValueAxis*>(components_.chart->axes(Qt::Horizontal).front())->setLabelFormat("%.3g");
  step_90_ = new QScatterSeries;
  step_90_->setMarkerSize(9);
  step_90_->setColor(QColor(0x2e, 0x7d, 0x32));
  distance_.chart->addSeries(step_90_);
  for (QAbstractAxis* axis : distance_.chart->axes()) step_90_->attachAxis(axis);
  entropy_ = new QLineSeries;
  entropy_->setPen(QPen(QColor(0x8e, 0x24, 0xaa), 1.5, Qt::DashLine));
  distance_.chart->addSeries(entropy_);
  auto* entropy_axis = new QValueAxis;
  entropy_axis->setTitleText(tr("nats"));
  entropy_axis->setLabelFormat("%.1f");
  small_labels(entropy_axis);
  distance_.chart->addAxis(entropy_axis, Qt::AlignRight);
  entropy_->attachAxis(distance_.chart->axes(Qt::Horizontal).front());
  entropy_->attachAxis(entropy_axis);

  summary_ = new QLabel(this);
  summary_->setObjectName("pathSummary");
  summary_->setWordWrap(true);
  auto* plots = new QHBoxLayout;
  plots->setContentsMargins(0, 0, 0, 0);
  for (const Plot* plot : {&distance_, &noise_, &components_}) plots->addWidget(plot->view, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(summary_);
  layout->addLayout(plots, 1);
  clear();
}

void PathChart::clear() {
  path_ = {};
  for (Plot* plot : {&distance_, &noise_, &components_}) plot->line->clear();
  entropy_->clear();
  step_90_->clear();
  current_ = -1;
  placeMarkers();
  summary_->setText(tr("The path the image takes is drawn here when a run ends."));
}

void PathChart::setPath(const ChainPath& path) {
  path_ = path;
  QList<QPointF> distance, noise, components, entropy;
  double max_distance = 0, min_eps = 1e300, max_eps = 0, min_sigma = 1e300, max_sigma = 0, max_entropy = 0;
  double min_pc1 = 0, max_pc1 = 0, min_pc2 = 0, max_pc2 = 0;
  // A plot a few hundred pixels wide shows no more than ~kMaxPlotted points
  // per curve; a 1,000-step run plots every few steps (the first and the last
  // always), which keeps the end of a run under a frame on the UI thread.
  const size_t stride = std::max<size_t>(1, (path.steps.size() + kMaxPlotted - 1) / kMaxPlotted);
  for (size_t i = 0; i < path.steps.size(); ++i) {
    if (i % stride != 0 && i + 1 != path.steps.size()) continue;
    const PathStep& s = path.steps[i];
    distance.append({double(s.step + 1), s.x0_distance});
    max_distance = std::max(max_distance, s.x0_distance);
    if (s.sigma > 0) {  // a log axis: a σ of 0 (the end of some schedules) has no place on it
      noise.append({s.sigma, s.eps_rms});
      min_sigma = std::min(min_sigma, s.sigma);
      max_sigma = std::max(max_sigma, s.sigma);
      min_eps = std::min(min_eps, s.eps_rms);
      max_eps = std::max(max_eps, s.eps_rms);
    }
    components.append({s.pc1, s.pc2});
    min_pc1 = std::min(min_pc1, s.pc1);
    max_pc1 = std::max(max_pc1, s.pc1);
    min_pc2 = std::min(min_pc2, s.pc2);
    max_pc2 = std::max(max_pc2, s.pc2);
    if (s.posterior_entropy) {
      entropy.append({double(s.step + 1), *s.posterior_entropy});
      max_entropy = std::max(max_entropy, *s.posterior_entropy);
    }
  }
  distance_.line->replace(distance);
  noise_.line->replace(noise);
  components_.line->replace(components);
  entropy_->replace(entropy);
  step_90_->clear();
  if (path.step_90 >= 0 && size_t(path.step_90) < path.steps.size()) {
    step_90_->append(path.step_90 + 1, path.steps[size_t(path.step_90)].x0_distance);
  }
  const int steps = int(path.steps.size());
  distance_.chart->axes(Qt::Horizontal).front()->setRange(1, std::max(2, steps));
  distance_.chart->axes(Qt::Vertical).front()->setRange(0, std::max(1e-9, max_distance) * 1.05);
  static_cast<QValueAxis*>(distance_.chart->axes(Qt::Vertical).front())->applyNiceNumbers();
  distance_.chart->axes(Qt::Vertical).back()->setRange(0, std::max(1e-6, max_entropy) * 1.05);
  distance_.chart->axes(Qt::Vertical).back()->setVisible(!entropy.isEmpty());
  if (!noise.isEmpty()) {
    noise_.chart->axes(Qt::Horizontal).front()->setRange(min_sigma / 1.2, max_sigma * 1.2);
    fit(noise_.chart->axes(Qt::Vertical).front(), std::min(min_eps, 0.9), std::max(max_eps, 1.1));
  }
  fit(components_.chart->axes(Qt::Horizontal).front(), min_pc1, max_pc1);
  fit(components_.chart->axes(Qt::Vertical).front(), min_pc2, max_pc2);
  summary_->setText(summary());
  placeMarkers();
}

QString PathChart::summary() const {
  if (path_.steps.empty()) return {};
  QString text = path_.step_90 >= 0 ? tr("x̂₀ had made 90 % of its change by step %1 of %2 (green).")
                                          .arg(path_.step_90 + 1)
                                          .arg(path_.steps.size())
                                    : tr("x̂₀ reached 90 % of its change only at the end.");
  text += " " + tr("x_t's two main directions hold %1 % and %2 % of its movement.")
                    .arg(100 * path_.pc1_share, 0, 'f', 0)
                    .arg(100 * path_.pc2_share, 0, 'f', 0);
  if (!path_.steps.empty() && path_.steps.front().posterior_entropy) {
    text += " " + tr("The oracle's entropy over its images (dashed): %1 → %2 nats.")
                      .arg(*path_.steps.front().posterior_entropy, 0, 'f', 2)
                      .arg(*path_.steps.back().posterior_entropy, 0, 'f', 2);
  }
  return text;
}

void PathChart::setCurrentStep(int index) {
  current_ = index;
  placeMarkers();
}

void PathChart::placeMarkers() {
  const bool shown = current_ >= 0 && size_t(current_) < path_.steps.size();
  for (const Plot* plot : {&distance_, &noise_, &components_}) plot->marker->setVisible(shown);
  if (!shown) return;
  const PathStep& s = path_.steps[size_t(current_)];
  distance_.marker->setPos(distance_.chart->mapToPosition({double(s.step + 1), s.x0_distance}, distance_.line));
  noise_.marker->setVisible(s.sigma > 0);
  if (s.sigma > 0) noise_.marker->setPos(noise_.chart->mapToPosition({s.sigma, s.eps_rms}, noise_.line));
  components_.marker->setPos(components_.chart->mapToPosition({s.pc1, s.pc2}, components_.line));
}

}  // namespace diffscope::ui
