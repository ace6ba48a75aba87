#pragma once
// generate --attention-maps DIR [--attention-steps]: each prompt word's heat
// map (word_maps.h) as a grayscale PNG at the image's size.
#include <filesystem>

#include "core/analysis/word_maps.h"

namespace diffscope::cli {

// Error unless `dir` can take the maps: absent, empty, or `overwrite`.
void check_word_map_folder(const std::filesystem::path& dir, bool overwrite);

// DIR/NN-word.png summed over all steps (the start token: NN-start-token.png);
// with per_step also DIR/step-SSS/NN-word.png. Batches: DIR/image-I/… per
// image. Prints each file written.
void write_word_maps(const std::filesystem::path& dir, const WordMapHistory& history, int width, int height,
                     bool per_step);

}  // namespace diffscope::cli
