#include "core/training/preview_distillation.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/common/runtime.h"
#include "core/data/emoji_pairs.h"
#include "core/data/emoji_set.h"
#include "core/evaluation/model_evaluation.h"
#include "core/models/ldm/ldm_model.h"
#include "core/schedule/forward_process.h"
#include "core/schedule/noise_schedule.h"
#include "core/training/adamw.h"
#include "core/training/progress.h"

namespace diffscope::training {
namespace {

using Clock = std::chrono::steady_clock;

// Scaled diffusion latents of the chosen images, encoded in chunks.
torch::Tensor encode_all(ldm::LdmModel& model, const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> latents;
  for (int64_t begin = 0; begin < images.size(0); begin += 256) {
    latents.push_back(model.encode_images(images.slice(0, begin, std::min(begin + 256, images.size(0)))));
  }
  return torch::cat(latents);
}

// PSNR of the preview decoder's images against the real decoder's, as 8-bit
// images (what the app shows).
double preview_psnr(const torch::Tensor& preview, const torch::Tensor& decoded) {
  return evaluation::psnr(model_range_to_images(preview), model_range_to_images(decoded));
}

class Distillation {
 public:
  Distillation(const PreviewDistillOptions& options, const ProgressSink& progress, const CancelToken& cancel)
      : options_(options), progress_(progress), cancel_(cancel), device_(resolve_device(options.device)) {}

  PreviewDistillSummary run();

 private:
  void load();
  // One optimiser step; returns its MSE against the real decoder.
  double step(int64_t index, AdamW& optimizer);
  void evaluate(PreviewDistillSummary& summary);

  PreviewDistillOptions options_;
  ProgressSink progress_;
  CancelToken cancel_;
  torch::Device device_;
  std::shared_ptr<ldm::LdmModel> model_;
  torch::Tensor trained_latents_, held_out_latents_, alpha_bars_;
  SmoothedValue loss_, step_seconds_{0.9};
};

void Distillation::load() {
  if (options_.steps < 1 || options_.batch < 2) throw Error("the distillation needs at least 1 step and a batch of 2");
  model_ = std::make_shared<ldm::LdmModel>(ldm::LdmModel::load(options_.model_config, options_.model_weights));
  const EmojiPairs pairs = load_emoji_pairs(options_.data);
  if (pairs.images.size(1) != model_->config.image_size) {
    throw Error(options_.data.string() + " holds " + std::to_string(pairs.images.size(1)) +
                "-pixel images; the model draws " + std::to_string(model_->config.image_size));
  }
  std::vector<int64_t> trained, held_out;
  for (int64_t i = 0; i < pairs.size(); ++i) (pairs.held_out[static_cast<size_t>(i)] ? held_out : trained).push_back(i);
  if (trained.size() < 16) throw Error(options_.data.string() + ": fewer than 16 trainable images");
  model_->to(device_);
  model_->train(false);
  const torch::Tensor images = images_to_model_range(pairs.images).to(device_);
  trained_latents_ = encode_all(*model_, images.index_select(0, torch::tensor(trained).to(device_)));
  if (!held_out.empty()) {
    held_out_latents_ = encode_all(*model_, images.index_select(0, torch::tensor(held_out).to(device_)));
  }
  const NoiseSchedule schedule = NoiseSchedule::by_name(model_->config.schedule);
  std::vector<double> values;
  for (int t = 0; t < schedule.steps(); ++t) values.push_back(schedule.alpha_bar(t));
  alpha_bars_ = torch::tensor(values, torch::kFloat).to(device_);
  torch::manual_seed(options_.seed);
  model_->add_preview_decoder(options_.shape);
  model_->preview_decoder->train(true);
}

double Distillation::step(int64_t index, AdamW& optimizer) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed * 1'000'003ULL + uint64_t(index));
  const int64_t batch = options_.batch, count = trained_latents_.size(0);
  const auto cpu_long = torch::TensorOptions().dtype(torch::kLong);
  const torch::Tensor picks = torch::randint(count, {batch}, generator, cpu_long).to(device_);
  const torch::Tensor partners = torch::randint(count, {batch}, generator, cpu_long).to(device_);
  const torch::Tensor z = trained_latents_.index_select(0, picks);
  const torch::Tensor timesteps = torch::randint(alpha_bars_.size(0), {batch}, generator, cpu_long).to(device_);
  const torch::Tensor noise = at::randn(z.sizes(), generator).to(device_);
  const torch::Tensor weight = at::rand({batch, 1, 1, 1}, generator).to(device_);
  const torch::Tensor kind = torch::randint(3, {batch, 1, 1, 1}, generator, cpu_long).to(device_);
  // A third each: clean latents, x_t at a random noise level, blends of two images.
  const torch::Tensor blend = torch::lerp(z, trained_latents_.index_select(0, partners), weight);
  const torch::Tensor input = torch::where(
      kind == 0, z,
      torch::where(kind == 1, forward_diffuse_batch(z, noise, alpha_bars_.index_select(0, timesteps)), blend));
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    target = model_->decode_latents(input);
  }
  const torch::Tensor output = model_->preview_latents(input);
  const torch::Tensor mse = torch::mse_loss(output, target);
  (mse + 0.1 * (output - target).abs().mean()).backward();
  optimizer.step(
      warmup_cosine_lr(index, options_.steps, std::min<int64_t>(200, options_.steps / 10), options_.lr, 0.05));
  return mse.item<double>();
}

void Distillation::evaluate(PreviewDistillSummary& summary) {
  if (!held_out_latents_.defined()) return;
  torch::NoGradGuard no_grad;
  model_->preview_decoder->train(false);
  const torch::Tensor z = held_out_latents_;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(options_.seed + 7);
  const torch::Tensor noisy = forward_diffuse_batch(z, at::randn(z.sizes(), generator).to(device_),
                                                    alpha_bars_.index({500}).expand({z.size(0)}));
  summary.psnr_clean = preview_psnr(model_->preview_latents(z), model_->decode_latents(z));
  summary.psnr_noisy = preview_psnr(model_->preview_latents(noisy), model_->decode_latents(noisy));
}

PreviewDistillSummary Distillation::run() {
  const auto started = Clock::now();
  load();
  std::map<std::string, torch::Tensor> trained;
  for (const auto& item : model_->preview_decoder->named_parameters()) trained.emplace(item.key(), item.value());
  AdamW optimizer(trained);
  auto last = Clock::now();
  for (int64_t index = 0; index < options_.steps; ++index) {
    cancel_.throw_if_cancelled();
    const double mse = step(index, optimizer);
    const auto now = Clock::now();
    step_seconds_.add(std::chrono::duration<double>(now - last).count());
    last = now;
    const double smoothed = loss_.add(mse);
    if (progress_) progress_({"preview", index + 1, options_.steps, smoothed, step_seconds_.value()});
  }
  PreviewDistillSummary summary;
  evaluate(summary);
  std::filesystem::create_directories(options_.out_dir);
  summary.config_path = options_.out_dir / (model_->config.name + ".json");
  summary.weights_path = options_.out_dir / (model_->config.name + ".safetensors");
  model_->to(torch::kCPU);
  model_->save(summary.config_path, summary.weights_path);
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.loss = loss_.value();
  return summary;
}

}  // namespace

PreviewDistillSummary distill_preview_decoder(const PreviewDistillOptions& options, const ProgressSink& progress,
                                              const CancelToken& cancel) {
  return Distillation(options, progress, cancel).run();
}

}  // namespace diffscope::training
