#pragma once
// Word heat maps in the chain view: a picker (record them or not, which word,
// the shown step or all steps so far) and the overlay of a map on an image,
// coloured as DAAM shows them (jet, half transparent).
#include <ATen/core/Tensor.h>

#include <QImage>
#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;

namespace diffscope::ui {

// `maps` (batch, h, w): one map per image of a batch drawn side by side in
// `image`; each is stretched to its tile (heat_map_image) and blended over it.
QImage overlay_word_maps(const QImage& image, const at::Tensor& maps);

class WordMapPicker : public QWidget {
  Q_OBJECT

 public:
  explicit WordMapPicker(QWidget* parent = nullptr);

  // Whether the next run should record maps (the box is ticked and the model can).
  bool recording() const;
  // The model can record them (its ModelInfo::options.word_maps).
  void setAvailable(bool available);
  // The words the shown run has maps for; keeps the chosen word if it is among them.
  void setWords(const QStringList& words);
  // The word to overlay, or empty for none.
  QString word() const;
  void setWord(const QString& word);
  // Summed over every step so far, or the shown step's alone.
  bool allSteps() const;
  void setAllSteps(bool all);

 Q_SIGNALS:
  void changed();  // the word or the span changed: the view redraws

 private:
  QCheckBox* record_;
  QComboBox* word_;
  QComboBox* span_;
  QStringList words_;
};

}  // namespace diffscope::ui
