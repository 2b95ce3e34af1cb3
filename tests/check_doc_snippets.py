#!/usr/bin/env python3
"""Checks that every ```cpp block in docs/*.md appears verbatim in a file the build compiles
(docs/snippets/*.cpp, examples/*.cpp), so the documentation's code stays true as the API changes.
A block that is deliberately not compiled (an excerpt of another library's code, say) is preceded by
a line `<!-- fragment: why -->`."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
sources = {p: p.read_text() for d in ("docs/snippets", "examples") for p in sorted((root / d).glob("*.cpp"))}
pages = sorted((root / "docs").glob("*.md"))
if not pages:
    print("docs/ has no pages", file=sys.stderr)
    sys.exit(1)
checked = fragments = bad = 0
for page in pages:
    text = page.read_text()
    for m in re.finditer(r"(<!-- fragment:[^>]*-->\n)?```cpp\n(.*?)```", text, re.S):
        line = text.count("\n", 0, m.start(2))
        if m.group(1):
            fragments += 1
            continue
        block = m.group(2)
        homes = [p.relative_to(root) for p, src in sources.items() if block in src]
        if homes:
            checked += 1
        else:
            print(f"{page.relative_to(root)}:{line}: this cpp block is in no compiled snippet file", file=sys.stderr)
            bad += 1
print(f"{checked} cpp blocks found verbatim in compiled files, {fragments} marked as fragments, {bad} missing")
sys.exit(1 if bad or checked == 0 else 0)
