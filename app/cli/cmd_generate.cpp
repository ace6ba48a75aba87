// diffscope-cli generate: prompt → PNG (with A1111-style parameters), and
// optionally every step's x_t and x̂_0 as images.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>
#include <tuple>
#include <utility>

#include "app/cli/cli_common.h"
#include "app/cli/model_defaults.h"
#include "app/cli/text_options.h"
#include "app/cli/word_map_files.h"
#include "app/cli/commands.h"
#include "core/analysis/chain_path.h"
#include "core/common/errors.h"
#include "core/common/system_memory.h"
#include "core/io/atomic_file.h"
#include "core/io/png_image.h"
#include "core/models/adapters/lora_prompt.h"
#include "core/pipeline/model_registry.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/parameters_text.h"
#include "core/pipeline/pipeline.h"
#include "core/pipeline/request_limits.h"
#include "core/schedule/spacing.h"

namespace diffscope::cli {
namespace {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

struct GenerateOptions {
  Request request;
  CommonOptions common;
  ModelDefaultOptions defaults;
  // Names as typed, checked by their parsers (parsed_by) and parsed in run_generate.
  std::string prediction = "auto", precision = "auto";
  double eta = -1;
  std::string ddpm_variance = "beta-tilde";
  std::string masked_content = "original";
  std::string resize_mode = "just-resize";
  std::string output = "diffscope.png";
  std::string steps_dir;
  bool overwrite = false;
  std::string original_size, crop, target_size;  // "WxH", "LEFTxTOP"; empty: the image's / none
  std::string seed_resize_from;                  // "WxH"; empty: off
  std::string trajectory;                        // a CSV of each image's path (chain_path.h); empty: none
  std::string attention_maps;                    // a folder for word heat maps; empty: none
  bool attention_steps = false;                  // … also one folder of maps per step
  std::string from;                              // a PNG whose run this one branches from (--from)
  int at_step = 0;                               // 1-based: the step it branches at (--at-step)
};

// "1024x768" → (1024, 768); Error naming the option otherwise.
std::pair<int, int> parse_pair(const std::string& text, const char* option) {
  const auto x = text.find('x');
  try {
    size_t used_a = 0, used_b = 0;
    const int a = std::stoi(text.substr(0, x), &used_a), b = std::stoi(text.substr(x + 1), &used_b);
    if (x != std::string::npos && used_a == x && used_b == text.size() - x - 1 && a >= 0 && b >= 0 &&
        a <= limits::kMaxConditioningSide && b <= limits::kMaxConditioningSide) {
      return {a, b};
    }
  } catch (const std::exception&) {
  }
  throw Error(std::string(option) + " takes two whole numbers as AxB, each 0 to " +
              std::to_string(limits::kMaxConditioningSide) + " (got \"" + text + "\")");
}

void write_step_images(const std::filesystem::path& dir, ModelBundle& bundle, const StepEvent& event) {
  char name[64];
  const at::Tensor x_t = bundle.decode(event.x_t), x0 = bundle.decode(event.x0);
  for (int64_t b = 0; b < x_t.size(0); ++b) {
    std::snprintf(name, sizeof name, "step%04d-b%lld-xt.png", event.index, static_cast<long long>(b));
    write_png(dir / name, to_png_pixels(x_t, b));
    std::snprintf(name, sizeof name, "step%04d-b%lld-x0.png", event.index, static_cast<long long>(b));
    write_png(dir / name, to_png_pixels(x0, b));
  }
}

// --from PARENT.png --at-step K: the parent's run from its PNG, continued
// from its step K with the settings given here (prompt, negative prompt, CFG,
// sampler, η, steps, seed of the noise still to come) and the parent's for
// the rest (branch.h).
void apply_branch(GenerateOptions& o, const CLI::App& cmd) {
  const auto text = read_png_text(o.from);
  if (!text.count("parameters")) throw Error(o.from + " holds no generation parameters to branch from");
  const ParsedParameters parsed = parse_parameters(text.at("parameters"));
  for (const std::string& warning : parsed.warnings) std::fprintf(stderr, "note: %s: %s\n", o.from.c_str(), warning.c_str());
  if (o.at_step < 1) throw Error("--from needs --at-step K (the step to branch at, 1 to " +
                                 std::to_string(parsed.request.steps) + ")");
  const Request& given = o.request;
  Request branch = parsed.request;
  if (cmd.count("--prompt") > 0) branch.prompt = given.prompt;
  if (cmd.count("--negative-prompt") > 0) branch.negative_prompt = given.negative_prompt;
  if (o.defaults.cfg >= 0) branch.cfg_scale = o.defaults.cfg;
  if (o.defaults.sampler != "auto") branch.sampler = sampler_by_name(o.defaults.sampler).id;
  if (o.defaults.steps > 0) branch.steps = o.defaults.steps;
  if (cmd.count("--seed") > 0) branch.seed = given.seed;
  if (cmd.count("--ddpm-variance") > 0) {
    branch.ddpm_variance = o.ddpm_variance == "beta" ? DdpmVariance::Beta : DdpmVariance::BetaTilde;
  }
  if (!given.tokenizer.empty()) branch.tokenizer = given.tokenizer;
  branch.lora_dirs = given.lora_dirs;
  branch.embedding_dirs = given.embedding_dirs;
  branch.device = given.device;
  branch.branch = BranchPoint{std::make_shared<const Request>(parsed.request), o.at_step - 1};
  o.request = branch;
}

// The CSV of --trajectory, and a line per image on where its change happened.
void write_trajectory(const std::string& file, const std::vector<ChainPathRecorder>& recorders, const Result& result) {
  std::vector<ChainPath> paths;
  for (const ChainPathRecorder& recorder : recorders) paths.push_back(recorder.finish(result.samples));
  std::ostringstream csv;
  write_path_csv(csv, paths);
  write_file_atomically(file, csv.str());
  for (const ChainPath& path : paths) {
    std::fprintf(stderr, "image %d: x̂0 made 90 %% of its change by step %d of %zu; x_t's two main directions hold "
                 "%.0f %% and %.0f %% of its variance\n",
                 path.item, path.step_90 + 1, path.steps.size(), 100 * path.pc1_share, 100 * path.pc2_share);
  }
  std::printf("%s\n", file.c_str());
}

void run_generate(GenerateOptions& o, const CLI::App& cmd) {
  Request& request = o.request;
  request.device = o.common.device_choice();
  if (o.from.empty()) {
    apply_model_defaults(request, o.defaults);
  } else {
    apply_branch(o, cmd);
  }
  if (o.prediction != "auto") request.prediction = prediction_by_name(o.prediction);
  request.precision = parse_precision(o.precision);
  if (o.eta >= 0) request.eta = o.eta;
  if (o.from.empty()) request.ddpm_variance = o.ddpm_variance == "beta" ? DdpmVariance::Beta : DdpmVariance::BetaTilde;
  if (o.from.empty()) request.masked_content = parse_masked_content(o.masked_content).value_or(MaskedContent::Original);
  if (o.from.empty()) request.resize_mode = parse_resize_mode(o.resize_mode).value_or(ResizeMode::JustResize);
  SizeConditioning& sizes = request.size_conditioning;
  if (!o.original_size.empty()) {
    std::tie(sizes.original_width, sizes.original_height) = parse_pair(o.original_size, "--original-size");
  }
  if (!o.crop.empty()) std::tie(sizes.crop_left, sizes.crop_top) = parse_pair(o.crop, "--crop");
  if (!o.target_size.empty()) {
    std::tie(sizes.target_width, sizes.target_height) = parse_pair(o.target_size, "--target-size");
  }
  if (request.seed < 0) request.seed = std::random_device{}() & 0x7fffffff;
  VariationSeed& variation = request.variation;
  if (variation.seed < 0) variation.seed = std::random_device{}() & 0x7fffffff;
  if (!o.seed_resize_from.empty()) {
    std::tie(variation.resize_from_width, variation.resize_from_height) =
        parse_pair(o.seed_resize_from, "--seed-resize-from");
  }

  const std::filesystem::path output = o.output;
  for (int i = 0; i < request.batch; ++i) check_writable(batch_path(output, i, request.batch), o.overwrite);
  if (!o.steps_dir.empty()) std::filesystem::create_directories(o.steps_dir);
  if (!o.trajectory.empty()) check_writable(o.trajectory, o.overwrite);
  if (o.attention_steps && o.attention_maps.empty()) throw Error("--attention-steps needs --attention-maps DIR");
  if (!o.attention_maps.empty()) check_word_map_folder(o.attention_maps, o.overwrite);
  request.word_maps = !o.attention_maps.empty();

  const std::string device = apply_common_options(o.common);
  Pipeline pipeline;
  RunHooks hooks;
  int last_percent = -1;
  hooks.load_progress = [&](uint64_t done, uint64_t total) {
    const int percent = total ? static_cast<int>(100 * done / total) : 100;
    if (percent / 10 != last_percent / 10) std::fprintf(stderr, "loading %s: %d %%\n", request.model.c_str(), percent);
    last_percent = percent;
  };
  const auto load_start = std::chrono::steady_clock::now();
  ModelBundle* loaded = nullptr;
  hooks.on_ready = [&](const Plan& plan, ModelBundle& bundle) {
    loaded = &bundle;
    const ModelInfo& info = plan.info;
    if (last_percent >= 0) {
      std::fprintf(stderr, "loaded in %.1f s, resident memory %s\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count(),
                   format_bytes(resident_bytes()).c_str());
    }
    std::fprintf(stderr, "%s (%s), %s-prediction (%s), computing in %s%s\n", info.name.c_str(), info.family.c_str(),
                 prediction_name(info.prediction).c_str(), info.prediction_source.c_str(),
                 at::toString(plan.compute_type), info.compute_note.empty() ? "" : (", " + info.compute_note).c_str());
    std::fprintf(stderr, "model %s on %s, sampler %s, %d step%s, seed %lld\n", request.model.c_str(), device.c_str(),
                 sampler_info(request.sampler).name.c_str(), request.steps, request.steps == 1 ? "" : "s",
                 static_cast<long long>(request.seed));
    for (const AppliedLora& lora : info.loras) {
      std::fprintf(stderr, "LoRA %s (%s), weight %g%s: %zu modules merged in %.2f s\n", lora.use.name.c_str(),
                   lora.hash.c_str(), lora.use.unet_weight,
                   lora.use.text_weight != lora.use.unet_weight
                       ? (" (text encoder " + format_number(lora.use.text_weight) + ")").c_str()
                       : "",
                   lora.modules - lora.unmatched.size(), lora.merge_seconds);
      if (!lora.unmatched.empty()) {
        std::fprintf(stderr, "note: %zu of its modules change nothing in this model:", lora.unmatched.size());
        for (const std::string& key : lora.unmatched) std::fprintf(stderr, " %s", key.c_str());
        std::fprintf(stderr, "\n");
      }
    }
    for (const std::string& warning : bundle.prompt_warnings(without_lora_tags(request.prompt))) {
      std::fprintf(stderr, "note: %s\n", warning.c_str());
    }
  };
  const StepCallback progress = progress_printer("generate");
  std::vector<ChainPathRecorder> paths;
  for (int i = 0; !o.trajectory.empty() && i < request.batch; ++i) paths.emplace_back(i);
  at::Tensor context;  // the oracle's prompt, for its posterior's entropy
  WordMapHistory word_maps;
  hooks.on_step = [&](const StepEvent& event) {
    progress(event);
    word_maps.add(event);
    if (!o.steps_dir.empty()) write_step_images(o.steps_dir, *loaded, event);
    for (size_t item = 0; item < paths.size(); ++item) {
      if (loaded->info().weighs_training_images && !context.defined()) context = loaded->encode_prompt(request.prompt);
      std::optional<double> entropy;
      if (context.defined()) {
        const auto posterior =
            loaded->posterior(event.x_t.narrow(0, int64_t(item), 1), event.t, context.to(event.x_t.device()), 1);
        if (posterior) entropy = posterior->entropy;
      }
      paths[item].add(event, entropy);
    }
  };
  const Result result = pipeline.run(request, hooks);
  if (!paths.empty()) write_trajectory(o.trajectory, paths, result);
  if (request.word_maps) {
    write_word_maps(o.attention_maps, word_maps, result.request.width, result.request.height, o.attention_steps);
  }
  for (int i = 0; i < request.batch; ++i) {
    const auto path = batch_path(output, i, request.batch);
    write_png(path, result.images[i], {{"parameters", format_parameters(result.request, result.info, i)}});
    std::printf("%s\n", path.c_str());
  }
  std::fprintf(stderr, "done in %.2f s (seed %lld), peak resident memory %s\n", result.seconds,
               static_cast<long long>(request.seed), format_bytes(peak_resident_bytes()).c_str());
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto options = std::make_shared<GenerateOptions>();
  auto& o = *options;
  CLI::App* cmd = app.add_subcommand("generate", "Generate images from a prompt");
  cmd->add_option(
      "-p,--prompt", o.request.prompt,
      "What to draw, e.g. \"grinning face\" or \"red apple, noto\" (oracle: words matched against captions)");
  cmd->add_option("-n,--negative-prompt", o.request.negative_prompt, "What to steer away from (with --cfg)");
  cmd->add_option("-m,--model", o.request.model, "Model")->capture_default_str();
  add_model_default_options(*cmd, o.defaults);
  add_text_and_weight_options(*cmd, o.request, o.precision);
  cmd->add_option("--schedule", o.request.schedule, "Noise schedule: auto, linear, scaled-linear or cosine")
      ->capture_default_str();
  cmd->add_option("--eta", o.eta, "η for DDIM, the ancestral and the SDE samplers (default: the sampler's)")
      ->check(CLI::Range(limits::kMinEta, limits::kMaxEta));
  cmd->add_option("--ddpm-variance", o.ddpm_variance, "DDPM posterior variance")
      ->check(CLI::IsMember({"beta", "beta-tilde"}))
      ->capture_default_str();
  cmd->add_option("--seed", o.request.seed, "Seed; -1 picks one at random")->capture_default_str();
  cmd->add_option("--variation-seed", o.request.variation.seed,
                  "A second seed whose noise is mixed in by --variation-strength (A1111's variation seed; image i "
                  "of a batch uses it + i, all with --seed); -1 picks one at random")
      ->capture_default_str();
  cmd->add_option("--variation-strength", o.request.variation.strength,
                  "How far x_T's noise moves from --seed's towards --variation-seed's (spherical "
                  "interpolation; 0: off, 1: the variation seed alone)")
      ->check(CLI::Range(limits::kMinVariationStrength, limits::kMaxVariationStrength))
      ->capture_default_str();
  cmd->add_option("--seed-resize-from", o.seed_resize_from,
                  "WxH: draw the seed's noise as for this image size and keep it centred, so that a seed's "
                  "composition survives a change of size (A1111's \"Seed resize from\")");
  cmd->add_option("-b,--batch", o.request.batch, "Images per run (image i uses seed + i; with a variation seed, that seed + i)")
      ->check(CLI::Range(limits::kMinBatch, limits::kMaxBatch))
      ->capture_default_str();
  cmd->add_option("-o,--output", o.output, "Output PNG (batch: name-<i>.png)")->capture_default_str();
  cmd->add_option("--preview-decoder", o.request.preview_decoder,
                  "Stable Diffusion: a TAESD/TAESDXL decoder file for the per-step previews (default: "
                  "taesd_decoder.safetensors or taesdxl_decoder.safetensors beside the checkpoint; none: the "
                  "latent projection)");
  cmd->add_option("--prediction", o.prediction, "Stable Diffusion: auto, epsilon or v")
      ->check(CLI::IsMember({"auto", "epsilon", "v"}))
      ->capture_default_str();
  cmd->add_option("--refiner", o.request.refiner, "SDXL: a refiner checkpoint that finishes the run");
  cmd->add_option("--refiner-switch-at", o.request.refiner_switch_at,
                  "SDXL: when the refiner takes over, as A1111: the first step whose noise level's timestep "
                  "is at or below (1 - this) x 1000")
      ->check(CLI::Range(limits::kMinRefinerSwitch, limits::kMaxRefinerSwitch))
      ->capture_default_str();
  cmd->add_flag("--refiner-switch-by-steps", o.request.refiner_switch_by_steps,
                "SDXL: switch after that fraction of the model calls instead (A1111's \"Refiner switch by sampling "
                "steps\")");
  cmd->add_option("--original-size", o.original_size,
                  "SDXL: the size (WxH) the model is told the training image had (default: the image's)");
  cmd->add_option("--crop", o.crop, "SDXL: the crop's top-left corner, LEFTxTOP (default: 0x0)");
  cmd->add_option("--target-size", o.target_size,
                  "SDXL: the size (WxH) the model is told it draws (default: the image's)");
  cmd->add_option("-i,--init-image", o.request.init_image,
                  "img2img: start from this PNG (of any size: --resize-mode says how it reaches -W/-H)");
  cmd->add_option("--resize-mode", o.resize_mode,
                  "img2img: how a start image of another size reaches -W/-H (A1111's \"Resize mode\"): just-resize "
                  "(stretch), crop-and-resize (cover, cut the centre out), resize-and-fill (fit inside, stretch the "
                  "edges into the rest) or latent-upscale (encode at its own size, resize the latent)")
      ->check(CLI::Validator(
          [](const std::string& name) {
            return parse_resize_mode(name)
                       ? std::string()
                       : std::string("choose just-resize, crop-and-resize, resize-and-fill or latent-upscale");
          },
          "just-resize|crop-and-resize|resize-and-fill|latent-upscale"))
      ->capture_default_str();
  cmd->add_option("--strength", o.request.strength, "img2img: how much of the chain to run (1: all of it)")
      ->check(CLI::Range(limits::kMinStrength, limits::kMaxStrength))
      ->capture_default_str();
  cmd->add_option("--mask", o.request.mask_image,
                  "Inpainting: repaint only where this PNG (the -i image's size) is white; the rest of the -i "
                  "image is kept");
  cmd->add_option("--mask-blur", o.request.mask_blur, "Inpainting: blur the mask's edge by this many pixels (A1111's)")
      ->check(CLI::Range(limits::kMinMaskBlur, limits::kMaxMaskBlur))
      ->capture_default_str();
  cmd->add_flag("--invert-mask", o.request.invert_mask, "Inpainting: repaint where the mask is black instead");
  cmd->add_option("--masked-content", o.masked_content,
                  "Inpainting: what the masked part starts from (A1111's \"Masked content\"): original (the start "
                  "image), fill (the colours around it, blurred), latent-noise or latent-nothing (for a strength "
                  "near 1: something new)")
      ->check(CLI::Validator(
          [](const std::string& name) {
            return parse_masked_content(name) ? std::string()
                                              : std::string("choose original, fill, latent-noise or latent-nothing");
          },
          "fill|original|latent-noise|latent-nothing"))
      ->capture_default_str();
  cmd->add_option("--resample", o.request.inpaint_resample,
                  "Inpainting: run every step this many times, noising it back between (RePaint), so that the "
                  "repainted part fits the kept one; costs that many times the steps")
      ->check(CLI::Range(limits::kMinResample, limits::kMaxResample))
      ->capture_default_str();
  cmd->add_option("--inpainting-mask-weight", o.request.inpainting_mask_weight,
                  "Inpainting models: how much of the masked part they are shown grey (A1111's \"Inpainting "
                  "conditioning mask strength\"; below 1, img2img keeps more of the start image's composition)")
      ->check(CLI::Range(limits::kMinMaskWeight, limits::kMaxMaskWeight))
      ->capture_default_str();
  cmd->add_option("--trajectory", o.trajectory,
                  "Write each image's path to this CSV: per step the RMS distance of x̂0 to the final sample, the "
                  "share of the change done, ε̂'s RMS, x_t on the run's two principal components, and for the "
                  "oracle its posterior's entropy");
  cmd->add_option("--attention-maps", o.attention_maps,
                  "Write each prompt word's heat map (DAAM: the cross-attention it received, summed over heads, "
                  "layers and steps) into this folder as a grayscale PNG at the image's size, e.g. 01-cat.png");
  cmd->add_flag("--attention-steps", o.attention_steps,
                "With --attention-maps: also each step's maps, in step-001/, step-002/, …");
  cmd->add_option("--save-steps", o.steps_dir, "Write every step's x_t and predicted x0 as PNGs into this folder");
  cmd->add_flag("--overwrite", o.overwrite, "Replace existing output files");
  add_common_options(*cmd, o.common);
  cmd->add_option("--from", o.from,
                  "Branch from the run that made this PNG (its parameters rebuild it): its first steps, then this "
                  "run's prompt, negative prompt, CFG, sampler, steps and seed where given here");
  cmd->add_option("--at-step", o.at_step, "With --from: the step to branch at, as the app numbers them (1: the first)")
      ->check(CLI::PositiveNumber);
  cmd->callback([options, cmd] { run_generate(*options, *cmd); });
}

}  // namespace diffscope::cli
