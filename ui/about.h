#pragma once
// The About box: version, licence, and the notices that the shipped model
// weights and data carry (the same as the package's copyright file).
#include <QString>

namespace diffscope::ui {

QString about_html();

}  // namespace diffscope::ui
