#include "core/models/sd/taesd_decoder.h"

#include <ATen/ATen.h>

#include "core/common/errors.h"
#include "core/io/user_dirs.h"
#include "core/models/sd/sd_checkpoint.h"
#include "core/models/sd/weight_store.h"

namespace diffscope::sd {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kWidth = 64;
// Places in the published sequence: blocks and the upsamplers' convs.
const std::vector<int> kBlocks = {3, 4, 5, 8, 9, 10, 13, 14, 15, 18};
const std::vector<int> kUpsamplers = {7, 12, 17};
constexpr int kInput = 1, kOutput = 19;

at::Tensor conv(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return at::conv2d(x, weight, bias, {1, 1}, {1, 1});
}

}  // namespace

int TaesdDecoder::preview_downscale(const at::Tensor& latents) {
  return latents.is_cpu() && latents.size(2) * latents.size(3) > 32 * 32 ? 2 : 1;
}

at::Tensor TaesdDecoder::preview(const at::Tensor& latents) const {
  const int downscale = preview_downscale(latents);
  const at::Tensor image = decode(latents, downscale);
  if (downscale == 1) return image;
  return at::upsample_bilinear2d(image, {latents.size(2) * 8, latents.size(3) * 8}, false);
}

std::unique_ptr<TaesdDecoder> TaesdDecoder::load(const fs::path& path, at::ScalarType compute_type,
                                                 const c10::Device& device) {
  auto decoder = std::unique_ptr<TaesdDecoder>(new TaesdDecoder());
  decoder->path_ = path;
  decoder->compute_type_ = compute_type;
  WeightStore store(compute_type, device);
  store.add_file(open_safetensors_file(path));
  const std::string input = std::to_string(kInput) + ".weight";
  if (!store.has(input)) {
    throw Error(path.string() + " is not a TAESD decoder (no tensor '" + input +
                "'; the published taesd_decoder.safetensors layout is expected)");
  }
  const auto input_shape = store.shape(input);
  if (input_shape.size() != 4 || input_shape[0] != kWidth) {
    throw Error(path.string() + ": tensor '" + input + "' has shape " + shape_text(input_shape) +
                ", expected [64, C, 3, 3]");
  }
  decoder->latent_channels_ = input_shape[1];
  auto take = [&](int place, const std::string& part, int64_t in, int64_t out, bool bias) {
    const std::string p = std::to_string(place) + part;
    Conv c;
    // Channels-last: its 64-channel convolutions at the image's size run
    // 1.3–1.5× faster so on the CPU (docs/PERFORMANCE.md).
    c.weight = store.take(p + ".weight", {out, in, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast);
    if (bias) c.bias = store.take(p + ".bias", {out});
    return c;
  };
  decoder->input_ = take(kInput, "", decoder->latent_channels_, kWidth, true);
  for (int place : kBlocks) {
    std::vector<Conv> block;
    for (const char* part : {".conv.0", ".conv.2", ".conv.4"}) block.push_back(take(place, part, kWidth, kWidth, true));
    decoder->blocks_.push_back(std::move(block));
  }
  for (int place : kUpsamplers) decoder->upsamplers_.push_back(take(place, "", kWidth, kWidth, false));
  decoder->output_ = take(kOutput, "", kWidth, 3, true);
  if (const auto unused = store.unused(); !unused.empty()) {
    throw Error(path.string() + ": tensor '" + unused.front() + "' is not part of a TAESD decoder");
  }
  return decoder;
}

at::Tensor TaesdDecoder::decode(const at::Tensor& latents, int downscale) const {
  if (latents.dim() != 4 || latents.size(1) != latent_channels_) {
    throw Error("the TAESD decoder takes " + std::to_string(latent_channels_) + "-channel latents");
  }
  at::Tensor z = latents.to(input_.weight.device(), compute_type_);
  if (downscale > 1) z = at::avg_pool2d(z, {downscale, downscale});
  at::Tensor x = (at::tanh(z / 3.0) * 3.0).contiguous(at::MemoryFormat::ChannelsLast);
  x = at::relu(conv(x, input_.weight, input_.bias));
  size_t block = 0;
  auto run_block = [&] {
    const std::vector<Conv>& b = blocks_[block++];
    at::Tensor h = at::relu(conv(x, b[0].weight, b[0].bias));
    h = at::relu(conv(h, b[1].weight, b[1].bias));
    h = conv(h, b[2].weight, b[2].bias);
    x = at::relu(h + x);
  };
  for (const Conv& up : upsamplers_) {
    for (int i = 0; i < 3; ++i) run_block();
    x = conv(at::upsample_nearest2d(x, {x.size(2) * 2, x.size(3) * 2}), up.weight, up.bias);
  }
  run_block();
  x = conv(x, output_.weight, output_.bias).contiguous();
  return (x.to(at::kFloat) * 2.0 - 1.0).clamp(-1.0, 1.0);  // [0, 1] → [−1, 1]
}

std::optional<fs::path> find_taesd(const fs::path& checkpoint, const std::string& asked, bool xl) {
  if (asked == "none") return std::nullopt;
  if (!asked.empty()) {
    if (!fs::is_regular_file(asked)) throw Error("the preview decoder " + asked + " does not exist");
    return fs::path(asked);
  }
  const std::string name = xl ? "taesdxl_decoder.safetensors" : "taesd_decoder.safetensors";
  std::error_code error;
  const fs::path absolute = fs::absolute(checkpoint, error);
  std::vector<fs::path> dirs;
  if (fs::is_directory(absolute, error)) dirs.push_back(absolute);
  const fs::path beside = absolute.parent_path();
  dirs.push_back(beside);
  dirs.push_back(beside.parent_path() / "vae_approx");
  if (const fs::path data = user_data_dir(); !data.empty()) dirs.push_back(data / "taesd");
  for (const fs::path& dir : dirs) {
    if (fs::is_regular_file(dir / name, error)) return dir / name;
  }
  return std::nullopt;
}

}  // namespace diffscope::sd
