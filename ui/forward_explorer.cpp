#include "ui/forward_explorer.h"

#include <ATen/ATen.h>

#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/data/emoji_set.h"
#include "core/io/png_image.h"
#include "core/sampling/noise_source.h"
#include "core/schedule/forward_process.h"
#include "core/schedule/noise_schedule.h"
#include "ui/image_view.h"
#include "ui/tensor_image.h"

namespace diffscope::ui {
namespace {

constexpr int kMaxSide = 128;

// A starting picture: the EmojiOne cat when the art is installed, else a
// colour gradient.
QImage default_image() {
  try {
    const auto png = find_gemojione_dir() / "assets" / "png";
    for (const char* name : {"1f431.png", "1F431.png"}) {
      QImage image(QString::fromStdString((png / name).string()));
      if (!image.isNull()) return image;
    }
  } catch (const Error&) {
  }
  QImage image(64, 64, QImage::Format_RGB888);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) image.setPixel(x, y, qRgb(4 * x, 4 * y, 255 - 2 * (x + y)));
  return image;
}

}  // namespace

ForwardExplorer::ForwardExplorer(QWidget* parent) : QWidget(parent) {
  setAcceptDrops(true);
  view_ = new ImageView(this);
  t_slider_ = new QSlider(Qt::Horizontal, this);
  t_spin_ = new QSpinBox(this);
  seed_ = new QSpinBox(this);
  seed_->setRange(0, 1'000'000);
  schedule_ = new QComboBox(this);
  for (const auto& name : NoiseSchedule::names()) schedule_->addItem(QString::fromStdString(name));
  numbers_ = new QLabel(this);
  numbers_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* open = new QPushButton(tr("Open image…"), this);

  auto* t_row = new QHBoxLayout;
  t_row->addWidget(t_slider_, 1);
  t_row->addWidget(t_spin_);
  auto* form = new QFormLayout;
  form->addRow(tr("Timestep t"), t_row);
  form->addRow(tr("Noise seed"), seed_);
  form->addRow(tr("Schedule"), schedule_);
  auto* header = new QHBoxLayout;
  header->addWidget(new QLabel(tr("x₀   |   ε   |   x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε      (drop an image here)"), this), 1);
  header->addWidget(open);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(header);
  layout->addWidget(view_, 1);
  layout->addLayout(form);
  layout->addWidget(numbers_);

  connect(open, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open an image"), {},
                                                      tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"));
    if (!path.isEmpty()) loadImage(path);
  });
  connect(t_slider_, &QSlider::valueChanged, t_spin_, &QSpinBox::setValue);
  connect(t_spin_, &QSpinBox::valueChanged, t_slider_, &QSlider::setValue);
  connect(t_spin_, &QSpinBox::valueChanged, this, &ForwardExplorer::updateView);
  connect(seed_, &QSpinBox::valueChanged, this, &ForwardExplorer::renoise);
  connect(schedule_, &QComboBox::currentIndexChanged, this, [this] {
    const int steps = NoiseSchedule::by_name(schedule_->currentText().toStdString()).steps();
    t_slider_->setRange(0, steps - 1);
    t_spin_->setRange(0, steps - 1);
    updateView();
  });
  t_slider_->setRange(0, 999);
  t_spin_->setRange(0, 999);
  setImage(default_image());
  setTimestep(250);
}

bool ForwardExplorer::loadImage(const QString& path) {
  // PNGs go through DiffScope's reader, which refuses chunks and pixel counts
  // the file cannot hold before allocating anything: Qt's libpng allocates
  // what a text chunk claims (2 GB for a file of a few hundred bytes; found
  // by test_window_faults with the hostile-file corpus).
  QFile file(path);
  if (file.open(QIODevice::ReadOnly) && file.read(8) == QByteArray("\x89PNG\r\n\x1a\n", 8)) {
    try {
      setImage(image_from_hwc(read_png_rgb(path.toStdString())));
      return true;
    } catch (const std::exception& e) {
      Q_EMIT message(tr("Cannot open %1: %2").arg(path, QString::fromUtf8(e.what())));
      return false;
    }
  }
  QImageReader reader(path);
  const QImage image = reader.read();
  if (image.isNull()) {
    Q_EMIT message(tr("Cannot open %1: %2").arg(path, reader.errorString()));
    return false;
  }
  setImage(image);
  return true;
}

void ForwardExplorer::setImage(const QImage& source) {
  QImage image = source;
  if (std::max(image.width(), image.height()) > kMaxSide) {
    image = image.scaled(kMaxSide, kMaxSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
  }
  QImage on_white(image.size(), QImage::Format_RGB888);
  on_white.fill(Qt::white);
  QPainter(&on_white).drawImage(0, 0, image);
  x0_ = images_to_model_range(hwc_from_image(on_white).unsqueeze(0));
  renoise();
}

void ForwardExplorer::renoise() {
  if (!x0_.defined()) return;
  NoiseSource source(seed_->value(), 1);
  noise_ = source.draw(x0_.sizes().slice(1));
  updateView();
}

void ForwardExplorer::setTimestep(int t) { t_spin_->setValue(t); }
int ForwardExplorer::timestep() const { return t_spin_->value(); }
QImage ForwardExplorer::shownImage() const { return view_->image(); }
QString ForwardExplorer::numbers() const { return numbers_->text(); }

void ForwardExplorer::updateView() {
  if (!x0_.defined() || !noise_.defined()) return;
  const NoiseSchedule schedule = NoiseSchedule::by_name(schedule_->currentText().toStdString());
  const int t = std::min(timestep(), schedule.steps() - 1);
  const double a = schedule.alpha_bar(t);
  const at::Tensor xt = forward_diffuse(x0_, noise_, a);
  view_->setImage(batch_image(at::cat({x0_, noise_ / 3.0, xt}, 0)));
  numbers_->setText(tr("ᾱ_t = %1   √ᾱ_t = %2   √(1−ᾱ_t) = %3   β_t = %4   σ_t = %5   SNR = %6")
                        .arg(a, 0, 'g', 5)
                        .arg(std::sqrt(a), 0, 'g', 5)
                        .arg(std::sqrt(1 - a), 0, 'g', 5)
                        .arg(schedule.beta(t), 0, 'g', 4)
                        .arg(schedule.sigma(t), 0, 'g', 5)
                        .arg(schedule.snr(t), 0, 'g', 5));
}

void ForwardExplorer::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() || event->mimeData()->hasImage()) event->acceptProposedAction();
}

void ForwardExplorer::dropEvent(QDropEvent* event) {
  const QMimeData* mime = event->mimeData();
  if (mime->hasImage()) {
    setImage(qvariant_cast<QImage>(mime->imageData()));
  } else if (mime->hasUrls() && !mime->urls().isEmpty()) {
    loadImage(mime->urls().front().toLocalFile());
  }
  event->acceptProposedAction();
}

}  // namespace diffscope::ui
