// Entry point of the app's tests: real widgets on Qt's offscreen platform
// (no display needed), the programs' start-up settings, and a settings file
// of the test's own so that nothing touches the user's.
#include <gtest/gtest.h>

#include <QApplication>
#include <QStandardPaths>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  ::testing::InitGoogleTest(&argc, argv);
  diffscope::configure_runtime();
  qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? "offscreen" : qgetenv("QT_QPA_PLATFORM"));
  QStandardPaths::setTestModeEnabled(true);
  QApplication app(argc, argv);
  QApplication::setOrganizationName("DiffScopeTests");
  QApplication::setApplicationName("DiffScopeTests");
  return RUN_ALL_TESTS();
}
