#include "ui/about.h"

#include <QApplication>

namespace diffscope::ui {

QString about_html() {
  return QString(
             "<h3>DiffScope %1</h3>"
             "<p>Watch latent diffusion work: every step of the reverse chain, the model's predicted clean "
             "image and noise, and the noise schedule.</p>"
             "<p>DiffScope is free software under the MIT licence (Expat).</p>"
             "<p><b>The built-in model</b> <i>diffscope-emoji</i> was trained by DiffScope from EmojiOne art "
             "(© 2014 Ranks.com Inc., CC-BY-SA-4.0, https://creativecommons.org/licenses/by-sa/4.0/, from "
             "Debian's <i>ruby-gemojione</i>) and from the Noto Color Emoji font (© 2013-2017 Google Inc., "
             "SIL Open Font License 1.1 (OFL-1.1), from Debian's <i>fonts-noto-color-emoji</i>). Its weights "
             "are therefore distributed under CC-BY-SA-4.0. Images generated with it are yours; where they "
             "reproduce EmojiOne designs, CC-BY-SA-4.0 applies to those designs. Its config holds the emoji's "
             "names in Chinese, Spanish, German, French and Japanese from Unicode CLDR (© 1991-2022 Unicode, Inc., "
             "Unicode-DFS-2016, from Debian's <i>unicode-cldr-core</i>), so that prompts in these languages "
             "reach it.</p>"
             "<p><b>The oracle model's</b> image set is the same EmojiOne art (CC-BY-SA-4.0), built on first "
             "use into your cache folder.</p>"
             "<p>Built with Qt 6 (LGPL-3.0), LibTorch (BSD-3-Clause), OpenCV (Apache-2.0), giflib (MIT) and "
             "libpng (libpng licence). The full notices are in /usr/share/doc/diffscope/copyright.</p>")
      .arg(QApplication::applicationVersion().isEmpty() ? QStringLiteral("0.1") : QApplication::applicationVersion());
}

}  // namespace diffscope::ui
