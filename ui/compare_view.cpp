#include "ui/compare_view.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/image_view.h"

namespace diffscope::ui {

int nearest_step(const std::vector<double>& step_sigmas, double sigma) {
  if (step_sigmas.empty()) return -1;
  const auto distance = [sigma](double s) {
    if (s <= 0 || sigma <= 0) return s <= 0 && sigma <= 0 ? 0.0 : 1e300;
    return std::abs(std::log(s) - std::log(sigma));
  };
  int best = int(step_sigmas.size()) - 1;
  for (int i = 0; i < int(step_sigmas.size()); ++i) {
    if (distance(step_sigmas[size_t(i)]) < distance(step_sigmas[size_t(best)])) best = i;
  }
  return best;
}

QImage difference_image(const QImage& a, const QImage& b, double* mean) {
  if (a.isNull() || b.isNull()) return {};
  const QImage left = a.convertToFormat(QImage::Format_RGB888);
  QImage right = b.convertToFormat(QImage::Format_RGB888);
  if (right.size() != left.size()) right = right.scaled(left.size(), Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  QImage out(left.size(), QImage::Format_RGB888);
  double total = 0;
  for (int y = 0; y < left.height(); ++y) {
    const uchar* p = left.constScanLine(y);
    const uchar* q = right.constScanLine(y);
    uchar* o = out.scanLine(y);
    for (int x = 0; x < left.width() * 3; ++x) {
      const int d = std::abs(int(p[x]) - int(q[x]));
      total += d;
      o[x] = uchar(std::min(255, 4 * d));
    }
  }
  if (mean) *mean = total / std::max(1.0, double(left.width()) * left.height() * 3);
  return out;
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setObjectName("compareView");
  alignment_ = new QComboBox(this);
  alignment_->addItem(tr("Align by step"));
  alignment_->addItem(tr("Align by noise level σ"));
  mode_ = new QComboBox(this);
  mode_->addItem(tr("x_t"), int(PreviewMode::Xt));
  mode_->addItem(tr("x̂₀"), int(PreviewMode::X0));
  mode_->addItem(tr("ε̂"), int(PreviewMode::Eps));
  difference_a_ = new QComboBox(this);
  difference_b_ = new QComboBox(this);
  scrubber_ = new QSlider(Qt::Horizontal, this);
  scrubber_->setObjectName("compareScrubber");
  position_ = new QLabel(this);
  connect(alignment_, &QComboBox::currentIndexChanged, this, &CompareView::refresh);
  connect(mode_, &QComboBox::currentIndexChanged, this, &CompareView::refresh);
  connect(difference_a_, &QComboBox::currentIndexChanged, this, &CompareView::refresh);
  connect(difference_b_, &QComboBox::currentIndexChanged, this, &CompareView::refresh);
  connect(scrubber_, &QSlider::valueChanged, this, &CompareView::refresh);

  grid_ = new QGridLayout;
  auto* grid = grid_;
  for (int i = 0; i <= kMaxRuns; ++i) {  // the last pane is the difference
    auto* view = new ImageView(this);
    auto* caption = new QLabel(this);
    caption->setWordWrap(true);
    caption->setAlignment(Qt::AlignHCenter);
    grid->addWidget(view, 0, i);
    grid->addWidget(caption, 1, i);
    grid->setColumnStretch(i, 1);
    if (i < kMaxRuns) {
      panes_.push_back(view);
      captions_.push_back(caption);
    } else {
      difference_ = view;
      difference_caption_ = caption;
    }
  }
  auto* options = new QHBoxLayout;
  options->addWidget(alignment_);
  options->addWidget(mode_);
  options->addStretch();
  options->addWidget(new QLabel(tr("Difference |A − B|:"), this));
  options->addWidget(difference_a_);
  options->addWidget(new QLabel("−", this));
  options->addWidget(difference_b_);
  auto* timeline = new QHBoxLayout;
  timeline->addWidget(scrubber_, 1);
  timeline->addWidget(position_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(options);
  layout->addLayout(grid, 1);
  layout->addLayout(timeline);
  setRuns({}, {});
}

void CompareView::setRuns(const QVector<RunRecord>& runs, const QStringList& labels) {
  runs_.clear();
  labels_.clear();
  for (int i = 0; i < runs.size() && runs_.size() < kMaxRuns; ++i) {
    if (runs[i].frames.isEmpty()) continue;  // an old run whose steps were let go
    runs_.push_back(runs[i]);
    labels_.push_back(i < labels.size() ? labels[i] : QString());
  }
  rebuildDifferenceChoices();
  refresh();
}

void CompareView::rebuildDifferenceChoices() {
  for (QComboBox* box : {difference_a_, difference_b_}) {
    const QSignalBlocker block(box);
    box->clear();
    box->addItem(tr("none"), -1);
    for (int i = 0; i < runs_.size(); ++i) box->addItem(QString(QChar('A' + i)), i);
  }
  const QSignalBlocker block_a(difference_a_), block_b(difference_b_);
  if (runs_.size() >= 2) {  // the first two, as most comparisons are
    difference_a_->setCurrentIndex(1);
    difference_b_->setCurrentIndex(2);
  }
}

void CompareView::setPosition(int position) { scrubber_->setValue(position); }
void CompareView::setAlignment(CompareAlignment alignment) { alignment_->setCurrentIndex(int(alignment)); }
void CompareView::setMode(PreviewMode mode) { mode_->setCurrentIndex(mode_->findData(int(mode))); }
void CompareView::setDifference(int a, int b) {
  difference_a_->setCurrentIndex(difference_a_->findData(a));
  difference_b_->setCurrentIndex(difference_b_->findData(b));
}

int CompareView::shownStep(int run) const {
  if (run < 0 || run >= runs_.size()) return -1;
  const int position = scrubber_->value();
  const int steps = int(runs_[run].frames.size());
  if (alignment_->currentIndex() == int(CompareAlignment::Step)) return std::min(position, steps - 1);
  // By σ: the first run's σ at the scrubber, the nearest step of this run.
  const auto& reference = runs_.front().frames;
  const double sigma = reference[std::min(position, int(reference.size()) - 1)].sigma;
  std::vector<double> sigmas;
  for (const StepFrame& frame : runs_[run].frames) sigmas.push_back(frame.sigma);
  return nearest_step(sigmas, sigma);
}

QImage CompareView::shownImage(int run) const {
  const int step = shownStep(run);
  if (step < 0) return {};
  return frame_image(runs_[run].frames[step], PreviewMode(mode_->currentData().toInt()));
}

QImage CompareView::differenceShown() const { return difference_->image(); }
QString CompareView::differenceText() const { return difference_caption_->text(); }

void CompareView::refresh() {
  // The scrubber spans the longest run by step, the first run by σ.
  int longest = 0;
  for (const RunRecord& run : runs_) longest = std::max(longest, int(run.frames.size()));
  const int span = alignment_->currentIndex() == int(CompareAlignment::Step) || runs_.isEmpty()
                       ? longest
                       : int(runs_.front().frames.size());
  {
    const QSignalBlocker block(scrubber_);
    scrubber_->setRange(0, std::max(0, span - 1));
  }
  for (int i = 0; i < kMaxRuns; ++i) {
    const bool used = i < runs_.size();
    grid_->setColumnStretch(i, used ? 1 : 0);  // hidden panes leave no gap
    panes_[i]->setVisible(used);
    captions_[i]->setVisible(used);
    if (!used) continue;
    const int step = shownStep(i);
    const StepFrame& frame = runs_[i].frames[step];
    panes_[i]->setImage(shownImage(i));
    captions_[i]->setText(QString("%1  %2\n").arg(QChar('A' + i)).arg(labels_[i]) +
                          tr("step %1 of %2 · σ = %3").arg(step + 1).arg(runs_[i].frames.size()).arg(frame.sigma, 0, 'g', 4));
  }
  const int a = difference_a_->currentData().toInt(), b = difference_b_->currentData().toInt();
  const bool differing = a >= 0 && b >= 0 && a < runs_.size() && b < runs_.size();
  grid_->setColumnStretch(kMaxRuns, differing ? 1 : 0);
  difference_->setVisible(differing);
  difference_caption_->setVisible(differing);
  if (differing) {
    double mean = 0;
    difference_->setImage(difference_image(shownImage(a), shownImage(b), &mean));
    difference_caption_->setText(
        tr("|%1 − %2| × 4\nmean %3 of 255").arg(QChar('A' + a)).arg(QChar('A' + b)).arg(mean, 0, 'f', 2));
  } else {
    difference_->setImage({});
    difference_caption_->clear();
  }
  position_->setText(runs_.isEmpty() ? tr("Choose up to four runs in the history, then Compare.")
                                     : tr("%1 / %2").arg(scrubber_->value() + 1).arg(scrubber_->maximum() + 1));
}

}  // namespace diffscope::ui
