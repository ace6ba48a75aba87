// The mailboxes between the UI and the worker: closures run on the
// receiver's thread in the order they were posted; the UI's runs a backlog
// in slices with the event loop running between them (so the UI never
// blocks for a whole backlog), the worker's all of it at once.
#include "ui/thread_mailbox.h"

#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>
#include <QTimer>

#include <thread>
#include <vector>

using namespace diffscope::ui;

TEST(ThreadMailbox, ABacklogRunsInOrderInSlicesBetweenWhichTheEventLoopRuns) {
  ThreadMailbox mailbox(nullptr, 8);
  int ticks = 0;
  QTimer ticker;
  ticker.setInterval(0);
  QObject::connect(&ticker, &QTimer::timeout, [&] { ++ticks; });
  std::vector<int> order, ticks_seen;
  // 60 closures of ~1 ms each, posted from another thread before any runs.
  std::thread poster([&] {
    for (int i = 0; i < 60; ++i) {
      mailbox.post([&, i] {
        QElapsedTimer busy;
        busy.start();
        while (busy.nsecsElapsed() < 1'000'000) {
        }
        order.push_back(i);
        ticks_seen.push_back(ticks);
      });
    }
  });
  poster.join();
  ticker.start();
  QElapsedTimer deadline;
  deadline.start();
  while (order.size() < 60 && deadline.elapsed() < 10000) QCoreApplication::processEvents();
  ASSERT_EQ(order.size(), 60u);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(order[i], i);
  // 60 ms of work in slices of ≤ 8 ms (+ one closure): the timer ran between them.
  EXPECT_GT(ticks_seen.back(), ticks_seen.front()) << "the whole backlog ran in one go";
  int longest_run = 1, run = 1;
  for (size_t i = 1; i < ticks_seen.size(); ++i) {
    run = ticks_seen[i] == ticks_seen[i - 1] ? run + 1 : 1;
    longest_run = std::max(longest_run, run);
  }
  EXPECT_LE(longest_run, 20) << "closures run without the event loop in between";
}

TEST(ThreadMailbox, WhatIsPostedDuringASliceRunsAfterTheBacklog) {
  ThreadMailbox mailbox(nullptr, 8);
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) {
    mailbox.post([&, i] {
      QThread::msleep(1);
      order.push_back(i);
      if (i == 0) mailbox.post([&] { order.push_back(100); });  // posted while the backlog runs
    });
  }
  QElapsedTimer deadline;
  deadline.start();
  while (order.size() < 21 && deadline.elapsed() < 10000) QCoreApplication::processEvents();
  ASSERT_EQ(order.size(), 21u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
  EXPECT_EQ(order.back(), 100);
}

TEST(ThreadMailbox, WithoutSlicesEverythingDueRunsInOneGo) {
  ThreadMailbox mailbox;  // the worker's: what was posted runs before its thread may quit
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) {
    mailbox.post([&, i] {
      QThread::msleep(10);
      order.push_back(i);
    });
  }
  QCoreApplication::processEvents();  // one pass: one delivery
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}
