// I_x(a, b) by its continued fraction (Abramowitz & Stegun 26.5.8), evaluated
// with the modified Lentz method, on the side of x where it converges fast
// (x < (a + 1)/(a + b + 2); the other side through I_x(a, b) = 1 − I_{1−x}(b, a)).
// The quantile is bisection: I_x is increasing, and 60 halvings of [0, 1]
// reach double precision whatever the shape (U-shaped for a, b < 1).
#include "core/schedule/beta_quantile.h"

#include <cmath>

#include "core/common/errors.h"

namespace diffscope {
namespace {

constexpr double kTiny = 1e-300;  // keeps Lentz's ratios away from division by 0

double nonzero(double v) { return std::abs(v) < kTiny ? kTiny : v; }

// The continued fraction 1/(1 + d1/(1 + d2/(1 + …))) of 26.5.8.
double continued_fraction(double x, double a, double b) {
  double c = 1.0, d = 1.0 / nonzero(1.0 - (a + b) * x / (a + 1.0)), result = d;
  for (int m = 1; m <= 1000; ++m) {
    // d_{2m} = m(b − m)x / ((a + 2m − 1)(a + 2m)); d_{2m+1} = −(a + m)(a + b + m)x / ((a + 2m)(a + 2m + 1)).
    const double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1.0 / nonzero(1.0 + even * d);
    c = nonzero(1.0 + even / c);
    result *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1.0 / nonzero(1.0 + odd * d);
    c = nonzero(1.0 + odd / c);
    const double factor = d * c;
    result *= factor;
    if (std::abs(factor - 1.0) < 1e-16) break;
  }
  return result;
}

}  // namespace

double beta_cdf(double x, double a, double b) {
  if (!(a > 0.0 && b > 0.0 && x >= 0.0 && x <= 1.0))
    throw Error("the Beta distribution needs a, b > 0 and x in [0, 1]");
  if (x == 0.0 || x == 1.0) return x;
  // x^a (1 − x)^b / B(a, b), in logs.
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * continued_fraction(x, a, b) / a;
  return 1.0 - front * continued_fraction(1.0 - x, b, a) / b;
}

double beta_quantile(double p, double a, double b) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error("a quantile needs p in [0, 1]");
  if (p == 0.0 || p == 1.0) return p;
  double low = 0.0, high = 1.0;
  for (int i = 0; i < 60; ++i) {
    const double middle = (low + high) / 2.0;
    (beta_cdf(middle, a, b) < p ? low : high) = middle;
  }
  return (low + high) / 2.0;
}

}  // namespace diffscope
