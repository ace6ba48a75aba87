#pragma once
// What the app's lists of files in reach of a checkpoint share (LoRAs,
// textual inversions): a group box with a folder the user may pick (kept in
// the settings), the rows a subclass builds from what it finds, and a line
// for when there are none. The subclass lists again in rebuild().
#include <QGroupBox>
#include <QString>

class QLabel;
class QLineEdit;
class QSettings;
class QVBoxLayout;

namespace diffscope::ui {

struct FolderListText {
  QString title;         // the group box's
  QString placeholder;   // the folder field's, when empty
  QString browse_tip;    // the "…" button's tooltip
  QString dialog;        // the folder dialog's title
  QString empty;         // shown when there are no rows
  QString settings_key;  // where the folder is kept
};

class FolderList : public QGroupBox {
  Q_OBJECT

 public:
  QString folder() const;  // the user's folder ("" when unset)
  void setFolder(const QString& folder);
  // Lists the folders again (a file was downloaded or copied in).
  void refresh() { rebuild(); }
  void load(QSettings& settings);
  void save(QSettings& settings) const;

 Q_SIGNALS:
  void changed();

 protected:
  FolderList(const FolderListText& text, QWidget* parent);
  // Replaces the rows with what the folders hold now; ends with showEmpty().
  virtual void rebuild() = 0;
  QWidget* rowsBox() const { return rows_box_; }
  QVBoxLayout* rowsLayout() const { return rows_layout_; }
  void showEmpty(bool empty);

 private:
  QString settings_key_;
  QLineEdit* folder_;
  QWidget* rows_box_;
  QVBoxLayout* rows_layout_;
  QLabel* empty_;
};

}  // namespace diffscope::ui
