// The DiffScope desktop app.
#include <QApplication>
#include <QCommandLineParser>
#include <QPlainTextEdit>

#include "core/common/blas_kernels.h"
#include "core/common/runtime.h"
#include "ui/controls_panel.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
  diffscope::ensure_fast_blas_kernels(argv);
  diffscope::configure_runtime();
  QApplication app(argc, argv);
  QApplication::setOrganizationName("DiffScope");
  QApplication::setApplicationName("DiffScope");
  QApplication::setApplicationVersion("0.1.0");
  QApplication::setDesktopFileName("diffscope");

  QCommandLineParser parser;
  parser.setApplicationDescription("Watch latent diffusion denoise, step by step.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption prompt({"p", "prompt"}, "Start with this prompt.", "text");
  QCommandLineOption generate("generate", "Generate once the window is up.");
  parser.addOption(prompt);
  parser.addOption(generate);
  parser.process(app);

  diffscope::ui::MainWindow window;
  if (parser.isSet(prompt)) window.controls()->promptEdit()->setPlainText(parser.value(prompt));
  window.show();
  if (parser.isSet(generate)) QMetaObject::invokeMethod(&window, &diffscope::ui::MainWindow::generate, Qt::QueuedConnection);
  return app.exec();
}
