#pragma once
// Up to four runs side by side on one timeline (history entries chosen
// together): one scrubber drives them all, aligned by step number or by noise
// level σ (runs with different step counts or schedules then show the step
// nearest in log σ to the first run's), with |A − B| of two of them beside.
#include <QWidget>

#include <vector>

#include "ui/preview_panel.h"
#include "ui/run_record.h"

class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;

namespace diffscope::ui {

class ImageView;

enum class CompareAlignment { Step = 0, Sigma };

// The step of a run (its σ per step) nearest in log σ to `sigma`; σ = 0 is
// matched to the run's last step.
int nearest_step(const std::vector<double>& step_sigmas, double sigma);

// |a − b| per channel, four times brighter (small differences must show), b
// scaled to a's size where they differ; *mean gets the mean |a − b| in 0–255.
QImage difference_image(const QImage& a, const QImage& b, double* mean = nullptr);

class CompareView : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxRuns = 4;
  explicit CompareView(QWidget* parent = nullptr);

  // The runs (the first kMaxRuns with steps), each labelled.
  void setRuns(const QVector<RunRecord>& runs, const QStringList& labels);
  int runCount() const { return int(runs_.size()); }
  void setPosition(int position);  // the scrubber
  void setAlignment(CompareAlignment alignment);
  void setMode(PreviewMode mode);
  void setDifference(int a, int b);  // -1: none
  // The step each run shows now, and what its pane shows.
  int shownStep(int run) const;
  QImage shownImage(int run) const;
  QImage differenceShown() const;
  QString differenceText() const;

 private:
  void refresh();
  void rebuildDifferenceChoices();

  QVector<RunRecord> runs_;
  QStringList labels_;
  QGridLayout* grid_;
  QVector<ImageView*> panes_;
  QVector<QLabel*> captions_;
  ImageView* difference_;
  QLabel* difference_caption_;
  QComboBox* alignment_;
  QComboBox* mode_;
  QComboBox* difference_a_;
  QComboBox* difference_b_;
  QSlider* scrubber_;
  QLabel* position_;
};

}  // namespace diffscope::ui
