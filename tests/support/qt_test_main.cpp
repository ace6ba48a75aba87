// Entry point of the app's tests: real widgets on Qt's offscreen platform
// (no display needed), the programs' start-up settings, and a settings file
// of the test's own so that nothing touches the user's.
#include <gtest/gtest.h>

#include <QApplication>
#include <QFileInfo>
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
  // One settings file per test program: programs that ctest runs side by
  // side never read each other's saved windows.
  QApplication::setApplicationName(QFileInfo(QString::fromLocal8Bit(argv[0])).fileName());
  return RUN_ALL_TESTS();
}
