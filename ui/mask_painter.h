#pragma once
// Painting an inpainting mask on the start image, as in A1111's inpaint tab:
// the left button paints where the model will repaint (shown red over the
// image), the right button erases; a brush size, Clear, Invert. Saved as a
// black-and-white PNG of the image's size (white repaints), which is what
// the run reads (core/pipeline/inpaint_mask.h).
#include <QDialog>
#include <QImage>
#include <QPoint>
#include <QString>
#include <QWidget>

class QSlider;

namespace diffscope::ui {

// The image with the mask over it: a small image enlarged by a whole factor
// (pixel for pixel), a large one (SDXL's 1024²) shrunk to fit a screen.
class MaskCanvas : public QWidget {
  Q_OBJECT

 public:
  MaskCanvas(const QImage& image, QWidget* parent = nullptr);

  const QImage& mask() const { return mask_; }  // Grayscale8, the image's size
  void setMask(const QImage& mask);             // another size is ignored
  void setBrushRadius(int pixels) { radius_ = pixels; }
  void clear();
  void invert();
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

 private:
  double scale() const;
  QPoint toImage(const QPoint& widget_point) const;
  void strokeTo(const QPoint& image_point);
  void rebuildOverlay();

  QImage image_, mask_;
  // The mask as translucent red, kept in step with every stroke (rebuilding it
  // at every mouse move cost 4 MB at 1024²).
  QImage overlay_;
  int radius_ = 4;
  bool painting_ = false;
  bool erasing_ = false;
  QPoint last_;
};

class MaskPainter : public QDialog {
  Q_OBJECT

 public:
  // `start_image`: the PNG to paint on; `mask`: a mask to go on editing (or empty).
  MaskPainter(const QString& start_image, const QString& mask, QWidget* parent = nullptr);

  bool ready() const { return !canvas_image_.isNull(); }  // false: the start image could not be read
  MaskCanvas* canvas() const { return canvas_; }
  // Writes the mask as a new PNG in `folder` named after the start image; the
  // path, or empty (with `error` set) when it cannot be written.
  QString save(const QString& folder, QString* error) const;

 private:
  QString start_image_;
  QImage canvas_image_;
  MaskCanvas* canvas_ = nullptr;
  QSlider* brush_ = nullptr;
};

}  // namespace diffscope::ui
