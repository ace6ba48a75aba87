// A1111's X/Y/Z plot axes: parsing (names, quotes, ranges), what each value
// does to a request, and the cells of a grid in order.
#include <gtest/gtest.h>

#include "core/common/errors.h"
#include "core/grid/grid_axes.h"

namespace diffscope {
namespace {

std::vector<std::string> values(const std::string& text) { return parse_grid_axis(text).values; }

TEST(GridAxes, ReadsTheSettingsAndTheirValues) {
  const GridAxis sampler = parse_grid_axis("sampler=euler, Heun ,dpmpp_2m");
  EXPECT_EQ(sampler.setting, GridSetting::Sampler);
  EXPECT_EQ(sampler.values, (std::vector<std::string>{"euler", "heun", "dpmpp_2m"}));
  EXPECT_EQ(sampler.title(), "Sampler");
  EXPECT_EQ(sampler.label(1), "Heun");
  EXPECT_EQ(sampler.label(2), "DPM++ 2M");
  const GridAxis cfg = parse_grid_axis("CFG=3,7.5");
  EXPECT_EQ(cfg.values, (std::vector<std::string>{"3", "7.5"}));
  EXPECT_EQ(cfg.label(1), "CFG Scale: 7.5");
  EXPECT_EQ(values("spacing=karras,trailing"), (std::vector<std::string>{"karras", "trailing"}));
  // A1111's schedule-type labels are read too, and label the cells as A1111 does.
  const GridAxis spacing = parse_grid_axis("spacing=Karras, Align Your Steps,linspace");
  EXPECT_EQ(spacing.values, (std::vector<std::string>{"karras", "align_your_steps", "linspace"}));
  EXPECT_EQ(spacing.label(1), "Schedule type: Align Your Steps");
  EXPECT_EQ(spacing.label(2), "Schedule type: Uniform");
  EXPECT_THROW(parse_grid_axis("spacing=Karras-ish"), Error);
  const GridAxis lora = parse_grid_axis("lora:Detail Tweaker=0,0.5");
  EXPECT_EQ(lora.lora, "Detail Tweaker");
  EXPECT_EQ(lora.title(), "LoRA weight (Detail Tweaker)");
  EXPECT_EQ(lora.label(1), "LoRA weight (Detail Tweaker): 0.5");
  EXPECT_EQ(parse_grid_axis("model=a.safetensors,oracle").label(1), "oracle");
}

TEST(GridAxes, QuotedValuesHoldCommas) {
  EXPECT_EQ(values("prompt=apple,\"pear, ripe\",\"say \"\"hi\"\"\""),
            (std::vector<std::string>{"apple", "pear, ripe", "say \"hi\""}));
  EXPECT_THROW(parse_grid_axis("prompt=apple,\"pear"), Error);
}

TEST(GridAxes, NumbersTakeA1111sRanges) {
  EXPECT_EQ(values("steps=1-5"), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(values("steps=1-10 (+3)"), (std::vector<std::string>{"1", "4", "7", "10"}));
  EXPECT_EQ(values("steps=10-1 (-4)"), (std::vector<std::string>{"10", "6", "2"}));
  EXPECT_EQ(values("steps=10-20 [3], 40"), (std::vector<std::string>{"10", "15", "20", "40"}));
  EXPECT_EQ(values("steps=1-10 [4]"), (std::vector<std::string>{"1", "4", "7", "10"}));  // 4, 7 rounded
  EXPECT_EQ(values("cfg=1-2 (+0.25)"), (std::vector<std::string>{"1", "1.25", "1.5", "1.75", "2"}));
  EXPECT_EQ(values("cfg=1-3 [3]"), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(values("seed=5-3"), (std::vector<std::string>{"5", "4", "3"}));
}

// std::regex, which reads ranges, recursed once per character: a 100 KB value
// overflowed the stack. Such text is no range (nor a number).
TEST(GridAxes, HugeValuesAreRefusedNotOverflowed) {
  for (const std::string& huge : {std::string(100000, '1'), "1 - 2 (+" + std::string(100000, '3') + ")"}) {
    EXPECT_THROW(parse_grid_axis("steps=" + huge), Error);
  }
  // Spaces around a value are not part of it.
  EXPECT_EQ(values("steps=" + std::string(100000, ' ') + "1-2"), (std::vector<std::string>{"1", "2"}));
}

TEST(GridAxes, ARandomSeedIsDrawnOnce) {
  const auto seeds = values("seed=-1,7");
  ASSERT_EQ(seeds.size(), 2u);
  EXPECT_GE(std::stoll(seeds[0]), 0);
  EXPECT_EQ(seeds[1], "7");
}

TEST(GridAxes, BadAxesAreRefusedWithWhy) {
  const auto message = [](const std::string& text) {
    try {
      parse_grid_axis(text);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("sampler").find("SETTING=VALUE"), std::string::npos);
  EXPECT_NE(message("colour=red").find("unknown grid setting"), std::string::npos);
  EXPECT_NE(message("sampler=euler,nope").find("nope"), std::string::npos);
  EXPECT_NE(message("steps=0,5").find("out of range"), std::string::npos);
  EXPECT_NE(message("steps=2.5").find("out of range"), std::string::npos);
  EXPECT_NE(message("cfg=abc").find("not a number"), std::string::npos);
  EXPECT_NE(message("cfg=nan").find("not a number"), std::string::npos);
  EXPECT_NE(message("steps=1-5 (-1)").find("never ends"), std::string::npos);
  EXPECT_NE(message("steps=1-5 (+0)").find("never ends"), std::string::npos);
  EXPECT_NE(message("steps=1-1000").find("more than"), std::string::npos);
  EXPECT_NE(message("seed=1-2000000000 [100000]").find("values"), std::string::npos);
  EXPECT_NE(message("cfg=3,,7").find("empty value"), std::string::npos);
  EXPECT_NE(message("lora:=1").find("needs the LoRA's name"), std::string::npos);
  EXPECT_NE(message("prompt=,x").find("first value"), std::string::npos);
}

TEST(GridAxes, EachValueSetsItsSetting) {
  Request request;
  request.prompt = "a red apple, red <lora:shiny:0.3>";
  request.negative_prompt = "red blur";
  apply_grid_value(request, parse_grid_axis("sampler=euler,heun"), 1);
  EXPECT_EQ(request.sampler, SamplerId::Heun);
  apply_grid_value(request, parse_grid_axis("steps=4,9"), 1);
  EXPECT_EQ(request.steps, 9);
  apply_grid_value(request, parse_grid_axis("cfg=4,9.5"), 1);
  EXPECT_EQ(request.cfg_scale, 9.5);
  apply_grid_value(request, parse_grid_axis("seed=4,12"), 1);
  EXPECT_EQ(request.seed, 12);
  apply_grid_value(request, parse_grid_axis("spacing=karras,trailing"), 0);
  EXPECT_EQ(request.spacing, Spacing::Karras);
  apply_grid_value(request, parse_grid_axis("schedule=linear,cosine"), 1);
  EXPECT_EQ(request.schedule, "cosine");
  apply_grid_value(request, parse_grid_axis("model=oracle"), 0);
  EXPECT_EQ(request.model, "oracle");
  apply_grid_value(request, parse_grid_axis("lora:shiny=0,0.8"), 1);
  EXPECT_EQ(request.prompt, "a red apple, red <lora:shiny:0.8>");
  apply_grid_value(request, parse_grid_axis("lora:matte=-1"), 0);
  EXPECT_NE(request.prompt.find("<lora:matte:-1>"), std::string::npos) << request.prompt;
  Request replaced;
  replaced.prompt = "a red apple, red";
  replaced.negative_prompt = "red blur";
  apply_grid_value(replaced, parse_grid_axis("prompt=red,green red"), 1);
  EXPECT_EQ(replaced.prompt, "a green red apple, green red");  // every occurrence, never the replacement again
  EXPECT_EQ(replaced.negative_prompt, "green red blur");
}

TEST(GridAxes, CellsRunZThenYThenX) {
  Request base;
  base.prompt = "cat";
  const auto cells =
      grid_cells(base, parse_grid_axis("steps=2,3,4"), parse_grid_axis("cfg=1,5"), parse_grid_axis("prompt=cat,dog"));
  ASSERT_EQ(cells.size(), 12u);
  EXPECT_EQ(cells[0].request.steps, 2);
  EXPECT_EQ(cells[1].request.steps, 3);
  EXPECT_EQ(cells[1].x, 1u);
  EXPECT_EQ(cells[3].request.cfg_scale, 5.0);
  EXPECT_EQ(cells[3].y, 1u);
  EXPECT_EQ(cells[6].request.prompt, "dog");
  EXPECT_EQ(cells[6].z, 1u);
  EXPECT_EQ(cells[11].request.steps, 4);
  EXPECT_EQ(cells[11].request.cfg_scale, 5.0);
  EXPECT_EQ(cells[0].request.prompt, "cat");
  EXPECT_EQ(grid_cells(base, parse_grid_axis("steps=2,3"), std::nullopt, std::nullopt).size(), 2u);
}

TEST(GridAxes, GridsTooLargeOrSearchingForNothingAreRefused) {
  Request base;
  base.prompt = "cat";
  EXPECT_THROW(grid_cells(base, parse_grid_axis("prompt=dog,cow"), std::nullopt, std::nullopt), Error);
  EXPECT_THROW(grid_cells(base, parse_grid_axis("steps=1-20"), parse_grid_axis("seed=1-20"), std::nullopt), Error);
  base.negative_prompt = "dog";
  EXPECT_EQ(grid_cells(base, parse_grid_axis("prompt=dog,cow"), std::nullopt, std::nullopt).size(), 2u);
}

}  // namespace
}  // namespace diffscope
