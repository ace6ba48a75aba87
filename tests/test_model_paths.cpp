// Finding installed models.
#include "core/models/model_paths.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/support/test_support.h"

using namespace diffscope;

TEST(ModelPaths, EnvironmentFolderComesFirst) {
  support::TempDir dir;
  std::ofstream(dir / "mine.json") << "{}";
  std::ofstream(dir / "mine.safetensors") << "x";
  setenv("DIFFSCOPE_MODELS_DIR", dir.path().c_str(), 1);
  ASSERT_FALSE(model_search_dirs().empty());
  EXPECT_EQ(model_search_dirs().front(), dir.path());
  EXPECT_EQ(find_model_dir("mine"), dir.path());
  std::filesystem::remove(dir / "mine.safetensors");
  EXPECT_FALSE(find_model_dir("mine").has_value());  // both files are needed
  unsetenv("DIFFSCOPE_MODELS_DIR");
}

TEST(ModelPaths, NamesThatAreNotPlainNamesAreNeverLookedUp) {
  EXPECT_FALSE(find_model_dir("").has_value());
  EXPECT_FALSE(find_model_dir("../etc/passwd").has_value());
  EXPECT_FALSE(find_model_dir(".hidden").has_value());
  EXPECT_FALSE(find_model_dir("a/b").has_value());
}

TEST(ModelPaths, TheBuiltInModelShipsInTheSourceTree) {
  unsetenv("DIFFSCOPE_MODELS_DIR");
  const auto dir = find_model_dir(kBuiltinModel);
  ASSERT_TRUE(dir.has_value()) << "models/" << kBuiltinModel << ".{json,safetensors} missing";
}

TEST(ModelPaths, AnInstalledProgramLooksBesideItselfAndNeverInTheSourceTree) {
  unsetenv("DIFFSCOPE_MODELS_DIR");
  const auto dirs = model_search_dirs_for("/opt/elsewhere/bin/diffscope");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs.front(), std::filesystem::path("/opt/elsewhere/share/diffscope/models"));
}

TEST(ModelPaths, AProgramInTheBuildFolderAlsoFindsTheSourceTreeModels) {
  unsetenv("DIFFSCOPE_MODELS_DIR");
  const auto own = model_search_dirs();  // this test runs from the build folder
  ASSERT_EQ(own.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(own.back() / (std::string(kBuiltinModel) + ".json")));
}
