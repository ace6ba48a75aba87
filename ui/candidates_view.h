#pragma once
// The oracle's "what is it considering" view: the training images with the
// largest posterior weights at the shown step, each with its weight as a bar.
#include <QVector>
#include <QWidget>

#include "ui/step_frame.h"

namespace diffscope::ui {

class CandidatesView : public QWidget {
  Q_OBJECT

 public:
  explicit CandidatesView(QWidget* parent = nullptr);
  void setCandidates(const QVector<Candidate>& candidates);
  const QVector<Candidate>& candidates() const { return candidates_; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QVector<Candidate> candidates_;
};

}  // namespace diffscope::ui
