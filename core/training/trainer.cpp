#include "core/training/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/common/errors.h"
#include "core/common/image_range.h"
#include "core/common/runtime.h"
#include "core/data/emoji_pairs.h"
#include "core/data/emoji_set.h"
#include "core/data/pair_captions.h"
#include "core/io/png_image.h"
#include "core/models/ldm/ldm_bundle.h"
#include "core/models/ldm/ldm_model.h"
#include "core/pipeline/pipeline.h"
#include "core/schedule/forward_process.h"
#include "core/training/adamw.h"
#include "core/training/name_aliases_from_cldr.h"
#include "core/training/progress.h"
#include "core/training/sample_grid.h"
#include "core/training/skin_tone_balance.h"
#include "core/training/train_checkpoint.h"

namespace diffscope::training {
namespace {

using ldm::LdmModel;
using Clock = std::chrono::steady_clock;

constexpr int kWarmupSteps = 200;

// The autoencoder's parameters (phase 1), or the text encoder's and U-Net's
// (phase 2: what is trained and EMA-averaged).
std::map<std::string, torch::Tensor> phase_tensors(const LdmModel& model, bool autoencoder) {
  std::map<std::string, torch::Tensor> picked;
  for (auto& [name, tensor] : model.tensors()) {
    if (name.rfind("preview_decoder.", 0) == 0) continue;  // distilled afterwards (preview_distillation.h)
    if ((name.rfind("autoencoder.", 0) == 0) == autoencoder) picked.emplace(name, tensor);
  }
  return picked;
}

// The decoder's parameters (phase 3).
std::map<std::string, torch::Tensor> decoder_tensors(const LdmModel& model) {
  std::map<std::string, torch::Tensor> picked;
  for (auto& [name, tensor] : model.tensors()) {
    if (name.rfind("autoencoder.decoder.", 0) == 0) picked.emplace(name, tensor);
  }
  return picked;
}

// What the optimizer of a phase updates.
std::map<std::string, torch::Tensor> optimized_tensors(const LdmModel& model, TrainPhase phase) {
  if (phase == TrainPhase::Decoder) return decoder_tensors(model);
  return phase_tensors(model, phase == TrainPhase::Autoencoder);
}

void copy_tensors(const std::map<std::string, torch::Tensor>& from, std::map<std::string, torch::Tensor> to) {
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : to) tensor.copy_(from.at(name));
}

class TrainingRun {
 public:
  TrainingRun(const TrainOptions& options, const ProgressSink& progress, const CancelToken& cancel)
      : options_(options), progress_(progress), cancel_(cancel), device_(resolve_device(options.device)) {}

  TrainSummary run();

 private:
  void load_data();
  ldm::LdmConfig fresh_config() const;
  void start_fresh();
  void start_from_autoencoder();
  void train_autoencoder();
  void finish_autoencoder();
  void compute_latents();
  void train_unet();
  void start_decoder_phase();
  void train_decoder();
  // Reconstruction steps until `total`: the decoder learns, and the encoder
  // too when train_encoder (phase 1; phase 3 keeps it frozen).
  void train_reconstruction(int64_t total, double peak_lr, bool train_encoder);
  void reconstruction_step(int64_t total, double peak_lr, bool train_encoder);
  void update_ema(int64_t step);
  at::Generator generator_for(int64_t step) const;
  void checkpoint();
  void write_autoencoder_samples(int64_t step);
  void write_unet_samples(int64_t step);
  void report(TrainPhase phase, int64_t step, int64_t total, double loss, double lr, double seconds);
  double elapsed() const { return seconds_before_ + std::chrono::duration<double>(Clock::now() - started_).count(); }

  TrainOptions options_;
  ProgressSink progress_;
  CancelToken cancel_;
  torch::Device device_;
  EmojiPairs pairs_;
  EmojiPairs caption_pairs_;                // pairs_ with only the phrasings captions are drawn from
  std::vector<int64_t> trained_;            // indices of images that may be trained on
  torch::Tensor images_;                    // (N, 3, 64, 64) float in [−1, 1], all images, on the device
  torch::Tensor trained_index_;             // trained_ as a tensor on the device
  torch::Tensor unet_weights_;              // per trained image, when balancing skin tones (CPU)
  torch::Tensor latent_mean_, latent_std_;  // per trained image, unscaled
  std::shared_ptr<LdmModel> model_, ema_;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> ema_pairs_;  // (EMA, trained) parameter pairs
  std::unique_ptr<AdamW> optimizer_;
  CheckpointState state_;
  SmoothedValue loss_;
  double autoencoder_loss_ = 0, unet_loss_ = 0;
  Clock::time_point started_ = Clock::now(), last_step_ = Clock::now();
  double seconds_before_ = 0;
  SmoothedValue step_seconds_{0.9};
};

void TrainingRun::load_data() {
  pairs_ = load_emoji_pairs(options_.data);
  for (int64_t i = 0; i < pairs_.size(); ++i) {
    if (!pairs_.held_out[static_cast<size_t>(i)]) trained_.push_back(i);
  }
  if (trained_.size() < 16) throw Error(options_.data.string() + ": fewer than 16 trainable images");
  caption_pairs_ = pairs_;
  caption_pairs_.phrasings = phrasings_in(pairs_.phrasings, options_.phrasing_languages);
  images_ = images_to_model_range(pairs_.images).to(device_);
  trained_index_ = torch::tensor(trained_, torch::kLong).to(device_);
  if (options_.balance_skin_tones) {
    std::vector<std::string> keys;
    for (const int64_t image : trained_) keys.push_back(pairs_.keys[static_cast<size_t>(image)]);
    unet_weights_ = torch::tensor(skin_tone_balanced_weights(keys), torch::kDouble);
  }
}

ldm::LdmConfig TrainingRun::fresh_config() const {
  ldm::LdmConfig config = options_.architecture;
  config.text.vocabulary = ldm::build_vocabulary(
      vocabulary_texts(caption_pairs_, trained_, options_.phrasing_share > 0), config.text.word_split);
  config.image_size = pairs_.images.size(1);
  return config;
}

void TrainingRun::start_fresh() {
  const ldm::LdmConfig config = fresh_config();
  torch::manual_seed(options_.seed);
  model_ = std::make_shared<LdmModel>(config);
  ema_ = std::make_shared<LdmModel>(config);
  model_->to(device_);
  ema_->to(device_);
  state_ = CheckpointState{};
}

void TrainingRun::start_from_autoencoder() {
  std::filesystem::path weights = options_.autoencoder_from;
  weights.replace_extension(".safetensors");
  const LdmModel source = LdmModel::load(options_.autoencoder_from, weights);
  ldm::LdmConfig config = fresh_config();
  if (source.config.image_size != config.image_size) {
    throw Error(options_.autoencoder_from.string() + " works on " + std::to_string(source.config.image_size) +
                " px images, the data set has " + std::to_string(config.image_size) + " px");
  }
  config.autoencoder = source.config.autoencoder;
  config.latent_channels = source.config.latent_channels;
  config.downsample = source.config.downsample;
  config.latent_scale = source.config.latent_scale;
  config.preview_decoder = source.config.preview_decoder;
  torch::manual_seed(options_.seed);
  model_ = std::make_shared<LdmModel>(config);
  ema_ = std::make_shared<LdmModel>(config);
  {
    torch::NoGradGuard no_grad;
    const auto from = source.tensors();
    for (auto& [name, tensor] : model_->tensors()) {
      if (name.rfind("autoencoder.", 0) == 0 || name.rfind("preview_decoder.", 0) == 0) tensor.copy_(from.at(name));
    }
  }
  copy_tensors(model_->tensors(), ema_->tensors());
  model_->to(device_);
  ema_->to(device_);
  state_ = CheckpointState{TrainPhase::Unet, 0, 0, 0};
  optimizer_ = std::make_unique<AdamW>(phase_tensors(*model_, false));
  compute_latents();
  checkpoint();
}

at::Generator TrainingRun::generator_for(int64_t step) const {
  // One stream per (seed, phase, step): a resumed run draws the same batches.
  const uint64_t phase = static_cast<uint64_t>(state_.phase) + 1;  // 1, 2, 3 as ever: same batches
  return at::make_generator<at::CPUGeneratorImpl>(options_.seed * 1'000'003ULL + phase * 10'000'019ULL +
                                                  static_cast<uint64_t>(step));
}

void TrainingRun::report(TrainPhase phase, int64_t step, int64_t total, double loss, double lr, double seconds) {
  const auto now = Clock::now();
  step_seconds_.add(std::chrono::duration<double>(now - last_step_).count());
  last_step_ = now;
  std::ofstream log(options_.out_dir / "log.csv", std::ios::app);
  log << phase_name(phase) << ',' << step << ',' << loss << ',' << lr << ',' << seconds << '\n';
  if (progress_) {
    progress_({phase_name(phase), step, total, loss_.add(loss), step_seconds_.value()});
  } else {
    loss_.add(loss);
  }
}

void TrainingRun::checkpoint() {
  state_.seconds = elapsed();
  state_.optimizer_steps = optimizer_->steps_taken();
  write_checkpoint(options_.out_dir / "checkpoint.safetensors", *model_, *ema_, *optimizer_, state_);
}

void TrainingRun::reconstruction_step(int64_t total, double peak_lr, bool train_encoder) {
  auto& ae = model_->autoencoder;
  at::Generator generator = generator_for(state_.step);
  torch::Tensor picks =
      torch::randint(static_cast<int64_t>(trained_.size()), {options_.autoencoder_batch}, generator, torch::kLong)
          .to(device_);
  torch::Tensor x = images_.index_select(0, trained_index_.index_select(0, picks));
  torch::Tensor mean, log_var;
  {
    torch::AutoGradMode encoder_grad(train_encoder);
    std::tie(mean, log_var) = ae->encoder->forward(x);
  }
  torch::Tensor noise = at::randn(mean.sizes(), generator).to(device_);
  torch::Tensor z = mean + torch::exp(0.5 * log_var) * noise;
  torch::Tensor reconstruction = ae->decoder->forward(z);
  torch::Tensor mse = torch::mse_loss(reconstruction, x);
  torch::Tensor l1 = (reconstruction - x).abs().mean();
  torch::Tensor loss = mse + 0.1 * l1;
  if (train_encoder) {
    torch::Tensor kl = 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).mean();
    loss = loss + options_.kl_weight * kl;
  }
  loss.backward();
  const double lr = warmup_cosine_lr(state_.step, total, kWarmupSteps, peak_lr, 0.05);
  optimizer_->step(lr);
  ++state_.step;
  report(state_.phase, state_.step, total, mse.item<double>(), lr, elapsed());
}

void TrainingRun::train_reconstruction(int64_t total, double peak_lr, bool train_encoder) {
  while (state_.step < total) {
    cancel_.throw_if_cancelled();
    reconstruction_step(total, peak_lr, train_encoder);
    if (options_.sample_every > 0 && state_.step % options_.sample_every == 0) write_autoencoder_samples(state_.step);
    if (state_.step % options_.checkpoint_every == 0 || state_.step == total) checkpoint();
  }
}

void TrainingRun::train_autoencoder() {
  if (!optimizer_) optimizer_ = std::make_unique<AdamW>(phase_tensors(*model_, true));
  model_->train(true);
  train_reconstruction(options_.autoencoder_steps, options_.autoencoder_lr, /*train_encoder=*/true);
}

void TrainingRun::finish_autoencoder() {
  torch::NoGradGuard no_grad;
  model_->train(false);
  write_autoencoder_samples(state_.step);
  compute_latents();
  // Scale latents to unit variance (Stable Diffusion's 0.18215 is the same idea).
  const double scale = 1.0 / latent_mean_.std().item<double>();
  model_->config.latent_scale = scale;
  ema_->config.latent_scale = scale;
  copy_tensors(model_->tensors(), ema_->tensors());
  autoencoder_loss_ = loss_.value();
  loss_ = SmoothedValue{};
  state_ = CheckpointState{TrainPhase::Unet, 0, 0, elapsed()};
  optimizer_ = std::make_unique<AdamW>(phase_tensors(*model_, false));
  checkpoint();
}

void TrainingRun::compute_latents() {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> means, stds;
  for (size_t begin = 0; begin < trained_.size(); begin += 256) {
    const auto count = static_cast<int64_t>(std::min<size_t>(256, trained_.size() - begin));
    torch::Tensor x = images_.index_select(
        0, trained_index_.slice(0, static_cast<int64_t>(begin), static_cast<int64_t>(begin) + count));
    auto [mean, log_var] = model_->autoencoder->encoder->forward(x);
    means.push_back(mean);
    stds.push_back(torch::exp(0.5 * log_var));
  }
  latent_mean_ = torch::cat(means);
  latent_std_ = torch::cat(stds);
}

void TrainingRun::update_ema(int64_t step) {
  torch::NoGradGuard no_grad;
  const double decay = std::min(options_.ema_decay, double(1 + step) / double(10 + step));
  if (ema_pairs_.empty()) {  // tensor handles stay valid for the whole run
    const auto target = phase_tensors(*ema_, false);
    for (auto& [name, tensor] : phase_tensors(*model_, false)) ema_pairs_.emplace_back(target.at(name), tensor);
  }
  for (auto& [average, current] : ema_pairs_) average.lerp_(current, 1.0 - decay);
}

void TrainingRun::train_unet() {
  if (!latent_mean_.defined()) compute_latents();
  model_->train(true);
  model_->autoencoder->train(false);
  const NoiseSchedule schedule = NoiseSchedule::by_name(model_->config.schedule);
  std::vector<double> alpha_bars(static_cast<size_t>(schedule.steps()));
  for (int t = 0; t < schedule.steps(); ++t) alpha_bars[static_cast<size_t>(t)] = schedule.alpha_bar(t);
  const torch::Tensor alpha_bar_table = torch::tensor(alpha_bars, torch::kFloat).to(device_);
  const double scale = model_->config.latent_scale;
  const int64_t total = options_.unet_steps, batch = options_.unet_batch;

  while (state_.step < total) {
    cancel_.throw_if_cancelled();
    at::Generator generator = generator_for(state_.step);
    torch::Tensor picks =
        unet_weights_.defined()
            ? torch::multinomial(unet_weights_, batch, /*replacement=*/true, generator)
            : torch::randint(static_cast<int64_t>(trained_.size()), {batch}, generator, torch::kLong);
    torch::Tensor timesteps = torch::randint(schedule.steps(), {batch}, generator, torch::kLong);
    torch::Tensor latent_noise =
        at::randn({batch, latent_mean_.size(1), latent_mean_.size(2), latent_mean_.size(3)}, generator);
    torch::Tensor noise = at::randn(latent_noise.sizes(), generator);
    std::mt19937_64 caption_random(generator.current_seed());
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<std::string> captions;
    const auto pick = picks.accessor<int64_t, 1>();
    for (int64_t i = 0; i < batch; ++i) {
      const int64_t image = trained_[static_cast<size_t>(pick[i])];
      captions.push_back(
          training_caption(caption_pairs_, image, uniform(caption_random), caption_random, options_.phrasing_share));
    }

    picks = picks.to(device_);
    timesteps = timesteps.to(device_);
    torch::Tensor z0 =
        (latent_mean_.index_select(0, picks) + latent_std_.index_select(0, picks) * latent_noise.to(device_)) * scale;
    noise = noise.to(device_);
    torch::Tensor alpha_bar = alpha_bar_table.index_select(0, timesteps).view({batch, 1, 1, 1});
    torch::Tensor x_t = forward_diffuse_batch(z0, noise, alpha_bar);
    torch::Tensor target = alpha_bar.sqrt() * noise - (1.0 - alpha_bar).sqrt() * z0;  // v
    torch::Tensor context = model_->text_encoder->forward(model_->tokenize(captions));
    torch::Tensor prediction = model_->unet->forward(x_t, timesteps.to(torch::kFloat), context);
    torch::Tensor loss = torch::mse_loss(prediction, target);
    loss.backward();
    const double lr = warmup_cosine_lr(state_.step, total, kWarmupSteps, options_.unet_lr, 0.1);
    optimizer_->step(lr);
    update_ema(state_.step);
    ++state_.step;
    report(TrainPhase::Unet, state_.step, total, loss.item<double>(), lr, elapsed());
    if (options_.sample_every > 0 && state_.step % options_.sample_every == 0) write_unet_samples(state_.step);
    if (state_.step % options_.checkpoint_every == 0 || state_.step == total) checkpoint();
  }
}

void TrainingRun::start_decoder_phase() {
  loss_ = SmoothedValue{};
  state_ = CheckpointState{TrainPhase::Decoder, 0, 0, elapsed()};
  optimizer_ = std::make_unique<AdamW>(decoder_tensors(*model_));
  checkpoint();
}

void TrainingRun::train_decoder() {
  // The encoder is frozen (no optimizer for it, eval mode), so every latent the
  // U-Net was trained on stays valid; only the decoder learns to reconstruct better.
  model_->train(false);
  model_->autoencoder->decoder->train(true);
  train_reconstruction(options_.decoder_steps, options_.decoder_lr, /*train_encoder=*/false);
  model_->train(false);
}

void TrainingRun::write_autoencoder_samples(int64_t step) {
  torch::NoGradGuard no_grad;
  std::vector<int64_t> shown;
  for (int64_t i = 0; i < pairs_.size() && shown.size() < 8; ++i) {
    if (pairs_.held_out[static_cast<size_t>(i)]) shown.push_back(i);
  }
  for (int64_t i = 0; shown.size() < 8 && i < pairs_.size(); ++i) shown.push_back(i);
  torch::Tensor x = images_.index_select(0, torch::tensor(shown, torch::kLong).to(device_));
  const bool was_training = model_->autoencoder->is_training();
  model_->autoencoder->train(false);
  torch::Tensor reconstruction = model_->autoencoder->decoder->forward(model_->autoencoder->encoder->forward(x).first);
  model_->autoencoder->train(was_training);
  torch::Tensor both = model_range_to_images(torch::cat({x, reconstruction}).to(torch::kCPU));
  std::filesystem::create_directories(options_.out_dir / "samples");
  char name[64];
  // Named by phase: phase 3's grids must not replace phase 1's of the same step.
  std::snprintf(name, sizeof name, "%s-%06lld.png", state_.phase == TrainPhase::Decoder ? "decoder" : "autoencoder",
                static_cast<long long>(step));
  write_png(options_.out_dir / "samples" / name, make_grid(both, 8));
}

void TrainingRun::write_unet_samples(int64_t step) {
  // 16 fixed prompts, spread over the trained emoji, alternating styles.
  LdmBundle bundle(ema_, device_);
  std::vector<torch::Tensor> images;
  for (int k = 0; k < 16; ++k) {
    const int64_t image = trained_[trained_.size() * static_cast<size_t>(k) / 16];
    Request request;
    request.prompt = styled_prompt(pairs_, image);
    request.sampler = SamplerId::Euler;
    request.steps = 20;
    request.seed = 1000 + k;
    request.width = request.height = static_cast<int>(model_->config.image_size);
    images.push_back(Pipeline::run_on(bundle, device_, request).images);
  }
  std::filesystem::create_directories(options_.out_dir / "samples");
  char name[64];
  std::snprintf(name, sizeof name, "unet-%06lld.png", static_cast<long long>(step));
  write_png(options_.out_dir / "samples" / name, make_grid(torch::cat(images), 4));
  model_->train(true);
  model_->autoencoder->train(false);
}

TrainSummary TrainingRun::run() {
  std::filesystem::create_directories(options_.out_dir);
  load_data();
  const auto checkpoint_path = options_.out_dir / "checkpoint.safetensors";
  if (options_.resume && std::filesystem::exists(checkpoint_path)) {
    auto loaded = read_checkpoint(checkpoint_path);
    model_ = std::move(loaded.model);
    ema_ = std::move(loaded.ema);
    state_ = loaded.state;
    seconds_before_ = state_.seconds;
    model_->to(device_);
    ema_->to(device_);
    optimizer_ = std::make_unique<AdamW>(optimized_tensors(*model_, state_.phase));
    optimizer_->load_state(loaded.optimizer, state_.optimizer_steps);
  } else {
    if (options_.resume) throw Error("nothing to resume: " + checkpoint_path.string() + " does not exist");
    if (options_.autoencoder_from.empty()) {
      start_fresh();
    } else {
      start_from_autoencoder();
    }
  }
  try {
    if (state_.phase == TrainPhase::Autoencoder) {
      train_autoencoder();
      finish_autoencoder();
    }
    if (state_.phase == TrainPhase::Unet) {
      train_unet();
      write_unet_samples(state_.step);
      unet_loss_ = loss_.value();
      if (options_.decoder_steps > 0) start_decoder_phase();
    }
    if (state_.phase == TrainPhase::Decoder) {
      train_decoder();
      write_autoencoder_samples(state_.step);
    }
  } catch (const Cancelled&) {
    checkpoint();  // the state is consistent between steps, where cancellation is checked
    throw;
  }

  TrainSummary summary;
  summary.config_path = options_.out_dir / (ema_->config.name + ".json");
  summary.weights_path = options_.out_dir / (ema_->config.name + ".safetensors");
  copy_tensors(model_->tensors(), phase_tensors(*ema_, true));
  // How to run it fast is not part of the architecture: taken from the options
  // also when resuming (a checkpoint's config predates them).
  ema_->config.fast_setting = options_.architecture.fast_setting;
  ema_->config.text.aliases.clear();
  ema_->config.text.captions.clear();
  ema_->config.text.caption_styles.clear();
  if (options_.name_aliases) {
    ema_->config.text.aliases =
        cldr_name_aliases(pairs_, trained_, ema_->config.text.vocabulary, ema_->config.text.word_split);
    ema_->config.text.captions = caption_phrases(pairs_, trained_);
    ema_->config.text.caption_styles = caption_styles(pairs_);
  }
  ema_->save(summary.config_path, summary.weights_path);
  summary.seconds = elapsed();
  summary.autoencoder_loss = autoencoder_loss_;
  summary.unet_loss = state_.phase == TrainPhase::Decoder ? unet_loss_ : loss_.value();
  if (state_.phase == TrainPhase::Decoder) summary.decoder_loss = loss_.value();
  return summary;
}

}  // namespace

TrainSummary train_model(const TrainOptions& options, const ProgressSink& progress, const CancelToken& cancel) {
  // --autoencoder-from skips the autoencoder phase, so its step count is moot.
  if (options.autoencoder_from.empty() && options.autoencoder_steps < 1) {
    throw Error("the autoencoder phase needs at least one step");
  }
  if (options.unet_steps < 1) throw Error("the U-Net phase needs at least one step");
  if (options.autoencoder_batch < 1 || options.unet_batch < 1) throw Error("batch sizes must be positive");
  if (options.decoder_steps < 0) throw Error("--decoder-steps must not be negative");
  if (options.checkpoint_every < 1) throw Error("--checkpoint-every must be positive");
  TrainingRun run(options, progress, cancel);
  return run.run();
}

}  // namespace diffscope::training
