// The trainer's progress line.
#include "core/training/progress.h"

#include <gtest/gtest.h>

using namespace diffscope::training;

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(59.6), "1:00");
  EXPECT_EQ(format_duration(48 * 60 + 18), "48:18");
  EXPECT_EQ(format_duration(3723), "1:02:03");
  EXPECT_EQ(format_duration(-5), "0:00");
}

TEST(Progress, LineShowsStepBarLossSpeedAndEta) {
  const std::string line = format_progress({"unet", 250, 1000, 0.12345, 0.2}, 8);
  EXPECT_NE(line.find("unet"), std::string::npos);
  EXPECT_NE(line.find("250/1000"), std::string::npos);
  EXPECT_NE(line.find("[##>     ]"), std::string::npos);
  EXPECT_NE(line.find(" 25%"), std::string::npos);
  EXPECT_NE(line.find("loss 0.1235"), std::string::npos);
  EXPECT_NE(line.find("0.200 s/step"), std::string::npos);
  EXPECT_NE(line.find("ETA 2:30"), std::string::npos);  // 750 steps × 0.2 s
  EXPECT_NE(format_progress({"unet", 1000, 1000, 0, 0.2}, 8).find("[########]"), std::string::npos);
}

TEST(Progress, SmoothedValueStartsAtTheFirstValue) {
  SmoothedValue value(0.5);
  EXPECT_DOUBLE_EQ(value.add(4.0), 4.0);
  EXPECT_DOUBLE_EQ(value.add(2.0), 3.0);
  EXPECT_DOUBLE_EQ(value.add(3.0), 3.0);
}
