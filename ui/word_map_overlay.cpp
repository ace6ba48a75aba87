#include "ui/word_map_overlay.h"

#include <ATen/ATen.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QPainter>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/analysis/word_maps.h"
#include "core/text/prompt_words.h"

namespace diffscope::ui {
namespace {

// Matplotlib's "jet" as four linear pieces: blue → cyan → yellow → red.
const std::array<QRgb, 256>& jet() {
  static const std::array<QRgb, 256> table = [] {
    std::array<QRgb, 256> colours{};
    auto clamp = [](double x) { return static_cast<int>(255 * std::clamp(x, 0.0, 1.0) + 0.5); };
    for (int value = 0; value < 256; ++value) {
      const double v = value / 255.0;
      colours[value] =
          qRgb(clamp(1.5 - std::abs(4 * v - 3)), clamp(1.5 - std::abs(4 * v - 2)), clamp(1.5 - std::abs(4 * v - 1)));
    }
    return colours;
  }();
  return table;
}

// Half the image, half the map's colour (DAAM's overlays: alpha 0.5).
QRgb half_and_half(QRgb a, QRgb b) {
  return qRgb((qRed(a) + qRed(b) + 1) / 2, (qGreen(a) + qGreen(b) + 1) / 2, (qBlue(a) + qBlue(b) + 1) / 2);
}

QString shown_word(const QString& word) {
  return word == QString(kStartTokenWord) ? QObject::tr("⟨start token⟩") : word;
}

}  // namespace

QImage overlay_word_maps(const QImage& image, const at::Tensor& maps) {
  if (image.isNull() || !maps.defined() || maps.dim() != 3 || maps.size(0) < 1) return image;
  QImage out = image.convertToFormat(QImage::Format_RGB32);
  const int batch = static_cast<int>(maps.size(0));
  const int tile_width = out.width() / batch, height = out.height();
  if (tile_width < 1 || height < 1) return image;
  for (int item = 0; item < batch; ++item) {
    const at::Tensor heat = heat_map_image(maps[item], tile_width, height);
    const uint8_t* values = heat.data_ptr<uint8_t>();
    for (int y = 0; y < height; ++y) {
      auto* row = reinterpret_cast<QRgb*>(out.scanLine(y)) + item * tile_width;
      const uint8_t* line = values + static_cast<size_t>(y) * tile_width;
      for (int x = 0; x < tile_width; ++x) row[x] = half_and_half(row[x], jet()[line[x]]);
    }
  }
  return out;
}

WordMapPicker::WordMapPicker(QWidget* parent) : QWidget(parent) {
  record_ = new QCheckBox(tr("Word heat maps"), this);
  record_->setObjectName("recordWordMaps");
  record_->setToolTip(
      tr("Record, at every step, how much attention each word of the prompt draws to each part of the image "
         "(DAAM: cross-attention summed over heads and layers). Takes effect from the next run."));
  word_ = new QComboBox(this);
  word_->setObjectName("wordMapWord");
  word_->setToolTip(tr("The word whose map is laid over the image"));
  span_ = new QComboBox(this);
  span_->setObjectName("wordMapSpan");
  span_->addItem(tr("this step"));
  span_->addItem(tr("all steps"));
  span_->setToolTip(tr("The shown step's map, or the sum over every step up to the shown one"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(record_);
  layout->addWidget(word_, 1);
  layout->addWidget(span_);
  setWords({});
  connect(word_, &QComboBox::currentIndexChanged, this, &WordMapPicker::changed);
  connect(span_, &QComboBox::currentIndexChanged, this, &WordMapPicker::changed);
}

bool WordMapPicker::recording() const { return record_->isEnabled() && record_->isChecked(); }

void WordMapPicker::setAvailable(bool available) {
  record_->setEnabled(available);
  record_->setToolTip(available ? record_->toolTip()
                                : tr("This model does not read the prompt through attention: it has no word maps"));
}

void WordMapPicker::setWords(const QStringList& words) {
  if (words == words_ && word_->count() > 0) return;
  const QString chosen = word();
  words_ = words;
  {
    const QSignalBlocker block(word_);
    word_->clear();
    word_->addItem(words.isEmpty() ? tr("no word maps in this run") : tr("no word map shown"), QString());
    for (const QString& w : words) word_->addItem(shown_word(w), w);
    const int again = word_->findData(chosen);
    word_->setCurrentIndex(std::max(0, again));
  }
  word_->setEnabled(!words.isEmpty());
  span_->setEnabled(!words.isEmpty());
  if (word() != chosen) Q_EMIT changed();
}

QString WordMapPicker::word() const { return word_->currentData().toString(); }

void WordMapPicker::setWord(const QString& word) {
  const int index = word_->findData(word);
  if (index >= 0) word_->setCurrentIndex(index);
}

bool WordMapPicker::allSteps() const { return span_->currentIndex() == 1; }
void WordMapPicker::setAllSteps(bool all) { span_->setCurrentIndex(all ? 1 : 0); }

}  // namespace diffscope::ui
