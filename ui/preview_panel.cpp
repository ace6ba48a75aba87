#include "ui/preview_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QStackedWidget>
#include <QStyle>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/candidates_view.h"
#include "ui/image_view.h"
#include "ui/word_map_overlay.h"

namespace diffscope::ui {
namespace {
constexpr int kCandidatesItem = int(PreviewMode::Candidates);
constexpr int kPlaybackMs = 120;
}  // namespace

PreviewPanel::PreviewPanel(QWidget* parent) : QWidget(parent) {
  mode_ = new QComboBox(this);
  mode_->addItem(tr("x_t — the noisy sample"));
  mode_->addItem(tr("x̂₀ — predicted clean image"));
  mode_->addItem(tr("ε̂ — predicted noise"));
  mode_->addItem(tr("Latent channels of x_t"));
  mode_->addItem(tr("Oracle: training images considered"));
  mode_->setToolTip(tr("What to show for each step (switch any time, live or afterwards)"));
  decode_ = new QPushButton(tr("Decode with the VAE"), this);
  decode_->setToolTip(
      tr("Stable Diffusion steps are previewed with a cheap latent → RGB projection; this runs the "
         "full VAE decoder on the shown step (D)"));
  decode_->setShortcut(QKeySequence(Qt::Key_D));
  decode_->setVisible(false);
  branch_ = new QPushButton(tr("Continue from this step…"), this);
  branch_->setObjectName("branchButton");
  branch_->setToolTip(tr("Branch the shown run here: its steps so far, then the prompt, CFG, sampler, steps or seed "
                         "you set before pressing Generate"));
  branch_->setEnabled(false);
  image_ = new ImageView(this);
  image_->setPlaceholder(tr("Type a prompt and press Generate: every step of the reverse chain appears here."));
  candidates_ = new CandidatesView(this);
  stack_ = new QStackedWidget(this);
  stack_->addWidget(image_);
  stack_->addWidget(candidates_);

  play_ = new QToolButton(this);
  play_->setCheckable(true);
  play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
  play_->setToolTip(tr("Play the chain (Space)"));
  timeline_ = new QSlider(Qt::Horizontal, this);
  timeline_->setRange(0, 0);
  timeline_->setEnabled(false);
  timeline_->setToolTip(tr("Scrub through the steps"));
  info_ = new QLabel(this);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // A label whose size follows its text re-lays out the panel at every step:
  // a fixed two lines (the second for a branch's or an edited prompt's note).
  info_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  info_->setWordWrap(true);
  info_->setFixedHeight(info_->fontMetrics().lineSpacing() * 2 + 4);
  info_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  playback_ = new QTimer(this);
  playback_->setInterval(kPlaybackMs);
  word_picker_ = new WordMapPicker(this);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Show:"), this));
  top->addWidget(mode_, 1);
  top->addWidget(decode_);
  top->addWidget(branch_);
  auto* timeline_row = new QHBoxLayout;
  timeline_row->addWidget(play_);
  timeline_row->addWidget(timeline_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(word_picker_);
  layout->addWidget(stack_, 1);
  layout->addLayout(timeline_row);
  layout->addWidget(info_);

  connect(mode_, &QComboBox::currentIndexChanged, this, &PreviewPanel::refresh);
  connect(timeline_, &QSlider::valueChanged, this, &PreviewPanel::refresh);
  connect(play_, &QToolButton::toggled, this, &PreviewPanel::setPlaying);
  connect(decode_, &QPushButton::clicked, this, [this] {
    if (shownIsApproximate()) Q_EMIT decodeRequested(shownStep(), mode());
  });
  connect(branch_, &QPushButton::clicked, this, [this] {
    if (shownStep() >= 0) Q_EMIT branchRequested(shownStep());
  });
  connect(playback_, &QTimer::timeout, this, &PreviewPanel::advancePlayback);
  connect(word_picker_, &WordMapPicker::changed, this, &PreviewPanel::refresh);
  beginRun(0, false);
}

void PreviewPanel::beginRun(int total_steps, bool oracle) {
  frames_.clear();
  step_prompts_.clear();
  word_history_ = {};
  word_picker_->setWords({});
  setSharedPrefix(0, {});
  expected_total_ = total_steps;
  // Candidates exist only for the oracle model.
  mode_->setItemData(kCandidatesItem, oracle ? QVariant() : QVariant(0), Qt::UserRole - 1);
  if (!oracle && mode() == PreviewMode::Candidates) setMode(PreviewMode::Xt);
  timeline_->setRange(0, 0);
  timeline_->setEnabled(false);
  refresh();
}

void PreviewPanel::addFrame(const StepFrame& frame) {
  const bool follow = frames_.isEmpty() || timeline_->value() == frames_.size() - 1;
  frames_.push_back(frame);
  expected_total_ = frame.total;
  if (frame.word_maps) {
    word_history_.add(frame.index, frame.word_maps);
    QStringList words;
    for (const std::string& word : word_history_.words()) words << QString::fromStdString(word);
    word_picker_->setWords(words);
  }
  {
    const QSignalBlocker block(timeline_);
    timeline_->setRange(0, int(frames_.size()) - 1);
    timeline_->setEnabled(true);
    if (follow) timeline_->setValue(int(frames_.size()) - 1);
  }
  refresh();
}

void PreviewPanel::setFrames(const QVector<StepFrame>& frames, bool oracle) {
  beginRun(frames.isEmpty() ? 0 : frames.front().total, oracle);
  frames_ = frames;
  for (const StepFrame& frame : frames_) word_history_.add(frame.index, frame.word_maps);
  QStringList words;
  for (const std::string& word : word_history_.words()) words << QString::fromStdString(word);
  word_picker_->setWords(words);
  const QSignalBlocker block(timeline_);
  timeline_->setRange(0, std::max(0, int(frames_.size()) - 1));
  timeline_->setEnabled(!frames_.isEmpty());
  timeline_->setValue(timeline_->maximum());
  refresh();
}

void PreviewPanel::showStep(int index) { timeline_->setValue(index); }
int PreviewPanel::shownStep() const { return frames_.isEmpty() ? -1 : timeline_->value(); }
void PreviewPanel::setMode(PreviewMode mode) {
  // A mode the run cannot show (Candidates without the oracle) stays unselectable.
  const QVariant enabled = mode_->itemData(int(mode), Qt::UserRole - 1);
  if (enabled.isValid() && enabled.toInt() == 0) return;
  mode_->setCurrentIndex(int(mode));
}
PreviewMode PreviewPanel::mode() const { return PreviewMode(mode_->currentIndex()); }
bool PreviewPanel::playing() const { return playback_->isActive(); }

void PreviewPanel::setPlaying(bool playing) {
  if (playing && frames_.size() < 2) playing = false;
  if (playing && timeline_->value() == timeline_->maximum()) timeline_->setValue(0);
  playing ? playback_->start() : playback_->stop();
  const QSignalBlocker block(play_);
  play_->setChecked(playing);
  play_->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
}

void PreviewPanel::advancePlayback() {
  if (timeline_->value() >= timeline_->maximum()) {
    setPlaying(false);
    return;
  }
  timeline_->setValue(timeline_->value() + 1);
}

QImage frame_image(const StepFrame& f, PreviewMode mode) {
  switch (mode) {
    case PreviewMode::Xt: return f.xt;
    case PreviewMode::X0: return f.x0;
    case PreviewMode::Eps: return f.eps;
    case PreviewMode::Latents: return f.latents;
    case PreviewMode::Candidates: return f.candidates.isEmpty() ? QImage() : f.candidates.front().image;
  }
  return {};
}

QImage PreviewPanel::shownImage() const {
  const int k = shownStep();
  if (k < 0) return {};
  const QImage image = frame_image(frames_[k], mode());
  const at::Tensor maps = shownWordMaps();
  return maps.defined() ? overlay_word_maps(image, maps) : image;
}

at::Tensor PreviewPanel::shownWordMaps() const {
  const int k = shownStep();
  const PreviewMode m = mode();
  const bool image_mode = m == PreviewMode::Xt || m == PreviewMode::X0 || m == PreviewMode::Eps;
  if (k < 0 || word_picker_->word().isEmpty() || !image_mode) return {};
  // frames_[k] is step frames_[k].index of the chain (a branch's first steps may be missing).
  return word_history_.batch_maps(frames_[k].index, word_picker_->word().toStdString(), word_picker_->allSteps());
}

QString PreviewPanel::stepInfo() const { return info_->text(); }

bool PreviewPanel::shownIsApproximate() const {
  const int k = shownStep();
  if (k < 0 || !frames_[k].approximate) return false;
  if (mode() == PreviewMode::Xt) return !frames_[k].xt_decoded;
  if (mode() == PreviewMode::X0) return !frames_[k].x0_decoded;
  return false;
}

void PreviewPanel::setSharedPrefix(int steps, const QString& parent) {
  shared_prefix_ = steps;
  shared_with_ = parent;
  refresh();
}

void PreviewPanel::setStepPrompts(const QStringList& prompts) {
  step_prompts_ = prompts;
  refresh();
}

void PreviewPanel::setDecoded(int index, PreviewMode mode, const QImage& image) {
  if (index < 0 || index >= frames_.size() || image.isNull()) return;
  StepFrame& f = frames_[index];
  if (mode == PreviewMode::Xt) f.xt = image, f.xt_decoded = true;
  if (mode == PreviewMode::X0) f.x0 = image, f.x0_decoded = true;
  if (index == shownStep()) refresh();
}

void PreviewPanel::refresh() {
  const int k = shownStep();
  stack_->setCurrentWidget(mode() == PreviewMode::Candidates ? static_cast<QWidget*>(candidates_) : image_);
  // Only a finished run can be branched: its steps are all there.
  branch_->setEnabled(k >= 0 && frames_.size() == expected_total_);
  if (k < 0) {
    decode_->setVisible(false);
    image_->setImage({});
    candidates_->setCandidates({});
    info_->setText(expected_total_ > 0 ? tr("Loading the model…") : QString());
    return;
  }
  const StepFrame& f = frames_[k];
  image_->setImage(shownImage());
  candidates_->setCandidates(f.candidates);
  const bool approximate = shownIsApproximate();
  decode_->setVisible(approximate);
  info_->setText(tr("Step %1 of %2   t = %3   σ_t = %4   ᾱ_t = %5   SNR = %6%7")
                     .arg(f.index + 1)
                     .arg(f.total)
                     .arg(f.t, 0, 'f', 1)
                     .arg(f.sigma, 0, 'g', 4)
                     .arg(f.alpha_bar, 0, 'g', 4)
                     .arg(f.snr(), 0, 'g', 4)
                     .arg(approximate ? tr("   (%1)").arg(f.approximation) : QString()) +
                 (k < shared_prefix_ ? tr("   — shared with %1").arg(shared_with_) : QString()) +
                 (k < step_prompts_.size() && !step_prompts_[k].isEmpty() ? QStringLiteral("\n") + step_prompts_[k]
                                                                           : QString()));
  Q_EMIT stepShown(k);
}

}  // namespace diffscope::ui
