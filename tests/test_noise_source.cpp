#include "core/common/errors.h"
#include "core/sampling/noise_source.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

using diffscope::NoiseSource;

// Reference values printed by PyTorch 1.13:
//   torch.manual_seed(42); x = torch.randn(1, 4, 32, 32); x.flatten()[:5], x.double().sum()
//   torch.manual_seed(42); torch.randn(3)
TEST(NoiseSource, EqualsPyTorchManualSeedRandn) {
  NoiseSource noise(42, 1);
  const at::Tensor x = noise.draw({4, 32, 32});
  const double expected[] = {1.9269152880, 1.4872840643, 0.9007171988, -2.1055209637, 0.6784184575};
  const at::Tensor flat = x.flatten();
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(flat[i].item<double>(), expected[i], 1e-7);
  EXPECT_NEAR(x.to(at::kDouble).sum().item<double>(), -4.412261032732204, 1e-4);

  NoiseSource small(42, 1);  // fewer than 16 values: PyTorch's scalar path
  const at::Tensor y = small.draw({3});
  EXPECT_NEAR(y[0][0].item<double>(), 0.3366903663, 1e-7);
  EXPECT_NEAR(y[0][2].item<double>(), 0.2344623655, 1e-7);
}

TEST(NoiseSource, BatchItemUsesSeedPlusIndex) {
  NoiseSource batch(100, 3);
  const at::Tensor all = batch.draw({4, 8, 8});
  for (int i = 0; i < 3; ++i) {
    NoiseSource alone(100 + i, 1);
    EXPECT_TRUE(at::equal(all[i], alone.draw({4, 8, 8})[0])) << i;
  }
  // Later draws continue each item's own stream.
  const at::Tensor second = batch.draw({4, 8, 8});
  NoiseSource alone(101, 1);
  alone.draw({4, 8, 8});
  EXPECT_TRUE(at::equal(second[1], alone.draw({4, 8, 8})[0]));
}

TEST(NoiseSource, DrawLikeKeepsDtypeAndShape) {
  NoiseSource noise(1, 2);
  const at::Tensor like = at::zeros({2, 3, 5}, at::kDouble);
  const at::Tensor x = noise.draw_like(like);
  EXPECT_EQ(x.scalar_type(), at::kDouble);
  EXPECT_EQ(x.sizes(), like.sizes());
  EXPECT_THROW(noise.draw_like(at::zeros({3, 3, 5})), diffscope::Error);
  EXPECT_THROW({ NoiseSource bad(1, 0); }, diffscope::Error);
}
