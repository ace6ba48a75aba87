#pragma once
// Python's html.unescape, exactly: every HTML5 named character reference
// (the WHATWG table of 2,231 names, the legacy ones also without ';' and as a
// prefix of a longer word, as Python resolves them), decimal and hex numeric
// references, and Python's replacements for invalid ones (C1 controls as
// Windows-1252, surrogates and out-of-range values as U+FFFD, noncharacters
// dropped). CLIP's tokenizer applies it twice to every prompt, so the tokens
// of "&copy;" or "&mdash;" depend on it. The tables are generated at build
// time from Python's own html module (tools/html_entities/).
#include <string>

namespace diffscope {

std::string html_unescape(const std::string& text);

// ftfy's unescape_html (ftfy.fix_text runs it before CLIP's two
// html.unescape): only references of the form "&name;" / "&#…;" (at most 24
// letters or digits) are read — a named one from the HTML5 table, or an
// all-lowercase name written in capitals ("&EACUTE;" → "É") where the capitals
// mean nothing else; a numeric one only where html.unescape reads all of it.
std::string ftfy_unescape_html(const std::string& text);

}  // namespace diffscope
