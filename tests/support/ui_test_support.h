#pragma once
// Shared by the app's tests: a request small enough (16×16 oracle, CPU) that
// each step takes a few milliseconds, a drop, and a run waited for.
#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QString>
#include <QUrl>
#include <QWidget>
#include <cstdlib>
#include <string>

#include "core/pipeline/request.h"
#include "ui/main_window.h"

namespace diffscope::support {

inline Request small_request(const std::string& prompt, int steps) {
  Request r;
  r.model = "oracle";
  r.prompt = prompt;
  r.steps = steps;
  r.width = r.height = 16;
  r.cfg_scale = 1.0;
  r.seed = 7;
  r.device = parse_device("cpu");
  return r;
}

// Drops the file at `path` on `target`, as a drag from a file manager does.
inline void drop_file(QWidget* target, const QString& path) {
  QMimeData mime;
  mime.setUrls({QUrl::fromLocalFile(path)});
  QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
  // Straight to the widget's event(): QApplication::notify routes drops only
  // within a drag that the platform started.
  static_cast<QObject*>(target)->event(&drop);
}

// With $DIFFSCOPE_TEST_SCREENSHOTS set to a folder, saves what `widget`
// shows there as NAME.png, so a person can look at what a test drove.
inline void save_screenshot(QWidget& widget, const QString& name) {
  const char* folder = std::getenv("DIFFSCOPE_TEST_SCREENSHOTS");
  if (folder != nullptr && folder[0] != '\0') widget.grab().save(QString(folder) + "/" + name + ".png");
}

// Presses Generate and waits (up to a minute) for the run to end, however it ends.
inline bool generate_and_wait(ui::MainWindow& window) {
  QSignalSpy ended(&window, &ui::MainWindow::runEnded);
  window.generate();
  return ended.wait(60000);
}

}  // namespace diffscope::support
