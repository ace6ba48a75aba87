#pragma once
// Small built-in-model setups for tests: a tiny architecture that trains and
// samples in milliseconds, and a synthetic paired data set written to disk.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/data/emoji_pairs.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/ldm/ldm_config.h"

namespace diffscope::support {

// Same layout as the real model, a few channels wide; image_size 32.
ldm::LdmConfig tiny_ldm_config(const std::vector<std::string>& captions);

// An untrained tiny_ldm_config model over `pairs`' captions (seed 5) on the
// CPU, for the evaluations' tests.
std::unique_ptr<LdmBundle> tiny_ldm_bundle(const EmojiPairs& pairs);

// n images at 32×32: smooth colour blobs, captions "<colour> blob number k,
// style", every 5th held out (its caption has the word "heldoutonly").
EmojiPairs synthetic_pairs(int64_t n);

}  // namespace diffscope::support
