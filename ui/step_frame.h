#pragma once
// What the worker thread hands the UI: plain Qt values (images already made in
// the worker, so the UI thread only paints), one StepFrame per step.
#include <ATen/core/Tensor.h>

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <memory>
#include <vector>

#include "core/analysis/chain_path.h"
#include "core/models/model_info.h"
#include "core/pipeline/request.h"
#include "core/sampling/step_event.h"

namespace diffscope::ui {

// A training image the oracle's posterior weighs at a step.
struct Candidate {
  int index = 0;
  double weight = 0;
  QImage image;
  QString caption;
};

struct StepFrame {
  int index = 0, total = 0;
  double t = 0, sigma = 0, alpha_bar = 0, elapsed = 0;
  QImage xt;                      // decoded x_t (variance-preserving), batch side by side
  QImage x0;                      // predicted x̂0
  QImage eps;                     // predicted noise ε̂
  QImage latents;                 // one colour-mapped tile per latent channel of x_t
  QVector<Candidate> candidates;  // oracle only: top training images for image 0
  // Stable Diffusion: x_t and x̂0 above are the cheap latent → RGB projection,
  // the built-in model's come from its distilled preview decoder (the note
  // says which); these latents (CPU) let the VAE decode the step on demand.
  bool approximate = false;
  QString approximation;
  bool xt_decoded = false, x0_decoded = false;  // replaced by the VAE's decode
  at::Tensor xt_latent, x0_latent;
  // The step's word heat maps (CPU), where the run recorded them.
  std::shared_ptr<const diffscope::WordMaps> word_maps;
  double snr() const { return alpha_bar / (1.0 - alpha_bar); }
};

// Sent when a run has its model and knows its timesteps.
struct RunPlan {
  diffscope::Request request;              // as it will run
  std::vector<double> sigmas;              // n + 1 levels
  std::vector<double> timesteps;           // t of each step (n)
  std::vector<double> schedule_alpha_bar;  // ᾱ_t for t = 0..T−1
  QString device;
  diffscope::ModelInfo info;    // the loaded model
  QString model_info;           // e.g. "v1-5 · SD 1.x · ε-prediction (SD 1.x default) · float32"
  QStringList prompt_warnings;  // e.g. words the model does not know
};

struct RunOutcome {
  diffscope::Request request;  // resolved: no "auto" left
  diffscope::ModelInfo info;   // the model it ran on (the PNG parameters read it)
  QVector<QImage> images;      // one per batch item
  QImage final_x0;             // the images side by side, as StepFrame::x0 shows a batch
  diffscope::ChainPath path;   // image 0's path through the run (PathChart)
  QString device;
  double seconds = 0;
};

}  // namespace diffscope::ui

Q_DECLARE_METATYPE(diffscope::ui::StepFrame)
Q_DECLARE_METATYPE(diffscope::ui::RunPlan)
Q_DECLARE_METATYPE(diffscope::ui::RunOutcome)
