// The command-line program, run as a user would.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/data/emoji_pairs.h"
#include "core/grid/grid_record.h"
#include "core/io/bitmap_font.h"
#include "core/io/png_image.h"
#include "core/io/safetensors.h"
#include "tests/support/ldm_test_support.h"
#include "tests/support/test_support.h"

using namespace diffscope;
using support::run_command;

class Cli : public ::testing::Test {
 protected:
  std::string cli(const std::string& args) {
    return "DIFFSCOPE_CACHE_DIR=" + (dir / "cache").string() + " " + support::cli_path() + " " + args;
  }
  support::TempDir dir;
};

TEST_F(Cli, GenerateWritesAPngWithParametersAndSteps) {
  std::string out;
  const auto png = dir / "cat.png";
  ASSERT_EQ(
      run_command(cli("generate -p cat -s 5 --seed 3 --save-steps " + (dir / "steps").string() + " -o " + png.string()),
                  &out),
      0)
      << out;
  EXPECT_NE(out.find("step 5/5"), std::string::npos) << out;
  const auto text = read_png_text(png);
  EXPECT_EQ(text.at("parameters").rfind("cat\nSteps: 5, Sampler: Euler, ", 0), 0u) << text.at("parameters");
  EXPECT_EQ(read_png_rgb(png).sizes(), (at::IntArrayRef{64, 64, 3}));
  EXPECT_TRUE(std::filesystem::exists(dir / "steps" / "step0000-b0-xt.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "steps" / "step0004-b0-x0.png"));
  // An existing file is not replaced unless asked.
  EXPECT_NE(run_command(cli("generate -s 2 -o " + png.string()), &out), 0);
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;
  EXPECT_EQ(run_command(cli("generate -s 2 --overwrite -o " + png.string()), &out), 0) << out;
}

// --fast: the model's measured fast setting; a model without one says so.
TEST_F(Cli, FastRunsTheModelsFastSetting) {
  std::string out;
  const auto png = dir / "fast.png";
  ASSERT_EQ(run_command(cli("generate -p cat --fast --seed 3 -o " + png.string()), &out), 0) << out;
  EXPECT_NE(out.find("fast setting"), std::string::npos) << out;
  EXPECT_EQ(read_png_text(png).at("parameters").rfind("cat\nSteps: 8, Sampler: DPM++ 2M, ", 0), 0u)
      << read_png_text(png).at("parameters");
  // Explicit steps still win.
  ASSERT_EQ(run_command(cli("generate -p cat --fast -s 6 --overwrite -o " + png.string()), &out), 0) << out;
  EXPECT_EQ(read_png_text(png).at("parameters").rfind("cat\nSteps: 6, Sampler: DPM++ 2M, ", 0), 0u);
  EXPECT_NE(run_command(cli("generate -m oracle -p cat --fast -o " + (dir / "o.png").string()), &out), 0);
  EXPECT_NE(out.find("has no fast setting"), std::string::npos) << out;
}

// The shipped model reads a prompt in other words as its nearest caption;
// --as-written reads the prompt's own words, and the PNG records it.
TEST_F(Cli, AsWrittenReadsThePromptsOwnWords) {
  std::string out;
  const auto png = dir / "puppy.png";
  ASSERT_EQ(run_command(cli("generate -p \"a happy puppy, noto\" -s 2 -o " + png.string()), &out), 0) << out;
  EXPECT_NE(out.find("note: read as the nearest caption the model was trained on: dog"), std::string::npos) << out;
  ASSERT_EQ(run_command(cli("generate -p \"a happy puppy, noto\" -s 2 --as-written --overwrite -o " + png.string()),
                        &out),
            0)
      << out;
  EXPECT_EQ(out.find("nearest caption"), std::string::npos) << out;
  EXPECT_NE(read_png_text(png).at("parameters").find("DiffScope prompt as written: True"), std::string::npos);
  EXPECT_NE(run_command(cli("generate -m oracle -p cat --as-written -o " + (dir / "o.png").string()), &out), 0);
  EXPECT_NE(out.find("always reads the prompt as written"), std::string::npos) << out;
}

// name-aliases writes other languages' names into a model; generate then
// reads "roter Apfel" as "red apple" and says so.
TEST_F(Cli, NameAliasesLetOtherLanguagesNamesReachTheModel) {
  const auto model = dir / "models" / "diffscope-emoji.json";
  std::filesystem::create_directories(model.parent_path());
  for (const char* extension : {".json", ".safetensors"}) {
    std::filesystem::copy_file(support::source_dir() / "models" / (std::string("diffscope-emoji") + extension),
                               dir / "models" / (std::string("diffscope-emoji") + extension));
  }
  EmojiPairs pairs = support::synthetic_pairs(5);
  pairs.names[0] = "red apple";
  pairs.phrasings.resize(5);
  pairs.phrasings[0] = {{"de", "roter Apfel", {"Apfel"}}};
  save_emoji_pairs(pairs, dir / "pairs.safetensors");
  std::string out;
  ASSERT_EQ(run_command(cli("name-aliases --data " + (dir / "pairs.safetensors").string() + " -m " + model.string()),
                        &out),
            0)
      << out;
  EXPECT_NE(out.find("wrote 1 name aliases"), std::string::npos) << out;
  const auto png = dir / "apfel.png";
  ASSERT_EQ(run_command("DIFFSCOPE_MODELS_DIR=" + model.parent_path().string() + " " +
                            cli("generate -p \"ein roter Apfel\" -s 2 -o " + png.string()),
                        &out),
            0)
      << out;
  EXPECT_NE(out.find("roter Apfel → red apple"), std::string::npos) << out;
  EXPECT_NE(out.find("leaves them out: ein"), std::string::npos) << out;
  // A data set without other languages' names is refused, the model untouched.
  save_emoji_pairs(support::synthetic_pairs(5), dir / "plain.safetensors");
  EXPECT_NE(run_command(cli("name-aliases --data " + (dir / "plain.safetensors").string() + " -m " + model.string()),
                        &out),
            0);
  EXPECT_NE(out.find("holds no CLDR names"), std::string::npos) << out;
  std::ifstream aliases(dir / "models" / "diffscope-emoji.aliases.json");  // beside the config
  const std::string text((std::istreambuf_iterator<char>(aliases)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("roter Apfel"), std::string::npos);
}

// --trajectory: a row per step of each image; the oracle's rows carry its
// posterior's entropy, falling to about 0.
TEST_F(Cli, GenerateWritesEachImagesPathAsCsv) {
  std::string out;
  const auto csv = dir / "path.csv";
  ASSERT_EQ(run_command(cli("generate -m oracle -p cat -W 16 -H 16 -s 8 --batch 2 --trajectory " + csv.string() +
                            " -o " + (dir / "o.png").string()),
                        &out),
            0)
      << out;
  EXPECT_NE(out.find("image 1: x̂0 made 90 % of its change by step"), std::string::npos) << out;
  std::ifstream file(csv);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, "item,step,t,sigma,x0_distance,change_done,eps_rms,pc1,pc2,posterior_entropy");
  int rows = 0;
  double last_entropy = -1, last_change = -1;
  while (std::getline(file, line)) {
    ++rows;
    ASSERT_EQ(std::count(line.begin(), line.end(), ','), 9) << line;
    last_entropy = std::stod(line.substr(line.rfind(',') + 1));
    std::stringstream fields(line);
    std::string field;
    for (int i = 0; i <= 5; ++i) std::getline(fields, field, ',');
    last_change = std::stod(field);
  }
  EXPECT_EQ(rows, 16);  // 8 steps × 2 images
  EXPECT_LT(last_entropy, 0.05);
  EXPECT_NEAR(last_change, 1.0, 1e-6);
  // Like the images, an existing file is kept unless asked.
  EXPECT_NE(run_command(cli("generate -s 2 --trajectory " + csv.string() + " -o " + (dir / "p.png").string()), &out), 0);
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;
}

// --attention-maps DIR: a grey PNG per word at the image's size (the start
// token's too), per step with --attention-steps, per image for batches.
TEST_F(Cli, GenerateWritesWordHeatMaps) {
  std::string out;
  const auto maps = dir / "maps";
  ASSERT_EQ(run_command(cli("generate -p \"red apple\" -s 3 --seed 2 --attention-maps " + maps.string() +
                            " --attention-steps -o " + (dir / "apple.png").string()),
                        &out),
            0)
      << out;
  for (const char* name : {"00-start-token.png", "01-red.png", "02-apple.png", "step-001/02-apple.png",
                           "step-003/01-red.png"}) {
    ASSERT_TRUE(std::filesystem::exists(maps / name)) << name << "\n" << out;
  }
  EXPECT_FALSE(std::filesystem::exists(maps / "step-004"));
  const at::Tensor apple = read_png_rgb(maps / "02-apple.png");
  EXPECT_EQ(apple.sizes(), (at::IntArrayRef{64, 64, 3}));
  EXPECT_TRUE(at::equal(apple.select(2, 0), apple.select(2, 2))) << "grey";
  EXPECT_EQ(apple.max().item<int>(), 255);
  EXPECT_EQ(apple.min().item<int>(), 0);
  // A folder with maps in it is kept unless asked; the oracle has none; the
  // per-step maps need the folder.
  EXPECT_NE(run_command(cli("generate -p apple -s 2 --attention-maps " + maps.string() + " -o " +
                            (dir / "b.png").string()),
                        &out),
            0);
  EXPECT_NE(out.find("not empty"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate -m oracle -p cat -W 16 -H 16 -s 2 --attention-maps " + (dir / "o").string() +
                            " -o " + (dir / "c.png").string()),
                        &out),
            0);
  EXPECT_NE(out.find("no word heat maps"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate -s 2 --attention-steps -o " + (dir / "d.png").string()), &out), 0);
  // Batches: one folder per image.
  ASSERT_EQ(run_command(cli("generate -p \"red apple\" -s 2 --batch 2 --attention-maps " + (dir / "two").string() +
                            " -o " + (dir / "e.png").string()),
                        &out),
            0)
      << out;
  EXPECT_TRUE(std::filesystem::exists(dir / "two/image-1/02-apple.png")) << out;
}

// grid: A1111's X/Y/Z plot. Each cell is the image `generate` makes with its
// settings, pixel for pixel; the PNG's text restores any cell.
TEST_F(Cli, GridDrawsEveryCellAsGenerateWouldAndRecordsThem) {
  std::string out;
  const auto grid = dir / "grid.png";
  ASSERT_EQ(run_command(cli("grid --x sampler=euler,heun --y \"cfg=2,6\" -p \"red apple\" -s 3 --seed 4 "
                            "--cells-dir " + (dir / "cells").string() + " -o " + grid.string()),
                        &out),
            0)
      << out;
  EXPECT_NE(out.find("cell 4/4 (Heun, CFG Scale: 6)"), std::string::npos) << out;
  const auto text = read_png_text(grid);
  const GridRecord record = parse_grid_record(text.at(kGridTextKey));
  EXPECT_EQ(record.x.labels, (std::vector<std::string>{"Euler", "Heun"}));
  EXPECT_EQ(text.at("parameters"), grid_record_cell(record, 0, 0, 0).parameters);
  const std::string heun_6 = grid_record_cell(record, 1, 1, 0).parameters;
  EXPECT_NE(heun_6.find("Sampler: Heun"), std::string::npos) << heun_6;
  EXPECT_NE(heun_6.find("CFG scale: 6"), std::string::npos) << heun_6;
  EXPECT_EQ(read_png_text(dir / "cells" / "cell-2-2-1.png").at("parameters"), heun_6);

  const auto single = dir / "heun6.png";
  ASSERT_EQ(run_command(cli("generate --sampler heun --cfg 6 -p \"red apple\" -s 3 --seed 4 -o " + single.string()),
                        &out),
            0)
      << out;
  const at::Tensor image = read_png_rgb(single);
  EXPECT_TRUE(at::equal(read_png_rgb(dir / "cells" / "cell-2-2-1.png"), image));
  const at::Tensor picture = read_png_rgb(grid);
  ASSERT_GE(picture.size(0), 128);
  ASSERT_GE(picture.size(1), 128);
  // The cells fill the bottom-right corner; labels, where a font is, lie above and left.
  const int64_t h = picture.size(0), w = picture.size(1);
  EXPECT_TRUE(at::equal(picture.narrow(0, h - 64, 64).narrow(1, w - 64, 64), image));
  if (BitmapFont::find_installed()) {
    EXPECT_GT(h, 128);
    EXPECT_GT(w, 128);
    EXPECT_TRUE((picture.narrow(0, 0, h - 128) < 128).any().item<bool>()) << "column labels";
  }
  // grid-cell: a cell's parameters, and its image made again from them.
  ASSERT_EQ(run_command(cli("grid-cell " + grid.string() + " --x 2 --y 2"), &out), 0) << out;
  EXPECT_NE(out.find(heun_6), std::string::npos) << out;
  ASSERT_EQ(run_command(cli("grid-cell " + grid.string() + " --x 2 --y 2 -o " + (dir / "again.png").string()), &out), 0)
      << out;
  EXPECT_TRUE(at::equal(read_png_rgb(dir / "again.png"), image));
  EXPECT_NE(run_command(cli("grid-cell " + grid.string() + " --x 3"), &out), 0);
  EXPECT_NE(out.find("2 × 2 × 1"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("grid-cell " + single.string()), &out), 0);
  EXPECT_NE(out.find("not a DiffScope grid"), std::string::npos) << out;
  // Bad axes are refused before anything runs; so is an existing file.
  EXPECT_NE(run_command(cli("grid --x steps=2,0 -o " + (dir / "g2.png").string()), &out), 0);
  EXPECT_NE(out.find("out of range"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("grid --x \"prompt=pear,fig\" -p apple -o " + (dir / "g3.png").string()), &out), 0);
  EXPECT_NE(out.find("neither"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("grid --x steps=2,3 -o " + grid.string()), &out), 0);
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "g2.png"));
}

// --from PARENT.png --at-step K: the parent rebuilt from its PNG; unchanged,
// the branch is the parent's image; with a new prompt, its PNG rebuilds it.
TEST_F(Cli, GenerateBranchesFromAPng) {
  std::string out;
  const auto parent = dir / "parent.png", same = dir / "same.png", dog = dir / "dog.png", again = dir / "again.png";
  ASSERT_EQ(run_command(cli("generate -m oracle -p cat -W 16 -H 16 -s 8 --sampler euler_a --seed 4 -o " +
                            parent.string()),
                        &out),
            0)
      << out;
  ASSERT_EQ(run_command(cli("generate --from " + parent.string() + " --at-step 4 -o " + same.string()), &out), 0)
      << out;
  EXPECT_TRUE(at::equal(read_png_rgb(parent), read_png_rgb(same)));
  ASSERT_EQ(run_command(cli("generate --from " + parent.string() + " --at-step 2 -p dog --seed 9 -o " + dog.string()),
                        &out),
            0)
      << out;
  const std::string text = read_png_text(dog).at("parameters");
  EXPECT_EQ(text.rfind("dog\nSteps: 8, Sampler: Euler a", 0), 0u) << text;
  EXPECT_NE(text.find("DiffScope branch: "), std::string::npos) << text;
  EXPECT_FALSE(at::equal(read_png_rgb(parent), read_png_rgb(dog)));
  // Its own PNG restores the branch (the app's drop, the CLI's parameters).
  ASSERT_EQ(run_command(cli("generate --from " + dog.string() + " --at-step 8 -o " + again.string()), &out), 0)
      << out;
  EXPECT_TRUE(at::equal(read_png_rgb(dog), read_png_rgb(again)));
  EXPECT_NE(run_command(cli("generate --from " + parent.string() + " --at-step 9 -o " + (dir / "x.png").string()),
                        &out),
            0);
  EXPECT_NE(out.find("1 to 8"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate --from " + parent.string() + " -o " + (dir / "y.png").string()), &out), 0);
  EXPECT_NE(out.find("--at-step"), std::string::npos) << out;
}

TEST_F(Cli, InpaintsFromTheMaskedContentAsked) {
  std::string out;
  const auto start = dir / "start.png", mask = dir / "mask.png", png = dir / "inpainted.png";
  ASSERT_EQ(run_command(cli("generate -p apple -s 3 -o " + start.string()), &out), 0) << out;
  at::Tensor white = at::zeros({64, 64, 3}, at::kByte);
  white.slice(1, 32).fill_(255);
  write_png(mask, white);
  const std::string inpaint = "generate -p cat -s 3 -i " + start.string() + " --mask " + mask.string();
  ASSERT_EQ(run_command(cli(inpaint + " --masked-content latent-nothing -o " + png.string()), &out), 0) << out;
  EXPECT_NE(read_png_text(png).at("parameters").find("Masked content: latent nothing"), std::string::npos);
  EXPECT_NE(run_command(cli(inpaint + " --masked-content lava -o " + (dir / "x.png").string()), &out), 0);
  EXPECT_NE(out.find("choose original, fill, latent-noise or latent-nothing"), std::string::npos) << out;
}

TEST_F(Cli, StartImagesOfAnotherSizeFollowTheResizeMode) {
  std::string out;
  const auto start = dir / "wide.png", mask = dir / "wide-mask.png", png = dir / "cropped.png";
  // The built-in model draws 64×64 only: a 96×64 picture with detail everywhere.
  write_png(start, at::arange(64 * 96 * 3).remainder(241).to(at::kByte).reshape({64, 96, 3}));
  at::Tensor white = at::zeros({64, 96, 3}, at::kByte);
  white.slice(1, 48).fill_(255);
  write_png(mask, white);
  const std::string inpaint = "generate -p cat -s 3 -i " + start.string() + " --mask " + mask.string();
  ASSERT_EQ(run_command(cli(inpaint + " --resize-mode crop-and-resize -o " + png.string()), &out), 0) << out;
  EXPECT_NE(read_png_text(png).at("parameters").find("DiffScope resize mode: Crop and resize"), std::string::npos);
  // The centre 64 columns of the start image, kept left of the mask (its blur reaches 10 pixels).
  const at::Tensor kept = read_png_rgb(start).narrow(1, 16, 22);
  EXPECT_TRUE(at::equal(read_png_rgb(png).narrow(1, 0, 22), kept));
  EXPECT_NE(run_command(cli(inpaint + " --resize-mode stretch -o " + (dir / "x.png").string()), &out), 0);
  EXPECT_NE(out.find("choose just-resize, crop-and-resize, resize-and-fill or latent-upscale"), std::string::npos)
      << out;
}

TEST_F(Cli, BadArgumentsPrintUsageAndFail) {
  std::string out;
  EXPECT_NE(run_command(cli("generate --steps 0"), &out), 0);
  EXPECT_NE(out.find("Usage"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate --no-such-flag"), &out), 0);
  EXPECT_NE(out.find("Usage"), std::string::npos) << out;
  EXPECT_NE(run_command(cli(""), &out), 0);
  EXPECT_NE(run_command(cli("generate --sampler plms -o " + (dir / "x.png").string()), &out), 0);
  EXPECT_NE(out.find("unknown sampler"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate --device cuda:7 -o " + (dir / "y.png").string()), &out), 0);
  // SDXL's size conditioning: malformed values, and a model that has none.
  EXPECT_NE(run_command(cli("generate --crop 8,8 -o " + (dir / "z.png").string()), &out), 0);
  EXPECT_NE(out.find("--crop takes two whole numbers as AxB"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate --original-size 99999999999x1 -o " + (dir / "z.png").string()), &out), 0);
  EXPECT_NE(out.find("--original-size takes"), std::string::npos) << out;
  EXPECT_NE(run_command(cli("generate -s 1 --crop 8x8 -o " + (dir / "z.png").string()), &out), 0);
  EXPECT_NE(out.find("takes no size or crop conditioning"), std::string::npos) << out;
}

TEST_F(Cli, ListsSamplersAndInspectsFiles) {
  std::string out;
  ASSERT_EQ(run_command(cli("samplers"), &out), 0);
  for (const char* name : {"euler", "euler_a", "heun", "dpmpp_2m", "ddim", "ddpm", "lcm"}) {
    EXPECT_NE(out.find(name), std::string::npos) << name;
  }
  write_safetensors(dir / "t.safetensors", {{"weight", at::zeros({2, 3})}});
  ASSERT_EQ(run_command(cli("inspect " + (dir / "t.safetensors").string()), &out), 0) << out;
  EXPECT_NE(out.find("weight F32 [2, 3]"), std::string::npos) << out;
}

TEST_F(Cli, ListsTheEmbeddingsAPromptCanName) {
  const std::filesystem::path folder = dir / "emb";
  std::filesystem::create_directories(folder);
  write_safetensors(folder / "EasyNegative.safetensors", {{"emb_params", at::zeros({8, 768})}});
  std::ofstream(folder / "badhandv4.pt") << "a pickle";
  std::string out;
  ASSERT_EQ(run_command(cli("embeddings --embeddings-dir " + folder.string()), &out), 0) << out;
  EXPECT_NE(out.find("EasyNegative  8 vectors, 768 wide"), std::string::npos) << out;
  EXPECT_NE(out.find("badhandv4  not read:"), std::string::npos) << out;
  EXPECT_NE(out.find("1 embeddings in " + folder.string()), std::string::npos) << out;
}

TEST_F(Cli, ForwardNoisesAnImage) {
  std::string out;
  write_png(dir / "in.png", at::full({8, 8, 3}, 200, at::kByte));
  ASSERT_EQ(
      run_command(cli("forward -i " + (dir / "in.png").string() + " -t 999 -o " + (dir / "out.png").string()), &out), 0)
      << out;
  EXPECT_NE(out.find("alpha_bar="), std::string::npos);
  // At t = 999 almost nothing of the flat image is left: the result is noise.
  const at::Tensor noisy = read_png_rgb(dir / "out.png").to(at::kFloat);
  EXPECT_GT(noisy.std().item<float>(), 50.0f);
}

TEST_F(Cli, ModelsListsTheCatalogAndAsksForTheLicence) {
  std::string out;
  const std::string data = "--dir " + (dir / "data").string();
  ASSERT_EQ(run_command(cli("models list " + data), &out), 0) << out;
  for (const char* name : {"sd15", "sdxl-turbo", "lcm-lora-sd15", "taesd"}) {
    EXPECT_NE(out.find(name), std::string::npos) << name;
  }
  EXPECT_NE(out.find("CreativeML OpenRAIL-M"), std::string::npos) << out;
  // A licence with conditions is accepted explicitly; nothing is fetched before.
  EXPECT_NE(run_command(cli("models get sd15 " + data), &out), 0);
  EXPECT_NE(out.find("--accept-licence"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "data" / "models"));
  EXPECT_NE(run_command(cli("models get nothing " + data), &out), 0);
  EXPECT_NE(out.find("no model named 'nothing'"), std::string::npos) << out;
}
