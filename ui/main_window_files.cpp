// MainWindow's menus and everything that touches files or the clipboard:
// save with parameters, restore from a PNG, chain export, drag and drop.
#include <ATen/ATen.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <filesystem>

#include "core/common/errors.h"
#include "core/io/png_image.h"
#include "core/io/user_dirs.h"
#include "core/pipeline/parameters_parse.h"
#include "core/pipeline/parameters_text.h"
#include "ui/about.h"
#include "ui/chain_export.h"
#include "ui/controls_panel.h"
#include "ui/forward_explorer.h"
#include "ui/get_models_dialog.h"
#include "ui/history_panel.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"
#include "ui/preview_panel.h"
#include "ui/tensor_image.h"

namespace diffscope::ui {
namespace {

// "name.png" → "name-2.png" for batch item 2.
QString item_path(const QString& path, int index, int count) {
  if (count == 1) return path;
  const QFileInfo info(path);
  return info.dir().filePath(QString("%1-%2.%3").arg(info.completeBaseName()).arg(index).arg(info.suffix()));
}

}  // namespace

GetModelsDialog* MainWindow::openGetModels() {
  const std::filesystem::path data = user_data_dir();
  auto* dialog = new GetModelsDialog(QString::fromStdString(data.string()), this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  // A checkpoint joins the model list; a LoRA or TAESD file is found where it landed.
  connect(dialog, &GetModelsDialog::downloaded, this, [this](const QString& path, const QString& kind) {
    if (kind == "checkpoint") {
      controls()->addCheckpoint(path);
    } else {
      controls()->loraList()->refresh();
    }
  });
  dialog->show();
  return dialog;
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("Restore settings from a PNG…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("PNG with generation parameters"), outputFolder(),
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty()) restoreFromPng(path);
  });
  file->addAction(tr("&Save image…"), QKeySequence::Save, this, [this] {
    // The dialog asks before replacing an existing file.
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save image"), suggestedPath("png"), tr("PNG images (*.png)"));
    if (!path.isEmpty()) saveImageTo(path, /*overwrite_confirmed=*/true);
  });
  QMenu* export_menu = file->addMenu(tr("&Export chain"));
  export_menu->addAction(tr("Animated GIF…"), this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export chain as GIF"), suggestedPath("gif"), tr("GIF (*.gif)"));
    if (!path.isEmpty()) exportChain(path);
  });
  export_menu->addAction(tr("MP4 video…"), this, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export chain as MP4"), suggestedPath("mp4"), tr("MP4 video (*.mp4)"));
    if (!path.isEmpty()) exportChain(path);
  });
  export_menu->addAction(tr("PNG sequence…"), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Folder for the PNG sequence"), outputFolder());
    if (!folder.isEmpty()) exportChain(folder);
  });
  file->addAction(tr("&Copy shown image"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), this,
                  &MainWindow::copyImage);
  file->addAction(tr("Output &folder…"), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Output folder"), outputFolder());
    if (!folder.isEmpty()) QSettings().setValue("outputFolder", folder);
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* model = menuBar()->addMenu(tr("&Model"));
  model->addAction(tr("Open Stable Diffusion &checkpoint…"), this, [this] { controls()->openCheckpointDialog(false); });
  model->addAction(tr("Open diffusers &folder…"), this, [this] { controls()->openCheckpointDialog(true); });
  model->addAction(tr("&Get models…"), this, [this] { openGetModels(); });

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  QAction* generate = run->addAction(tr("&Generate"), this, &MainWindow::generate);
  generate->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  QAction* cancel = run->addAction(tr("&Cancel"), this, &MainWindow::cancel);
  cancel->setShortcut(QKeySequence(Qt::Key_Escape));
  for (QAction* a : {generate, cancel}) a->setShortcutContext(Qt::WindowShortcut);
  run->addAction(tr("&X/Y/Z plot…"), this, &MainWindow::openGridDialog);
  run->addAction(tr("Compare chosen runs side by side"), this,
                 [this] { compareRuns(history()->selectedRuns()); });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About DiffScope"), this,
                  [this] { QMessageBox::about(this, tr("About DiffScope"), about_html()); });
  help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

QString MainWindow::outputFolder() const {
  const QString fallback = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
  return QSettings().value("outputFolder", fallback.isEmpty() ? QDir::homePath() : fallback).toString();
}

QString MainWindow::suggestedPath(const QString& extension) const {
  const RunRecord* record = shownRecord();
  const QString stem = record ? QString("diffscope-%1").arg(record->outcome.request.seed) : QString("diffscope");
  const QDir dir(outputFolder());
  QString path = dir.filePath(stem + "." + extension);
  for (int n = 2; QFileInfo::exists(path); ++n)
    path = dir.filePath(QString("%1-%2.%3").arg(stem).arg(n).arg(extension));
  return path;
}

QString MainWindow::parametersFor(const RunRecord& record, int image_index) const {
  return QString::fromStdString(format_parameters(record.outcome.request, record.outcome.info, image_index));
}

bool MainWindow::saveImageTo(const QString& path, bool overwrite_confirmed) {
  const RunRecord* record = shownRecord();
  if (!record || !record->finished()) {
    showMessage(tr("There is no finished image to save yet."), true);
    return false;
  }
  const int count = int(record->outcome.images.size());
  for (int i = 0; i < count; ++i) {
    const QString target = item_path(path, i, count);
    if (QFileInfo::exists(target) && !(overwrite_confirmed && target == path)) {
      showMessage(tr("%1 already exists; nothing was overwritten.").arg(target), true);
      return false;
    }
  }
  try {
    for (int i = 0; i < count; ++i) {
      write_png(item_path(path, i, count).toStdString(), hwc_from_image(record->outcome.images[i]),
                {{"parameters", parametersFor(*record, i).toStdString()}});
    }
  } catch (const std::exception& e) {
    showMessage(tr("Could not save: %1").arg(QString::fromUtf8(e.what())), true);
    return false;
  }
  QSettings().setValue("outputFolder", QFileInfo(path).absolutePath());
  showMessage(tr("Saved %1.").arg(path), false);
  return true;
}

bool MainWindow::restoreFromPng(const QString& path) {
  try {
    const auto text = read_png_text(path.toStdString());
    if (const auto grid = text.find(kGridTextKey); grid != text.end()) return restoreGridFromPng(path, grid->second);
    const auto found = text.find("parameters");
    if (found == text.end()) throw Error("it has no generation parameters");
    const ParsedParameters parsed = parse_parameters(found->second);
    controls_->apply(parsed.request);
    QString note = tr("Restored the settings of %1.").arg(QFileInfo(path).fileName());
    // A branch's PNG: Generate rebuilds its parent's first steps, then the branch.
    pending_branch_ = parsed.request.branch;
    branch_parent_ = -1;
    if (pending_branch_) note += " " + tr("It is a branch at step %1 of another run; Generate rebuilds both.")
                                       .arg(pending_branch_->at_step + 1);
    for (const auto& warning : parsed.warnings) note += " " + QString::fromStdString(warning) + ".";
    showMessage(note, !parsed.warnings.empty());
    return true;
  } catch (const std::exception& e) {
    showMessage(tr("Cannot restore settings from %1: %2").arg(path, QString::fromUtf8(e.what())), true);
    return false;
  }
}

bool MainWindow::exportChain(const QString& path) {
  QVector<QImage> frames;
  const PreviewMode mode = preview_->mode() == PreviewMode::Candidates ? PreviewMode::Xt : preview_->mode();
  for (const StepFrame& frame : preview_->frames()) frames.push_back(frame_image(frame, mode));
  try {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (QFileInfo(path).isDir()) {
      const QString stem = QFileInfo(suggestedPath("png")).completeBaseName();
      write_chain_png_sequence(path, stem, frames);
    } else if (suffix == "gif") {
      write_chain_gif(path, frames);
    } else if (suffix == "mp4") {
      write_chain_mp4(path, frames);
    } else {
      throw Error("choose a .gif or .mp4 file name, or a folder for PNGs");
    }
  } catch (const std::exception& e) {
    showMessage(tr("Could not export the chain: %1").arg(QString::fromUtf8(e.what())), true);
    return false;
  }
  showMessage(tr("Exported %1 steps to %2.").arg(frames.size()).arg(path), false);
  return true;
}

void MainWindow::copyImage() {
  const QImage image = preview_->shownImage();
  if (image.isNull()) {
    showMessage(tr("There is no image to copy yet."), true);
    return;
  }
  QApplication::clipboard()->setImage(image);
  statusBar()->showMessage(tr("Copied the shown image."), 3000);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty()) return;
  const QString path = urls.front().toLocalFile();
  event->acceptProposedAction();
  // A PNG with parameters restores them; any other picture goes to the forward explorer.
  try {
    if (path.endsWith(".png", Qt::CaseInsensitive) && read_png_text(path.toStdString()).count("parameters")) {
      restoreFromPng(path);
      return;
    }
  } catch (const std::exception&) {
    // Not a readable PNG: let the explorer's image reader say why.
  }
  if (explorer_->loadImage(path)) {
    tabs_->setCurrentWidget(explorer_);
    showMessage(tr("%1 has no generation parameters; opened it in the forward-process explorer.")
                    .arg(QFileInfo(path).fileName()),
                false);
  }
}

}  // namespace diffscope::ui
