// Textual-inversion files: the layouts people have (A1111's emb_params and
// .pt string_to_param, diffusers' one tensor, SDXL's clip_l/clip_g), from
// .safetensors and torch.save files (read as data), in float32; everything
// else refused with what it holds; folders searched in order, the first
// folder winning a name, broken files kept as refusals, LoRAs and
// checkpoints in the same folder passed over.
#include "core/models/adapters/embedding_file.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/errors.h"
#include "core/io/file_hash.h"
#include "core/io/safetensors.h"
#include "core/models/adapters/embedding_folders.h"
#include "tests/support/sd_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
namespace fs = std::filesystem;

namespace {

std::string open_error(const fs::path& path) {
  try {
    EmbeddingFile::open(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(EmbeddingFile, ReadsTheThreeLayoutsInFloat32) {
  support::TempDir dir;
  const at::Tensor a1111 = at::randn({3, 768}).to(at::kHalf);
  write_safetensors(dir / "EasyNegative.safetensors", {{"emb_params", a1111}});
  const EmbeddingFile easy = EmbeddingFile::open(dir / "EasyNegative.safetensors");
  EXPECT_EQ(easy.name(), "EasyNegative");
  EXPECT_EQ(easy.layout(), EmbeddingLayout::OneTower);
  EXPECT_EQ(easy.vectors(), 3);
  EXPECT_EQ(easy.widths(), (std::vector<int64_t>{768}));
  EXPECT_EQ(easy.describe(), "3 vectors, 768 wide");
  const EmbeddingVectors read = easy.read();
  EXPECT_EQ(read.vectors.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(read.vectors, a1111.to(at::kFloat)));

  // diffusers' learned_embeds: one tensor named after its token, one vector.
  const at::Tensor token = at::randn({1024});
  write_safetensors(dir / "cat-toy.safetensors", {{"<cat-toy>", token}});
  const EmbeddingFile toy = EmbeddingFile::open(dir / "cat-toy.safetensors");
  EXPECT_EQ(toy.vectors(), 1);
  EXPECT_TRUE(at::equal(toy.read().vectors, token.view({1, 1024})));

  const at::Tensor l = at::randn({2, 768}), g = at::randn({2, 1280}).to(at::kBFloat16);
  write_safetensors(dir / "xl.safetensors", {{"clip_g", g}, {"clip_l", l}});
  const EmbeddingFile xl = EmbeddingFile::open(dir / "xl.safetensors");
  EXPECT_EQ(xl.layout(), EmbeddingLayout::Sdxl);
  EXPECT_EQ(xl.widths(), (std::vector<int64_t>{768, 1280}));
  EXPECT_EQ(xl.describe(), "2 vectors, SDXL (768 + 1280 wide)");
  const EmbeddingVectors both = xl.read();
  EXPECT_TRUE(at::equal(both.clip_l, l));
  EXPECT_TRUE(at::equal(both.clip_g, g.to(at::kFloat)));
  EXPECT_FALSE(both.vectors.defined());

  // A1111's "TI hashes": the whole file's SHA-256, 12 digits.
  EXPECT_EQ(embedding_short_hash(dir / "xl.safetensors"), sha256_file(dir / "xl.safetensors").substr(0, 12));
}

TEST(EmbeddingFile, RefusesWhatIsNotAnEmbeddingSayingWhatItHolds) {
  support::TempDir dir;
  write_safetensors(dir / "three.safetensors", {{"a", at::zeros({768})}, {"b", at::zeros({768})}, {"c", at::zeros(1)}});
  EXPECT_NE(open_error(dir / "three.safetensors").find("holds 3 tensors (a, b, c)"), std::string::npos);
  write_safetensors(dir / "ints.safetensors", {{"emb_params", at::zeros({2, 768}, at::kLong)}});
  EXPECT_NE(open_error(dir / "ints.safetensors").find("is I64"), std::string::npos);
  write_safetensors(dir / "long.safetensors", {{"emb_params", at::zeros({76, 768})}});
  EXPECT_NE(open_error(dir / "long.safetensors").find("has shape [76, 768]"), std::string::npos);
  write_safetensors(dir / "cube.safetensors", {{"emb_params", at::zeros({1, 2, 768})}});
  EXPECT_NE(open_error(dir / "cube.safetensors").find("has shape [1, 2, 768]"), std::string::npos);
  write_safetensors(dir / "uneven.safetensors", {{"clip_l", at::zeros({2, 768})}, {"clip_g", at::zeros({3, 1280})}});
  EXPECT_NE(open_error(dir / "uneven.safetensors").find("clip_l holds 2 vectors and clip_g 3"), std::string::npos);
  std::ofstream(dir / "garbage.safetensors") << "not a safetensors file";
  EXPECT_NE(open_error(dir / "garbage.safetensors").find("garbage.safetensors"), std::string::npos);
  // A NaN in the vectors is named when they are read.
  write_safetensors(dir / "nan.safetensors", {{"emb_params", at::full({1, 768}, NAN)}});
  try {
    EmbeddingFile::open(dir / "nan.safetensors").read();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

TEST(EmbeddingFile, ReadsTorchSaveFilesAsData) {
  support::TempDir dir;
  std::string why;
  if (!support::make_torch_pickles(dir.path(), dir / "ran", &why)) GTEST_SKIP() << why;
  const auto values = [](int64_t n, int64_t w) { return at::arange(n * w, at::kFloat).view({n, w}) / 1000; };
  const EmbeddingFile a1111 = EmbeddingFile::open(dir / "a1111.pt");
  EXPECT_EQ(a1111.name(), "a1111");
  EXPECT_EQ(a1111.describe(), "2 vectors, 768 wide");
  EXPECT_TRUE(at::equal(a1111.read().vectors, values(2, 768)));
  const EmbeddingFile old = EmbeddingFile::open(dir / "paramdict.pt");  // ParameterDict, float16
  EXPECT_TRUE(at::equal(old.read().vectors, values(3, 768).to(at::kHalf).to(at::kFloat)));
  const EmbeddingFile token = EmbeddingFile::open(dir / "learned_embeds.bin");
  EXPECT_EQ(token.describe(), "1 vector, 1024 wide");
  const EmbeddingFile xl = EmbeddingFile::open(dir / "sdxl.pt");
  EXPECT_EQ(xl.layout(), EmbeddingLayout::Sdxl);
  EXPECT_TRUE(at::equal(xl.read().clip_g, values(2, 1280)));
  EXPECT_NE(open_error(dir / "evil.pt").find("nothing in it was run"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "ran"));
  // In a folder they are listed like .safetensors ones.
  const EmbeddingScan scan = scan_embeddings({dir.path()});
  EXPECT_EQ(scan.files.size(), 5u);    // a1111, learned_embeds, paramdict, sdxl, view
  EXPECT_EQ(scan.refused.size(), 2u);  // deflated, evil
}

TEST(EmbeddingFolders, TheFirstFolderWinsANameAndOtherFilesAreKeptWithWhy) {
  support::TempDir dir;
  const fs::path first = dir / "first", second = dir / "second";
  fs::create_directories(first);
  fs::create_directories(second);
  write_safetensors(first / "style.safetensors", {{"emb_params", at::ones({1, 768})}});
  write_safetensors(second / "style.safetensors", {{"emb_params", at::ones({2, 768})}});
  write_safetensors(second / "hands.safetensors", {{"emb_params", at::ones({4, 768})}});
  std::ofstream(second / "badhandv4.pt") << "no torch.save archive";
  std::ofstream(second / "broken.safetensors") << "xx";
  // A LoRA beside them is not an embedding and no error.
  std::map<std::string, at::Tensor> lora;
  for (const char* half : {"lora_down.weight", "lora_up.weight", "alpha"})
    lora[std::string("lora_unet_x.") + half] = at::zeros({4, 4});
  write_safetensors(second / "detail.safetensors", lora);
  std::ofstream(second / "notes.txt") << "text";

  const EmbeddingScan scan = scan_embeddings({first, second, dir / "missing"});
  ASSERT_EQ(scan.files.size(), 2u);
  EXPECT_EQ(scan.files[0].name(), "hands");
  EXPECT_EQ(scan.files[1].name(), "style");
  EXPECT_EQ(scan.files[1].vectors(), 1) << "the first folder's file";
  ASSERT_EQ(scan.refused.size(), 2u);
  EXPECT_EQ(scan.refused[0].name, "badhandv4");
  EXPECT_NE(scan.refused[0].reason.find("not a ZIP archive"), std::string::npos) << scan.refused[0].reason;
  EXPECT_NE(scan.refused[0].reason.find("badhandv4.pt"), std::string::npos);
  EXPECT_EQ(scan.refused[1].name, "broken");

  // A .safetensors beats a .pt of the same name in its folder.
  write_safetensors(second / "badhandv4.safetensors", {{"emb_params", at::ones({6, 768})}});
  const EmbeddingScan again = scan_embeddings({second});
  EXPECT_EQ(again.refused.size(), 1u);
  EXPECT_EQ(again.files.size(), 3u);
}

TEST(EmbeddingFolders, LookNextToTheCheckpointAsA1111AndComfyUiLayThemOut) {
  support::TempDir dir;
  const fs::path checkpoint = dir / "webui" / "models" / "Stable-diffusion" / "model.safetensors";
  fs::create_directories(checkpoint.parent_path());
  std::ofstream(checkpoint) << "x";
  const auto dirs = embedding_search_dirs({"/asked"}, checkpoint.string());
  ASSERT_GE(dirs.size(), 4u);
  EXPECT_EQ(dirs[0], fs::path("/asked"));
  const fs::path root = fs::absolute(dir.path());
  EXPECT_EQ(dirs[1], (root / "webui" / "models" / "Stable-diffusion" / "embeddings").lexically_normal());
  EXPECT_EQ(dirs[2], (root / "webui" / "models" / "embeddings").lexically_normal());  // ComfyUI
  EXPECT_EQ(dirs[3], (root / "webui" / "embeddings").lexically_normal());             // A1111
  // A model that is not a file (the built-in model's name) adds no neighbours.
  EXPECT_EQ(embedding_search_dirs({}, "diffscope-emoji").size(), embedding_search_dirs({}, "").size());
}
