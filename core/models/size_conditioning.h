#pragma once
// SDXL's micro-conditioning (sgm's original_size_as_tuple,
// crop_coords_top_left and target_size_as_tuple): the size the training image
// had, where it was cropped, and the size being drawn. A size of 0 means the
// image's own; A1111 and stable-diffusion.cpp use the image size for both and
// no crop, which is what the defaults give.
#include <array>
#include <cstdint>

namespace diffscope {

struct SizeConditioning {
  int original_width = 0, original_height = 0;  // 0: the image's
  int crop_left = 0, crop_top = 0;
  int target_width = 0, target_height = 0;  // 0: the image's

  bool is_default() const { return *this == SizeConditioning{}; }
  bool operator==(const SizeConditioning&) const = default;

  // In sgm's order, heights first: (original h, original w, crop top, crop left, target h, target w).
  std::array<int64_t, 6> values(int64_t image_height, int64_t image_width) const {
    return {original_height > 0 ? original_height : image_height,
            original_width > 0 ? original_width : image_width,
            crop_top,
            crop_left,
            target_height > 0 ? target_height : image_height,
            target_width > 0 ? target_width : image_width};
  }
};

}  // namespace diffscope
