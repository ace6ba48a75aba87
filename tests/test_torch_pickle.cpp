// torch.save files read as data: the files PyTorch itself writes
// (tests/tools/make_torch_pickles.py) come back as the same dicts, numbers,
// strings and tensors — views, float16, pickle protocol 4, an old
// ParameterDict — and a pickle that asks for os.system is refused by that
// name without anything in it running; broken archives are errors.
#include "core/io/torch_pickle.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/stored_zip.h"
#include "core/io/torch_storage.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;
using Kind = PickleValue::Kind;

namespace {

constexpr uint64_t kLimit = 64ull << 20;

at::Tensor values(int64_t n, int64_t w) { return at::arange(n * w, at::kFloat).view({n, w}) / 1000; }

std::string open_error(const fs::path& path) {
  try {
    TorchPickle::open(path, kLimit);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

class TorchPickleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir;
    support::make_torch_pickles(dir_->path(), marker(), &why_);
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
  }
  static fs::path file(const std::string& name) { return *dir_ / name; }
  static fs::path marker() { return *dir_ / "os-system-ran"; }
  static support::TempDir* dir_;
  static std::string why_;
};
support::TempDir* TorchPickleTest::dir_ = nullptr;
std::string TorchPickleTest::why_;

TEST_F(TorchPickleTest, ReadsA1111sEmbeddingAsItsDictOfValues) {
  const auto pickle = TorchPickle::open(file("a1111.pt"), kLimit);
  const PickleValue& root = pickle->root();
  ASSERT_EQ(root.kind, Kind::Dict);
  ASSERT_NE(root.get("step"), nullptr);
  EXPECT_EQ(root.get("step")->integer, 500);
  EXPECT_EQ(root.get("name")->text, "a1111");
  EXPECT_EQ(root.get("string_to_token")->get("*")->integer, 265);
  const PickleValue* tensor = root.get("string_to_param")->get("*");
  ASSERT_NE(tensor, nullptr);
  ASSERT_EQ(tensor->kind, Kind::Tensor);
  EXPECT_TRUE(at::equal(tensor->tensor, values(2, 768)));
  EXPECT_EQ(root.get("missing"), nullptr);
}

TEST_F(TorchPickleTest, ReadsViewsHalfFloatsProtocolFourAndParameterDicts) {
  // A strided view of a larger storage: exactly those elements.
  const auto view = TorchPickle::open(file("view.pt"), kLimit);
  const at::Tensor expected = values(4, 1536).slice(0, 1, 3).slice(1, 0, 1536, 2);
  EXPECT_TRUE(at::equal(view->root().get("emb_params")->tensor, expected));
  // The original textual-inversion code: a ParameterDict (an object whose
  // state holds _parameters), float16, protocol 4 (frames, MEMOIZE).
  const auto old = TorchPickle::open(file("paramdict.pt"), kLimit);
  const PickleValue* params = old->root().get("string_to_param");
  ASSERT_NE(params, nullptr);
  ASSERT_EQ(params->kind, Kind::Object);
  const PickleValue* inner = params->get("_parameters");
  ASSERT_NE(inner, nullptr);
  const at::Tensor half = inner->get("*")->tensor;
  EXPECT_EQ(half.scalar_type(), at::kHalf);
  EXPECT_TRUE(at::equal(half, values(3, 768).to(at::kHalf)));
  // An OrderedDict at the top, and a 1-D tensor.
  const auto xl = TorchPickle::open(file("sdxl.pt"), kLimit);
  EXPECT_TRUE(at::equal(xl->root().get("clip_g")->tensor, values(2, 1280)));
  const auto bin = TorchPickle::open(file("learned_embeds.bin"), kLimit);
  EXPECT_TRUE(at::equal(bin->root().get("<cat-toy>")->tensor, values(1, 1024)[0]));
}

TEST_F(TorchPickleTest, APickleThatAsksForCodeIsRefusedUnread) {
  const std::string error = open_error(file("evil.pt"));
  EXPECT_NE(error.find(".system'"), std::string::npos) << error;  // posix.system (nt.system on Windows)
  EXPECT_NE(error.find("nothing in it was run"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(marker()));
}

TEST_F(TorchPickleTest, BrokenArchivesAreErrorsNamingTheFile) {
  EXPECT_NE(open_error(file("deflated.pt")).find("is compressed"), std::string::npos)
      << open_error(file("deflated.pt"));
  // Cut short: the central directory is gone.
  std::ifstream in(file("a1111.pt"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(file("cut.pt"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(open_error(file("cut.pt")).find("cut.pt"), std::string::npos);
  // Over the caller's limit: not read at all.
  try {
    TorchPickle::open(file("a1111.pt"), 1024);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more than"), std::string::npos) << e.what();
  }
  std::ofstream(file("text.pt")) << "not a zip at all, but long enough to look for one";
  EXPECT_FALSE(StoredZip::looks_like_zip(file("text.pt")));
  EXPECT_NE(open_error(file("text.pt")).find("not a ZIP archive"), std::string::npos);
}

TEST(TorchStorage, AStridedCopyStaysInsideItsStorage) {
  const at::Tensor storage = at::arange(12, at::kFloat);
  EXPECT_TRUE(at::equal(strided_copy(storage, 1, {2, 3}, {4, 1}), storage.as_strided({2, 3}, {4, 1}, 1)));
  EXPECT_TRUE(at::equal(strided_copy(storage, 0, {3}, {0}), at::zeros({3})));  // an expanded scalar
  EXPECT_EQ(strided_copy(storage, 0, {0, 5}, {5, 1}).numel(), 0);
  EXPECT_THROW(strided_copy(storage, 1, {3, 4}, {4, 1}), Error);  // its last element is 12
  EXPECT_THROW(strided_copy(storage, -1, {2}, {1}), Error);
  EXPECT_THROW(strided_copy(storage, 0, {2}, {-1}), Error);
  EXPECT_THROW(strided_copy(storage, 0, {13}, {1}), Error);
  EXPECT_THROW(strided_copy(storage, 0, {int64_t(1) << 62, 4}, {0, 0}), Error);  // more elements than it holds
  EXPECT_THROW(strided_copy(storage, 0, {2, 2}, {1}), Error);
  EXPECT_TRUE(torch_pickle_name_allowed("torch._utils._rebuild_tensor_v2"));
  EXPECT_FALSE(torch_pickle_name_allowed("posix.system"));
  EXPECT_FALSE(torch_pickle_name_allowed("builtins.eval"));
  EXPECT_EQ(torch_storage_type("torch.HalfStorage"), at::kHalf);
  EXPECT_FALSE(torch_storage_type("torch.CudaStorage"));
}
