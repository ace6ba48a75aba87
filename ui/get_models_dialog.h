#pragma once
// Model → Get models…: the curated catalog (core/net/model_catalog.h), one
// row per model with what it is good for, its size and its licence (a link;
// a box to accept it where it sets conditions). Downloads run on a worker
// thread with a progress bar, speed and time left; Pause keeps the part
// (resumed later, also after a restart), Cancel deletes it, and a file
// appears under its name only once its SHA-256 matched.
#include <QDialog>
#include <QString>
#include <atomic>
#include <memory>
#include <vector>

#include "core/common/cancel_token.h"
#include "core/net/model_catalog.h"

class QCheckBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QThread;

namespace diffscope::ui {

class GetModelsDialog : public QDialog {
  Q_OBJECT

 public:
  // `data_dir`: where downloads go (models/, loras/, taesd/ below it).
  GetModelsDialog(const QString& data_dir, QWidget* parent = nullptr);
  ~GetModelsDialog() override;

  // For tests and keyboard users: the rows and the controls.
  QListWidget* list() const { return list_; }
  QCheckBox* acceptBox() const { return accept_; }
  QPushButton* downloadButton() const { return download_; }
  QPushButton* pauseButton() const { return pause_; }
  QPushButton* cancelButton() const { return cancel_; }
  QString stateOf(int row) const;  // "installed", "paused" or ""

 Q_SIGNALS:
  // A download finished and was verified: `kind` is checkpoint, lora or taesd.
  void downloaded(const QString& path, const QString& kind);
  // A download ended: finished, paused, cancelled or failed (message).
  void downloadEnded(const QString& message, bool error);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void showEntry(int row);
  void refreshStates();
  void start();
  void onProgress(quint64 done, quint64 total, double speed, double eta);
  void onEnded(const QString& path, const QString& message, bool error, bool complete);
  const CatalogEntry* selected() const;

  QString data_dir_;
  std::vector<CatalogEntry> catalog_;
  QListWidget* list_;
  QLabel* details_;
  QCheckBox* accept_;
  QPushButton* download_;
  QPushButton* pause_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  QLabel* status_;
  QThread* worker_ = nullptr;
  CancelToken pause_token_, cancel_token_;
};

}  // namespace diffscope::ui
