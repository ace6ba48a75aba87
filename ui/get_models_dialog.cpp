#include "ui/get_models_dialog.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QThread>
#include <QVBoxLayout>
#include <filesystem>

#include "core/common/errors.h"
#include "core/common/system_memory.h"
#include "core/net/http_download.h"

namespace diffscope::ui {
namespace {

QString html_escaped(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); }

}  // namespace

GetModelsDialog::GetModelsDialog(const QString& data_dir, QWidget* parent) : QDialog(parent), data_dir_(data_dir) {
  setWindowTitle(tr("Get models"));
  list_ = new QListWidget(this);
  details_ = new QLabel(this);
  details_->setWordWrap(true);
  details_->setOpenExternalLinks(true);
  details_->setTextFormat(Qt::RichText);
  accept_ = new QCheckBox(tr("I have read the licence and accept it"), this);
  download_ = new QPushButton(tr("Download"), this);
  pause_ = new QPushButton(tr("Pause"), this);
  cancel_ = new QPushButton(tr("Cancel download"), this);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1000);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(download_);
  buttons->addWidget(pause_);
  buttons->addWidget(cancel_);
  buttons->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Models to download. Each file is checked against its published SHA-256 before it "
                                  "is used; downloads go to %1.")
                                   .arg(data_dir_),
                               this));
  layout->addWidget(list_, 1);
  layout->addWidget(details_);
  layout->addWidget(accept_);
  layout->addLayout(buttons);
  layout->addWidget(progress_);
  layout->addWidget(status_);
  resize(640, 520);

  try {
    catalog_ = load_model_catalog();
  } catch (const Error& e) {
    status_->setText(QString::fromStdString(e.what()));
  }
  for (const CatalogEntry& e : catalog_) {
    list_->addItem(QString::fromStdString(e.title + "  —  " + e.family + ", " + e.size));
  }
  refreshStates();
  connect(list_, &QListWidget::currentRowChanged, this, &GetModelsDialog::showEntry);
  connect(accept_, &QCheckBox::toggled, this, [this] { showEntry(list_->currentRow()); });
  connect(download_, &QPushButton::clicked, this, &GetModelsDialog::start);
  connect(pause_, &QPushButton::clicked, this, [this] { pause_token_.cancel(); });
  connect(cancel_, &QPushButton::clicked, this, [this] {
    if (worker_ != nullptr) {
      cancel_token_.cancel();  // the worker deletes the part
    } else if (const CatalogEntry* e = selected()) {
      std::error_code error;  // a paused download given up: its part goes
      std::filesystem::remove(partial_path(catalog_destination(*e, data_dir_.toStdString())), error);
      status_->setText(tr("Cancelled; the partial file was deleted."));
      refreshStates();
      showEntry(list_->currentRow());
    }
  });
  if (!catalog_.empty()) list_->setCurrentRow(0);
  showEntry(list_->currentRow());
}

GetModelsDialog::~GetModelsDialog() {
  if (worker_ != nullptr) {
    pause_token_.cancel();  // closing keeps what was downloaded for next time
    worker_->wait();
    delete worker_;
  }
}

const CatalogEntry* GetModelsDialog::selected() const {
  const int row = list_->currentRow();
  return row >= 0 && row < static_cast<int>(catalog_.size()) ? &catalog_[static_cast<size_t>(row)] : nullptr;
}

QString GetModelsDialog::stateOf(int row) const {
  if (row < 0 || row >= static_cast<int>(catalog_.size())) return {};
  const auto path = catalog_destination(catalog_[static_cast<size_t>(row)], data_dir_.toStdString());
  std::error_code error;
  if (std::filesystem::exists(path, error)) return "installed";
  if (std::filesystem::exists(partial_path(path), error)) return "paused";
  return {};
}

void GetModelsDialog::refreshStates() {
  for (int row = 0; row < list_->count(); ++row) {
    const CatalogEntry& e = catalog_[static_cast<size_t>(row)];
    const QString state = stateOf(row);
    list_->item(row)->setText(QString::fromStdString(e.title + "  —  " + e.family + ", " + e.size) +
                              (state.isEmpty() ? QString() : "  (" + state + ")"));
  }
}

void GetModelsDialog::showEntry(int row) {
  const CatalogEntry* e = selected();
  const bool busy = worker_ != nullptr;
  if (e == nullptr) {
    details_->clear();
    for (QWidget* w : {static_cast<QWidget*>(accept_), static_cast<QWidget*>(download_)}) w->setEnabled(false);
    pause_->setEnabled(false);
    cancel_->setEnabled(false);
    return;
  }
  details_->setText(
      QString("<b>%1</b><br>%2<br>Licence: <a href=\"%3\">%4</a>%5")
          .arg(html_escaped(e->title), html_escaped(e->good_for), html_escaped(e->licence_url),
               html_escaped(e->licence),
               e->accept ? tr(" — read it; it sets conditions on how the model may be used") : QString()));
  const QString state = stateOf(row);
  accept_->setVisible(e->accept);
  accept_->setEnabled(!busy);
  download_->setText(state == "paused" ? tr("Resume") : tr("Download"));
  download_->setEnabled(!busy && state != "installed" && (!e->accept || accept_->isChecked()));
  pause_->setEnabled(busy);
  cancel_->setEnabled(busy || state == "paused");
  list_->setEnabled(!busy);
}

void GetModelsDialog::start() {
  const CatalogEntry* e = selected();
  if (e == nullptr || worker_ != nullptr) return;
  pause_token_ = CancelToken();
  cancel_token_ = CancelToken();
  const DownloadJob job{e->url, catalog_destination(*e, data_dir_.toStdString()), e->sha256};
  const QString kind = QString::fromStdString(e->kind);
  const CancelToken pause = pause_token_, cancel = cancel_token_;
  worker_ = QThread::create([this, job, kind, pause, cancel] {
    QString message, path;
    bool error = false, complete = false;
    try {
      const auto progress = [this](const DownloadProgress& p) {
        QMetaObject::invokeMethod(
            this, [this, p] { onProgress(p.done, p.total, p.bytes_per_second, p.eta_seconds); }, Qt::QueuedConnection);
      };
      if (download_file(job, progress, cancel, pause) == DownloadEnd::Complete) {
        complete = true;
        path = QString::fromStdString(job.destination.string());
        message = tr("Downloaded and verified: %1").arg(path);
      } else {
        message = tr("Paused; Resume continues where it stopped (also after a restart).");
      }
    } catch (const Cancelled&) {
      message = tr("Cancelled; the partial file was deleted.");
    } catch (const std::exception& e) {
      message = QString::fromStdString(e.what());
      error = true;
    }
    QMetaObject::invokeMethod(
        this,
        [this, path, message, error, complete, kind] {
          onEnded(path, message, error, complete);
          if (complete) Q_EMIT downloaded(path, kind);
        },
        Qt::QueuedConnection);
  });
  status_->setText(tr("Connecting…"));
  worker_->start();
  showEntry(list_->currentRow());
}

void GetModelsDialog::onProgress(quint64 done, quint64 total, double speed, double eta) {
  if (total > 0) progress_->setValue(static_cast<int>(1000.0 * static_cast<double>(done) / static_cast<double>(total)));
  QString text = tr("%1 of %2, %3/s")
                     .arg(QString::fromStdString(format_bytes(done)),
                          total > 0 ? QString::fromStdString(format_bytes(total)) : tr("?"),
                          QString::fromStdString(format_bytes(static_cast<uint64_t>(speed))));
  if (eta >= 0) text += tr(", %1 min %2 s left").arg(static_cast<int>(eta) / 60).arg(static_cast<int>(eta) % 60);
  status_->setText(text);
}

void GetModelsDialog::onEnded(const QString& path, const QString& message, bool error, bool complete) {
  if (worker_ != nullptr) {
    worker_->wait();
    worker_->deleteLater();
    worker_ = nullptr;
  }
  if (complete) progress_->setValue(1000);
  status_->setText(message);
  refreshStates();
  showEntry(list_->currentRow());
  Q_EMIT downloadEnded(message, error);
}

void GetModelsDialog::closeEvent(QCloseEvent* event) {
  pause_token_.cancel();  // a running download pauses; its part stays for next time
  QDialog::closeEvent(event);
}

}  // namespace diffscope::ui
