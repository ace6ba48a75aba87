// UniPC: each step against the ODE's exact solution where x̂0 is a polynomial
// in λ = −log σ (what its coefficients are built to integrate exactly); its
// order on Gaussian data x_0 ~ N(μ, s²I), whose denoiser and probability-flow
// ODE solution are closed-form (test_support.h); the identities that tie it to
// samplers tested on their own (order 1 without the corrector is Euler, bh2's
// order-2 predictor is DPM++ 2M); and how it runs a chain.
#include "core/sampling/unipc.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"
#include "core/schedule/spacing.h"
#include "tests/support/test_support.h"

using namespace diffscope;

namespace {

constexpr double kMean = 0.3, kStd = 0.5, kSigmaMax = 10.0, kSigmaEnd = 0.5;

// Log-uniform levels from σ_max down to σ_end > 0, or on to 0.
std::vector<double> levels(int steps, bool to_zero = false) {
  auto sigmas = exponential_sigmas(steps + (to_zero ? 0 : 1), kSigmaEnd, kSigmaMax);
  if (!to_zero) sigmas.pop_back();
  return sigmas;
}

at::Tensor start() { return at::linspace(-3, 3, 16, at::kDouble).reshape({1, 1, 4, 4}) * kSigmaMax; }

UniPcOptions options(UniPcVariant variant, int order, bool corrector, bool lower_order_final) {
  UniPcOptions o;
  o.variant = variant;
  o.order = order;
  o.corrector = corrector;
  o.lower_order_final = lower_order_final;
  return o;
}

at::Tensor unipc(const UniPcOptions& options, const std::vector<double>& sigmas, int* calls = nullptr) {
  support::GaussianDenoiser denoiser(kMean, kStd);
  SampleRun run{denoiser, sigmas, nullptr, nullptr, {}, {}};
  const at::Tensor x = sample_unipc_with(start(), run, options);
  if (calls) *calls = denoiser.calls;
  return x;
}

at::Tensor registered(const std::string& sampler, const std::vector<double>& sigmas) {
  support::GaussianDenoiser denoiser(kMean, kStd);
  SampleRun run{denoiser, sigmas, nullptr, nullptr, {}, {}};
  return run_sampler(sampler_by_name(sampler), start(), run);
}

double max_difference(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// The error at σ_end against the exact solution.
double error(const at::Tensor& x) {
  const support::GaussianDenoiser denoiser(kMean, kStd);
  return max_difference(x, denoiser.exact(start(), kSigmaMax, kSigmaEnd));
}

// Least-squares slope of log(error) against log(steps) over 128 … 1024 steps,
// where the error is past its first, irregular stretch (at 8 … 64 steps terms
// of both signs still cancel now and then).
template <typename ErrorAt>
double order(ErrorAt error_at) {
  std::vector<double> xs, ys;
  for (int steps : {128, 256, 512, 1024}) {
    xs.push_back(std::log(steps));
    ys.push_back(std::log(error_at(steps)));
  }
  double mx = 0, my = 0;
  for (size_t i = 0; i < xs.size(); ++i) mx += xs[i] / xs.size(), my += ys[i] / ys.size();
  double num = 0, den = 0;
  for (size_t i = 0; i < xs.size(); ++i) num += (xs[i] - mx) * (ys[i] - my), den += (xs[i] - mx) * (xs[i] - mx);
  return num / den;
}

double order_of(const UniPcOptions& o) {
  return order([&](int steps) { return error(unipc(o, levels(steps))); });
}

// x̂0(λ) = Σ_j c_j·λ^j, the same everywhere in the image (it ignores x).
struct Polynomial {
  std::vector<double> c;
  double at(double lambda) const {
    double sum = 0, power = 1;
    for (double cj : c) sum += cj * power, power *= lambda;
    return sum;
  }
  Polynomial derivative() const {
    Polynomial d;
    for (size_t j = 1; j < c.size(); ++j) d.c.push_back(c[j] * j);
    return d;
  }
};

// The probability-flow ODE dx/dλ = x̂0(λ) − x from (x, σ_s) to σ_t, exactly:
// x_t = (σ_t/σ_s)·x + σ_t·[e^λ·Σ_k (−1)^k·p^(k)(λ)] from λ_s to λ_t.
at::Tensor exact_step(const at::Tensor& x, double sigma_s, double sigma_t, const Polynomial& p) {
  const auto antiderivative = [&](double lambda) {
    double sum = 0, sign = 1;
    for (Polynomial d = p; !d.c.empty(); d = d.derivative(), sign = -sign) sum += sign * d.at(lambda);
    return std::exp(lambda) * sum;
  };
  return x * (sigma_t / sigma_s) + sigma_t * (antiderivative(-std::log(sigma_t)) - antiderivative(-std::log(sigma_s)));
}

// One step of `order` from σ = 1.1 to 0.6 over x̂0 = p, with older points at
// σ = 1.7 and 3.0 (unevenly spaced in λ); the largest error of the predictor
// and of the corrector against the exact solution.
std::pair<double, double> step_errors(UniPcVariant variant, int order, const Polynomial& p) {
  const at::Tensor x = at::linspace(-1, 1, 6, at::kDouble);
  const at::Tensor one = at::ones_like(x);
  std::deque<UniPcPoint> known;
  for (double sigma : {3.0, 1.7, 1.1}) known.push_back({sigma, one * p.at(-std::log(sigma))});
  while (static_cast<int>(known.size()) > order) known.pop_front();
  const UniPcStep step(known, 0.6, order, variant);
  const at::Tensor exact = exact_step(x, 1.1, 0.6, p);
  return {max_difference(step.predict(x), exact), max_difference(step.correct(x, one * p.at(-std::log(0.6))), exact)};
}

Polynomial of_degree(int degree) {
  Polynomial p;
  for (int j = 0; j <= degree; ++j) p.c.push_back(0.7 - 0.45 * j);  // 0.7, 0.25, −0.2, −0.65
  return p;
}

}  // namespace

// Where ρ solves the paper's order conditions (every corrector of order ≥ 2,
// predictors of order ≥ 3), a step is exact for x̂0 of degree up to the
// differences it uses — which checks B(h), the φ_k and the ratios r_k in full,
// not only their leading terms. One degree more is not exact.
TEST(UniPc, AStepIsExactWhereItsConditionsAreSolved) {
  for (const auto variant : {UniPcVariant::Bh1, UniPcVariant::Bh2}) {
    for (int order : {2, 3}) {
      for (int degree = 0; degree <= order; ++degree) {
        EXPECT_LT(step_errors(variant, order, of_degree(degree)).second, 1e-12) << order << ", degree " << degree;
      }
      EXPECT_GT(step_errors(variant, order, of_degree(order + 1)).second, 1e-4) << order;
    }
    EXPECT_LT(step_errors(variant, 3, of_degree(2)).first, 1e-12);
    EXPECT_GT(step_errors(variant, 3, of_degree(3)).first, 1e-4);
  }
}

// Order 2's predictor and order 1's corrector take ρ = ½ (the paper's code):
// exact for a constant x̂0 only.
TEST(UniPc, TheSimplifiedStepsAreExactForConstantsOnly) {
  for (const auto variant : {UniPcVariant::Bh1, UniPcVariant::Bh2}) {
    EXPECT_LT(step_errors(variant, 2, of_degree(0)).first, 1e-12);
    EXPECT_GT(step_errors(variant, 2, of_degree(1)).first, 1e-4);
    EXPECT_LT(step_errors(variant, 1, of_degree(0)).second, 1e-12);
    EXPECT_GT(step_errors(variant, 1, of_degree(1)).second, 1e-4);
  }
}

TEST(UniPc, AStepRefusesWhatItCannotDo) {
  std::deque<UniPcPoint> known{{2.0, at::zeros({2})}};
  EXPECT_THROW(UniPcStep(known, 1.0, 2, UniPcVariant::Bh1), Error);
  EXPECT_THROW(UniPcStep(known, 3.0, 1, UniPcVariant::Bh1), Error);
  EXPECT_THROW(UniPcStep(known, 0.0, 1, UniPcVariant::Bh1), Error);
  EXPECT_THROW(UniPcStep({}, 1.0, 1, UniPcVariant::Bh1), Error);
}

TEST(UniPc, OrderOneWithoutTheCorrectorIsEuler) {
  for (int steps : {1, 7, 20}) {
    for (bool to_zero : {false, true}) {
      const auto sigmas = levels(steps, to_zero);
      EXPECT_LT(max_difference(unipc(options(UniPcVariant::Bh1, 1, false, false), sigmas), registered("euler", sigmas)),
                1e-9)
          << steps << " steps";
    }
  }
}

TEST(UniPc, Bh2sSecondOrderPredictorIsDpmpp2m) {
  for (int steps : {2, 9, 30}) {
    for (bool to_zero : {false, true}) {
      const auto sigmas = levels(steps, to_zero);
      EXPECT_LT(
          max_difference(unipc(options(UniPcVariant::Bh2, 2, false, false), sigmas), registered("dpmpp_2m", sigmas)),
          1e-9)
          << steps << " steps";
    }
  }
}

// Measured (bh1 / bh2, 128 → 1024 steps): order 1 + UniC 3.2e-5 → 5.0e-7 /
// 5.0e-5 → 7.9e-7; order 2 + UniC 3.3e-7 → 6.5e-10 / 5.5e-8 → 1.2e-10; order 3
// + UniC 7.8e-9 → 5.5e-12 / 5.6e-9 → 1.3e-12.
TEST(UniPc, TheCorrectorRaisesTheOrderByOne) {
  for (const auto variant : {UniPcVariant::Bh1, UniPcVariant::Bh2}) {
    EXPECT_NEAR(order_of(options(variant, 1, false, false)), -1.0, 0.1);
    EXPECT_NEAR(order_of(options(variant, 1, true, false)), -2.0, 0.1);
    EXPECT_NEAR(order_of(options(variant, 2, false, false)), -2.0, 0.1);
    EXPECT_NEAR(order_of(options(variant, 2, true, false)), -3.0, 0.15);
    // The first step is of order 1 (+ UniC), which holds order 3 back to about 3.5 … 4 here.
    EXPECT_LT(order_of(options(variant, 3, true, false)), -3.3);
  }
}

// On a real schedule (SD's, log-uniform spacing, the registry's default for
// UniPC) from 15 steps on, to σ = 0 as a run goes: compared with the limit all
// samplers share (x̂0 of the exact solution at the last σ > 0). Measured at
// 15 / 20 / 30 steps, s = 1: UniPC 6.3e-4 / 2.0e-5 / 1.7e-5 of the image's
// range against DPM++ 2M's 1.1e-2 / 6.1e-3 / 2.7e-3. Below 10 steps UniPC is
// no better than DPM++ 2M on this data (docs/PERFORMANCE.md).
TEST(UniPc, TheRegisteredSamplersBeatDpmpp2mFromFifteenSteps) {
  const auto schedule = NoiseSchedule::scaled_linear();
  for (const double spread : {0.5, 1.0}) {
    const auto relative_error = [&](const std::string& name, int steps) {
      const auto sigmas = make_sigmas(schedule, steps, spacing_by_name(sampler_by_name(name).default_spacing));
      support::GaussianDenoiser denoiser(0.1, spread);
      SampleRun run{denoiser, sigmas, nullptr, nullptr, {}, {}};
      const double sigma_max = sigmas.front(), sigma_last = sigmas[sigmas.size() - 2];
      const at::Tensor x_T = start() / kSigmaMax * sigma_max;
      const at::Tensor limit = denoiser.denoise(denoiser.exact(x_T, sigma_max, sigma_last), sigma_last);
      return max_difference(run_sampler(sampler_by_name(name), x_T, run), limit) / limit.abs().max().item<double>();
    };
    for (int steps : {15, 20, 30}) {
      for (const std::string name : {"uni_pc", "uni_pc_bh2"}) {
        EXPECT_LT(relative_error(name, steps), relative_error("dpmpp_2m", steps) / 5)
            << name << ", s = " << spread << ", " << steps << " steps";
      }
    }
  }
}

TEST(UniPc, OneModelCallPerStepAndNoneForTheStepToZero) {
  for (int steps : {1, 2, 3, 10}) {
    int calls = 0;
    unipc({}, levels(steps, true), &calls);
    EXPECT_EQ(calls, steps);
    unipc({}, levels(steps, false), &calls);
    EXPECT_EQ(calls, steps);
  }
}

// Each reported step is the model's input at that level with its own x̂0 and
// ε̂; the step to σ = 0 ends on the last x̂0.
TEST(UniPc, ReportsEachStepAndEndsOnTheLastPrediction) {
  support::GaussianDenoiser denoiser(kMean, kStd);
  std::vector<StepEvent> events;
  SampleRun run{denoiser, levels(6, true), nullptr, [&](const StepEvent& e) { events.push_back(e); }, {}, {}};
  const at::Tensor x = sample_unipc_with(start(), run, {});
  ASSERT_EQ(events.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    const StepEvent& e = events[i];
    EXPECT_EQ(e.index, i);
    EXPECT_DOUBLE_EQ(e.sigma, run.sigmas[i]);
    const at::Tensor input = e.x_t * std::sqrt(1 + e.sigma * e.sigma);
    EXPECT_LT(max_difference(e.x0, denoiser.denoise(input, e.sigma)), 1e-12) << i;
    EXPECT_LT(max_difference(e.eps, (input - e.x0) / e.sigma), 1e-12) << i;
  }
  EXPECT_TRUE(at::equal(x, events.back().x0));
  EXPECT_LT(max_difference(events.front().x_t * std::sqrt(1 + kSigmaMax * kSigmaMax), start()), 1e-12);
}

TEST(UniPc, IsRegisteredUnderA1111sAndComfyUisNames) {
  EXPECT_EQ(sampler_by_name("UniPC").name, "uni_pc");
  EXPECT_EQ(sampler_by_name("UniPC bh2").name, "uni_pc_bh2");
  EXPECT_EQ(sampler_by_name("uni_pc_bh2").evaluations_per_step, 1);
  EXPECT_FALSE(sampler_by_name("uni_pc").stochastic);
  EXPECT_EQ(sampler_by_name("uni_pc").default_spacing, "exponential");
}
