#!/usr/bin/env python3
"""Writes tests/data/clip_clean_cases.json: prompts and what OpenAI's CLIP
tokenizer makes of them before splitting — ftfy.fix_text, html.unescape twice,
white space collapsed, lower case (its basic_clean and whitespace_clean) — and
ftfy.fix_text alone. Needs ftfy (not a DiffScope dependency; run it by hand in
a virtual environment: python3 -m venv /tmp/ftfy && /tmp/ftfy/bin/pip install
ftfy && /tmp/ftfy/bin/python tests/tools/make_clip_clean_cases.py).

Cases where ftfy's mojibake repair (fix_encoding) changes the outcome are
left out and counted: DiffScope does not do that repair
(core/text/ftfy_fixes.h says why).
"""
import html
import json
import os
import re
import sys

import ftfy


def clip_clean(text):
    text = ftfy.fix_text(text)
    text = html.unescape(html.unescape(text)).strip()
    return re.sub(r"\s+", " ", text).strip().lower()


def cases():
    yield from [
        "  A   Red\t\tFox\n", "salt &amp;amp; pepper &#39;x&#x27;", "Cafe\u0301", "\u216b", "a\u00a0b\u3000c",
        "\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33", "\uff35\uff80\uff70\uff9d",
        "\ufb02u\ufb03e\ufb06", "\u201chere\u2019s a test\u201d", "\u0149 \u01c4 \u01c5 \u01c6",
        "\033[36;44mI'm blue\033[0m", "\033[1m", "a\033[b", "\033[12", "\033[\u0661\u0662mx", "\033\033[0m[0mz",
        "&amp;amp;amp;amp; deep", "<b>&amp;amp;</b>", "one &amp;amp;\n<p> two\n&amp;amp; three",
        "&EACUTE;clair &NTILDE; &nTILDE; &AMP; &COPY; &Amp;", "&#65;&#x42;&#67a; &#xZZ; &#;", "this&not that &notin; x",
        "&" + "a" * 25 + "; &" + "b" * 24 + ";", "&copy &mdash;&hellip; &copy;2024", "&#128512; &#0; &#x80; &#xD800; &#1114112;",
        "a\r\nb\rc\u2028d\u2029e\x85f", "&\ufb00r; \uff06amp; &fflig; &amp;#x201C;quoted&amp;#x201D;",
        "\ufeffhello \u2060joined\u200d \u202eltr\u202c", "\U0001F431 cat \U0001F469\u200d\U0001F4BB",
        "\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F flag", "\u212b \u1100\u1161",
        "UPPER CASE \u0130stanbul \u00df", "tab\tand\x0bvertical\x0cfeed", "nul\x00 bell\x07 del\x7f",
        "\u206a\u206f\ufff9\ufffa\ufffb\ufffc objects", "x\u0080\u0081\u008d\u0090\u009d\u009fy",
        "\u2018single\u2019 \u201a\u201b \u201e\u201f \u02bc", "\uff02quoted\uff02 \uff07 \uff5e \uffe0\uffe1\uffe5\uffe8",
        "\uff61\uff62\uff63\uff64\uff65 \uffa0\uffa1 \uffc2", "a photo of a cat, masterpiece, (best quality:1.2)",
        "\u732b\u306e\u5199\u771f\u3001\u9ad8\u54c1\u8cea", "\u0444\u043e\u0442\u043e \u043a\u043e\u0442\u0430",
        "line one\n\nline two\n", "&lt;lora:x:1&gt; &quot;q&quot; &apos;", "&AMP;amp; &amp;AMP;",
    ]
    for code in list(range(0xFF01, 0xFFF0)) + [0x3000]:
        yield "a" + chr(code) + "b"
    for code in range(0x80, 0xA0):
        yield "x" + chr(code) + "y"
    for code in list(range(0x00, 0x20)) + [0x7F] + list(range(0x2066, 0x2070)) + [0xFEFF] + list(range(0xFFF8, 0xFFFE)):
        yield "c" + chr(code) + "d"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "data",
                                                                "clip_clean_cases.json")
    kept, mojibake = [], []
    for text in cases():
        fixed = ftfy.fix_text(text)
        if fixed != ftfy.fix_text(text, fix_encoding=False):
            mojibake.append(text)
            continue
        kept.append({"text": text, "ftfy": fixed, "clip": clip_clean(text)})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"generator": "tests/tools/make_clip_clean_cases.py", "ftfy": ftfy.__version__,
                   "python": sys.version.split()[0], "cases": kept}, f, ensure_ascii=True, indent=0)
        f.write("\n")
    print(f"{len(kept)} cases written to {out}; {len(mojibake)} left out (fix_encoding changes them): "
          + ", ".join(repr(t) for t in mojibake))


if __name__ == "__main__":
    main()
