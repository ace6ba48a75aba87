#pragma once
// The forward process, hands on: load or drop an image, slide t and see
// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for a fixed noise seed, with the schedule's
// numbers at that t.
#include <ATen/core/Tensor.h>

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace diffscope::ui {

class ImageView;

class ForwardExplorer : public QWidget {
  Q_OBJECT

 public:
  explicit ForwardExplorer(QWidget* parent = nullptr);

  // Loads any image Qt reads (alpha on white, longest side at most 128 px);
  // returns false and shows why when it cannot.
  bool loadImage(const QString& path);
  void setImage(const QImage& image);
  void setTimestep(int t);
  int timestep() const;
  // x_0 | ε | x_t side by side, as shown.
  QImage shownImage() const;
  QString numbers() const;

 Q_SIGNALS:
  void message(const QString& text);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void renoise();
  void updateView();

  at::Tensor x0_;     // (1, 3, H, W) in [−1, 1]
  at::Tensor noise_;  // same shape, from the seed
  ImageView* view_;
  QSlider* t_slider_;
  QSpinBox* t_spin_;
  QSpinBox* seed_;
  QComboBox* schedule_;
  QLabel* numbers_;
};

}  // namespace diffscope::ui
