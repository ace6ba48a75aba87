// "Continue from this step…" in the real window: the branch shares the
// parent's steps up to the branch point (and says so), the history shows the
// tree, one click compares branch and parent, and a branch's PNG dropped on a
// new window rebuilds the same image.
#include <gtest/gtest.h>

#include <QAction>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTreeWidget>

#include "tests/support/test_support.h"
#include "tests/support/ui_test_support.h"
#include "ui/compare_view.h"
#include "ui/controls_panel.h"
#include "ui/history_panel.h"
#include "ui/main_window.h"
#include "ui/preview_panel.h"

using namespace diffscope;
using namespace diffscope::ui;

TEST(BranchInTheWindow, ContinueFromAStepSharesThePrefixAndRebuildsFromItsPng) {
  support::TempDir dir;
  MainWindow window;
  Request parent = support::small_request("cat", 8);
  parent.sampler = SamplerId::EulerAncestral;
  window.controls()->apply(parent);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(window.records().size(), 1);

  auto* branch = window.preview()->findChild<QPushButton*>("branchButton");
  ASSERT_NE(branch, nullptr);
  window.preview()->showStep(3);
  ASSERT_TRUE(branch->isEnabled());
  QTest::mouseClick(branch, Qt::LeftButton);
  EXPECT_TRUE(window.branchPending());
  EXPECT_TRUE(window.lastMessage().contains("Branching run 1 at step 4")) << window.lastMessage().toStdString();
  window.controls()->promptEdit()->setPlainText("dog");
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_TRUE(window.lastMessage().isEmpty() || !window.lastMessage().contains("rror"))
      << window.lastMessage().toStdString();
  EXPECT_FALSE(window.branchPending());
  ASSERT_EQ(window.records().size(), 2);
  const RunRecord& first = window.records()[0];
  const RunRecord& second = window.records()[1];
  EXPECT_EQ(second.parent_record, 0);
  ASSERT_EQ(second.frames.size(), 8);
  for (int i = 0; i <= 3; ++i) EXPECT_EQ(second.frames[i].xt, first.frames[i].xt) << i;
  EXPECT_NE(second.frames[5].xt, first.frames[5].xt);
  window.preview()->showStep(2);
  EXPECT_TRUE(window.preview()->stepInfo().contains("shared with run 1")) << window.preview()->stepInfo().toStdString();
  EXPECT_TRUE(window.preview()->stepInfo().contains("prompt: “cat”")) << window.preview()->stepInfo().toStdString();
  window.preview()->showStep(5);
  EXPECT_FALSE(window.preview()->stepInfo().contains("shared"));
  EXPECT_TRUE(window.preview()->stepInfo().contains("prompt: “dog”")) << window.preview()->stepInfo().toStdString();
  // The history is a tree: the branch is listed under its parent.
  QTreeWidgetItem* branch_item = window.history()->itemForRun(1);
  ASSERT_NE(branch_item, nullptr);
  EXPECT_EQ(branch_item->parent(), window.history()->itemForRun(0));
  EXPECT_TRUE(branch_item->parent()->isExpanded());
  EXPECT_EQ(window.history()->topLevelItemCount(), 1);
  EXPECT_TRUE(branch_item->text(0).contains("↳ branch of run 1 at step 4")) << branch_item->text(0).toStdString();

  // One click compares the branch with its parent.
  window.history()->setCurrentItem(branch_item);
  window.history()->findChild<QAction*>("compareWithParentAction")->trigger();
  EXPECT_EQ(window.compareView()->runCount(), 2);
  EXPECT_EQ(window.findChild<QTabWidget*>("mainTabs")->currentWidget(), window.compareView());

  // Its PNG, dropped on a new window, rebuilds the parent's steps and the branch.
  const auto png = dir / "branch.png";
  ASSERT_TRUE(window.saveImageTo(QString::fromStdString(png.string())));
  MainWindow fresh;
  support::drop_file(&fresh, QString::fromStdString(png.string()));
  EXPECT_TRUE(fresh.branchPending());
  EXPECT_TRUE(fresh.lastMessage().contains("branch at step 4")) << fresh.lastMessage().toStdString();
  ASSERT_TRUE(support::generate_and_wait(fresh)) << "the run did not end";
  ASSERT_EQ(fresh.records().size(), 1);
  EXPECT_EQ(fresh.records()[0].outcome.images.front(), second.outcome.images.front());
  EXPECT_EQ(fresh.records()[0].outcome.request.prompt, "dog");
}

// Prompt editing: the step line says which prompt each step read — calls
// 0 to 3 read "cat" as A1111 counts them, and a Heun step whose corrector
// reads the next prompt names both.
TEST(BranchInTheWindow, TheTimelineShowsTheActivePromptOfAnEditedPrompt) {
  MainWindow window;
  window.controls()->apply(support::small_request("[cat:dog:3]", 6));
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  ASSERT_EQ(window.records().size(), 1);
  window.preview()->showStep(3);
  EXPECT_TRUE(window.preview()->stepInfo().endsWith("prompt: “cat”")) << window.preview()->stepInfo().toStdString();
  window.preview()->showStep(4);
  EXPECT_TRUE(window.preview()->stepInfo().endsWith("prompt: “dog”")) << window.preview()->stepInfo().toStdString();
  Request heun = support::small_request("[cat:dog:4]", 4);
  heun.sampler = SamplerId::Heun;
  window.controls()->apply(heun);
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  window.preview()->showStep(2);
  EXPECT_TRUE(window.preview()->stepInfo().endsWith("prompt: “cat”, then “dog” for its second model call"))
      << window.preview()->stepInfo().toStdString();
  support::save_screenshot(window, "prompt-editing-heun-step");
  window.preview()->showStep(3);
  EXPECT_TRUE(window.preview()->stepInfo().endsWith("prompt: “dog”")) << window.preview()->stepInfo().toStdString();
  window.controls()->apply(support::small_request("cat", 4));  // one prompt: no prompt in the line
  ASSERT_TRUE(support::generate_and_wait(window)) << "the run did not end";
  EXPECT_FALSE(window.preview()->stepInfo().contains("prompt:"));
}
