#pragma once
// Renders Noto Color Emoji (Debian's fonts-noto-color-emoji) with Qt at 64×64
// on white, for the built-in model's data set.
#include <ATen/core/Tensor.h>

#include <QFont>
#include <QString>

#include <string>

namespace diffscope::dataset {

class NotoRenderer {
 public:
  // Error when the font file cannot be loaded.
  explicit NotoRenderer(const QString& font_path = default_font_path());
  static QString default_font_path();

  // (64, 64, 3) uint8, or an undefined tensor when the font lacks the sequence
  // (it would draw it as several glyphs or a box).
  at::Tensor render(const std::u32string& sequence) const;

 private:
  QFont font_;
};

}  // namespace diffscope::dataset
