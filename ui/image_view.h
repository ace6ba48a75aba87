#pragma once
// Shows one image as large as fits, with square pixels (nearest neighbour) so
// a 64×64 sample reads as pixels, not blur; a hint text when empty.
#include <QImage>
#include <QString>
#include <QWidget>

namespace diffscope::ui {

class ImageView : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(QWidget* parent = nullptr);

  void setImage(const QImage& image);
  const QImage& image() const { return image_; }
  void setPlaceholder(const QString& text);
  QSize sizeHint() const override { return {320, 320}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage image_;
  QString placeholder_;
};

}  // namespace diffscope::ui
