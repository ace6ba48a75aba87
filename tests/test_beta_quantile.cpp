// The Beta distribution's CDF and quantile against closed forms: Beta(1, 1)
// is uniform, Beta(2, 1) has CDF x², Beta(½, ½) is the arcsine law with CDF
// (2/π)·asin √x, and Beta(a, b) mirrors Beta(b, a).
#include "core/schedule/beta_quantile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/common/errors.h"

using namespace diffscope;

TEST(BetaQuantile, CdfMatchesClosedForms) {
  const double pi = std::acos(-1.0);
  for (double x : {0.0, 1e-6, 0.03, 0.25, 0.5, 0.77, 0.999, 1.0}) {
    EXPECT_NEAR(beta_cdf(x, 1, 1), x, 1e-14) << x;
    EXPECT_NEAR(beta_cdf(x, 2, 1), x * x, 1e-14) << x;
    EXPECT_NEAR(beta_cdf(x, 0.5, 0.5), 2 / pi * std::asin(std::sqrt(x)), 1e-13) << x;
    EXPECT_NEAR(beta_cdf(x, 0.6, 2.5), 1 - beta_cdf(1 - x, 2.5, 0.6), 1e-13) << x;
  }
}

TEST(BetaQuantile, InvertsTheCdf) {
  const double pi = std::acos(-1.0);
  for (double p : {0.0, 1e-9, 0.1, 0.5, 0.9, 0.95, 1 - 1e-9, 1.0}) {
    EXPECT_NEAR(beta_quantile(p, 0.5, 0.5), std::pow(std::sin(pi * p / 2), 2), 1e-13) << p;
    EXPECT_NEAR(beta_quantile(p, 2, 1), std::sqrt(p), 1e-13) << p;
  }
  // Near 0 and 1 the density of Beta(0.6, 0.6) is unbounded, so the round trip is checked inside.
  for (double p : {0.01, 0.1, 0.5, 0.9, 0.99}) {
    EXPECT_NEAR(beta_cdf(beta_quantile(p, 0.6, 0.6), 0.6, 0.6), p, 1e-13) << p;
  }
  EXPECT_EQ(beta_quantile(0.0, 0.6, 0.6), 0.0);
  EXPECT_EQ(beta_quantile(1.0, 0.6, 0.6), 1.0);
  // The Beta scheduler's shape, against mpmath's betainc (30 digits) solved for x.
  EXPECT_NEAR(beta_quantile(0.9, 0.6, 0.6), 0.960415594411219166, 1e-14);
  EXPECT_NEAR(beta_quantile(0.8, 0.6, 0.6), 0.877078249541667133, 1e-14);
  EXPECT_NEAR(beta_quantile(0.1, 0.6, 0.6), 0.039584405588780852, 1e-14);
  // Symmetric shapes put the median in the middle.
  EXPECT_NEAR(beta_quantile(0.5, 0.6, 0.6), 0.5, 1e-15);
}

TEST(BetaQuantile, RefusesWhatIsNotADistribution) {
  EXPECT_THROW(beta_cdf(0.5, 0, 1), Error);
  EXPECT_THROW(beta_cdf(1.5, 1, 1), Error);
  EXPECT_THROW(beta_cdf(std::nan(""), 1, 1), Error);
  EXPECT_THROW(beta_quantile(-0.1, 1, 1), Error);
}
