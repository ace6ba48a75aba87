#pragma once
// ftfy.fix_text as CLIP's tokenizer calls it (OpenAI's basic_clean runs it
// before its two html.unescape), with ftfy 6's default settings: line by
// line, each line fixed until nothing changes — HTML references ("&name;",
// not after a line holding '<'), C1 controls read as Windows-1252, Latin
// ligatures taken apart ("ﬁ" → "fi"), fullwidth and halfwidth forms to their
// usual width ("ＬＯＵＤ" → "LOUD"), curly quotes straightened, line breaks
// to "\n", terminal colour codes and stray control characters removed, NFC.
//
// Not done: ftfy's mojibake repair (fix_encoding — re-decoding text that was
// decoded with the wrong code page, "cafÃ©" → "café"); it is a statistical
// guess over many code pages, and a prompt typed or pasted as UTF-8 does not
// need it. Re-decoding without ftfy's table of what looks bad does harm
// (measured in session 27 against ftfy 6.3.1): a rule that re-decodes any run
// forming valid UTF-8 in Latin-1 / Windows-1252 fixed 99 % of such mojibake
// as ftfy does and left 20,000 CLDR strings alone, but it also turned legit
// upper-case text into other letters ("CAFÉ’s" → "CAFɒs", "ÉTÉ—HIVER" →
// "ÉTɗHIVER"), which ftfy leaves as it is. A line needing more than 64 rounds (references nested deeper than
// that, "&amp;amp;amp;…") stops there instead of running in quadratic time.
#include <string>

namespace diffscope {

std::string ftfy_fix_text(const std::string& text);

}  // namespace diffscope
