// The DiffScope desktop app.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPlainTextEdit>
#include <QTimer>
#include <cstdio>

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
  QApplication::setApplicationVersion(DIFFSCOPE_VERSION);
  QApplication::setDesktopFileName("org.diffscope.DiffScope");
  // The installed theme icon; from a build folder, the copy compiled in.
  QApplication::setWindowIcon(
      QIcon::fromTheme("org.diffscope.DiffScope", QIcon(":/icons/org.diffscope.DiffScope.svg")));

  QCommandLineParser parser;
  parser.setApplicationDescription("Watch latent diffusion denoise, step by step.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption prompt({"p", "prompt"}, "Start with this prompt.", "text");
  QCommandLineOption generate("generate", "Generate once the window is up.");
  QCommandLineOption screenshot("screenshot",
                                "Save a picture of the window here after the first run ends (at once without "
                                "--generate) and quit; non-zero exit if the run or the saving failed.",
                                "file.png");
  parser.addOption(prompt);
  parser.addOption(generate);
  parser.addOption(screenshot);
  parser.addPositionalArgument("image.png", "Restore the settings a generated PNG was made with.", "[image.png]");
  parser.process(app);

  diffscope::ui::MainWindow window;
  if (!parser.positionalArguments().isEmpty()) window.restoreFromPng(parser.positionalArguments().first());
  if (parser.isSet(prompt)) window.controls()->promptEdit()->setPlainText(parser.value(prompt));
  window.show();
  if (parser.isSet(screenshot)) {
    // For scripts and the package's install test: the window as a user sees it.
    const QString path = parser.value(screenshot);
    const bool generating = parser.isSet(generate);
    auto save_and_quit = [&window, path, generating] {
      const bool saved = window.grab().save(path, "PNG");
      if (!saved) std::fprintf(stderr, "diffscope: cannot write %s\n", qUtf8Printable(path));
      // Only a run that finished leaves a record; a failed one says why in the window.
      const bool run_ok = !generating || !window.records().isEmpty();
      if (!run_ok) std::fprintf(stderr, "diffscope: the run failed: %s\n", qUtf8Printable(window.lastMessage()));
      QApplication::exit(saved && run_ok ? 0 : 1);
    };
    if (generating) {
      QObject::connect(&window, &diffscope::ui::MainWindow::runEnded, &window, save_and_quit);
    } else {
      QTimer::singleShot(0, &window, save_and_quit);
    }
  }
  if (parser.isSet(generate))
    QMetaObject::invokeMethod(&window, &diffscope::ui::MainWindow::generate, Qt::QueuedConnection);
  return app.exec();
}
