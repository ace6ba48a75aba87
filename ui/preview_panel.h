#pragma once
// The centre of the window: the shown step in the chosen mode (x_t, x̂0, ε̂,
// latent channels, oracle candidates) and the timeline that scrubs and plays
// every kept step, with that step's t, σ_t, ᾱ_t and SNR.
#include <QVector>
#include <QWidget>

#include "core/analysis/word_maps.h"
#include "ui/step_frame.h"

class QComboBox;
class QPushButton;
class QLabel;
class QSlider;
class QStackedWidget;
class QTimer;
class QToolButton;

namespace diffscope::ui {

class CandidatesView;
class ImageView;
class WordMapPicker;

enum class PreviewMode { Xt = 0, X0, Eps, Latents, Candidates };

// A step's image in a mode (the candidates mode gives the top candidate).
QImage frame_image(const StepFrame& frame, PreviewMode mode);

class PreviewPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PreviewPanel(QWidget* parent = nullptr);

  // A new run: forget the old steps; the timeline follows new steps live
  // until the user scrubs back.
  void beginRun(int total_steps, bool oracle);
  void addFrame(const StepFrame& frame);
  // Shows a finished run's steps (from the history).
  void setFrames(const QVector<StepFrame>& frames, bool oracle);
  const QVector<StepFrame>& frames() const { return frames_; }

  void showStep(int index);
  int shownStep() const;
  void setMode(PreviewMode mode);
  PreviewMode mode() const;
  void setPlaying(bool playing);
  bool playing() const;

  // The VAE's decode of a step's x_t or x̂0 replaces its cheap preview.
  void setDecoded(int index, PreviewMode mode, const QImage& image);
  // Whether the shown step's image in this mode is an approximate preview.
  bool shownIsApproximate() const;

  // The image the view shows now (the shown step in the current mode, with
  // the chosen word's heat map over it).
  QImage shownImage() const;
  // Word heat maps: whether to record them, which word to lay over x_t, x̂0, ε̂.
  WordMapPicker* wordMapPicker() const { return word_picker_; }
  QString stepInfo() const;
  // The steps before `steps` are a parent run's (a branch): the step line says so.
  void setSharedPrefix(int steps, const QString& parent);
  // A line per step naming the prompt it read, where that changed during the
  // run (prompt editing, alternation, a branch): the step line shows it.
  // Empty: one prompt throughout.
  void setStepPrompts(const QStringList& prompts);

 Q_SIGNALS:
  void stepShown(int index);
  // "Decode with the VAE" for the shown step in the shown mode (x_t or x̂0).
  void decodeRequested(int index, diffscope::ui::PreviewMode mode);
  // "Continue from this step…": a branch of the shown run from the shown step.
  void branchRequested(int index);

 private:
  void refresh();
  void advancePlayback();
  // The chosen word's maps (batch, h, w) for the shown step, or undefined.
  at::Tensor shownWordMaps() const;

  QVector<StepFrame> frames_;
  int expected_total_ = 0;
  QComboBox* mode_;
  QStackedWidget* stack_;
  ImageView* image_;
  CandidatesView* candidates_;
  QSlider* timeline_;
  QToolButton* play_;
  QPushButton* decode_;
  QPushButton* branch_;
  QLabel* info_;
  int shared_prefix_ = 0;
  QStringList step_prompts_;
  QString shared_with_;
  QTimer* playback_;
  WordMapPicker* word_picker_;
  diffscope::WordMapHistory word_history_;
};

}  // namespace diffscope::ui
