#!/usr/bin/env python3
"""Render a terminal capture (`tmux capture-pane -p -e`) as an SVG image.

Usage: ansi2svg.py INPUT.ansi OUTPUT.svg [--title TEXT] [--font-size 14] [--cols N] [--rows N]
       ansi2svg.py --self-test

INPUT may be `-` for stdin. SGR colours (16, 256 and true colour, `;` or `:` separated), bold,
italic, underline and reverse video are drawn; other escape sequences are ignored. Each
character takes one cell (two for East Asian wide characters); runs of equal background become
one rectangle and runs of equal style one <text>, stretched to its cells with textLength so
glyph widths never drift.
"""

import re
import sys
import unicodedata
from xml.sax.saxutils import escape

DEFAULT_FG = "#d0d0d0"
DEFAULT_BG = "#1e1e2e"
PALETTE16 = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
]


def xterm256(n):
    if n < 16:
        return PALETTE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline", "reverse")

    def __init__(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def copy(self):
        s = Style()
        for k in self.__slots__:
            setattr(s, k, getattr(self, k))
        return s

    def colours(self):
        fg, bg = self.fg or DEFAULT_FG, self.bg or DEFAULT_BG
        return (bg, fg) if self.reverse else (fg, bg)

    def key(self):
        fg, _ = self.colours()
        return (fg, self.bold, self.dim, self.italic, self.underline)


def apply_sgr(style, params):
    # Colon sub-parameters (38:2::r:g:b) become a flat list like the semicolon form.
    parts = []
    for p in params.split(";") if params else ["0"]:
        if ":" in p:
            sub = [x for x in p.split(":")]
            if len(sub) >= 3 and sub[1] == "2" and len(sub) == 6:
                sub = [sub[0], "2"] + sub[3:]
            parts.extend(sub)
        else:
            parts.append(p)
    nums = [int(x) if x.isdigit() else 0 for x in parts]
    i = 0
    while i < len(nums):
        n = nums[i]
        if n == 0:
            style = Style()
        elif n == 1:
            style.bold = True
        elif n == 2:
            style.dim = True
        elif n == 3:
            style.italic = True
        elif n == 4:
            style.underline = True
        elif n == 7:
            style.reverse = True
        elif n == 22:
            style.bold = style.dim = False
        elif n == 23:
            style.italic = False
        elif n == 24:
            style.underline = False
        elif n == 27:
            style.reverse = False
        elif 30 <= n <= 37:
            style.fg = PALETTE16[n - 30]
        elif 90 <= n <= 97:
            style.fg = PALETTE16[n - 90 + 8]
        elif n == 39:
            style.fg = None
        elif 40 <= n <= 47:
            style.bg = PALETTE16[n - 40]
        elif 100 <= n <= 107:
            style.bg = PALETTE16[n - 100 + 8]
        elif n == 49:
            style.bg = None
        elif n in (38, 48) and i + 1 < len(nums):
            colour = None
            if nums[i + 1] == 5 and i + 2 < len(nums):
                colour = xterm256(nums[i + 2] % 256)
                i += 2
            elif nums[i + 1] == 2 and i + 4 < len(nums):
                r, g, b = (max(0, min(255, v)) for v in nums[i + 2:i + 5])
                colour = "#%02x%02x%02x" % (r, g, b)
                i += 4
            if n == 38:
                style.fg = colour
            else:
                style.bg = colour
        i += 1
    return style


ESCAPE = re.compile(r"\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|.)")


def width(ch):
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text):
    """Returns rows of cells: (char, Style); a wide char is followed by a None cell."""
    rows = []
    style = Style()
    for line in text.split("\n"):
        cells = []
        pos = 0
        for m in ESCAPE.finditer(line):
            for ch in line[pos:m.start()]:
                if ch == "\r" or (ord(ch) < 32 and ch != "\t"):
                    continue
                cells.append((ch if ch != "\t" else " ", style))
                if width(ch) == 2:
                    cells.append((None, style))
            if m.group(2) == "m":
                style = apply_sgr(style.copy(), m.group(1))
            pos = m.end()
        for ch in line[pos:]:
            if ch == "\r" or (ord(ch) < 32 and ch != "\t"):
                continue
            cells.append((ch if ch != "\t" else " ", style))
            if width(ch) == 2:
                cells.append((None, style))
        rows.append(cells)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def render(rows, cols=None, nrows=None, font_size=14, title=None):
    cols = cols or max((len(r) for r in rows), default=1)
    nrows = nrows or len(rows)
    cw, lh = font_size * 0.6, font_size * 1.25
    pad, bar = 14, (30 if title else 10)
    width_px, height_px = cols * cw + 2 * pad, nrows * lh + pad + bar
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px:.0f}" height="{height_px:.0f}" '
        f'viewBox="0 0 {width_px:.1f} {height_px:.1f}">',
        f'<rect width="100%" height="100%" rx="8" fill="{DEFAULT_BG}" stroke="#44475a"/>',
    ]
    if title:
        out.append('<circle cx="16" cy="15" r="5" fill="#ff5f56"/><circle cx="32" cy="15" r="5" fill="#ffbd2e"/>'
                   '<circle cx="48" cy="15" r="5" fill="#27c93f"/>')
        out.append(f'<text x="{width_px / 2:.1f}" y="19" fill="#9a9aa8" font-size="12" text-anchor="middle" '
                   f'font-family="DejaVu Sans, Helvetica, sans-serif">{escape(title)}</text>')
    out.append(f'<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{font_size}">')
    for y, row in enumerate(rows[:nrows]):
        row = row[:cols]
        top = bar + y * lh
        # Backgrounds: merge runs of the same colour.
        x = 0
        while x < len(row):
            bg = row[x][1].colours()[1]
            end = x
            while end < len(row) and row[end][1].colours()[1] == bg:
                end += 1
            if bg != DEFAULT_BG:
                out.append(f'<rect x="{pad + x * cw:.1f}" y="{top:.1f}" width="{(end - x) * cw:.1f}" '
                           f'height="{lh:.1f}" fill="{bg}"/>')
            x = end
        # Text: merge runs of the same style; skip blank runs.
        x = 0
        while x < len(row):
            st = row[x][1]
            end = x
            while end < len(row) and row[end][1].key() == st.key():
                end += 1
            text = "".join(c for c, _ in row[x:end] if c is not None)
            if text.strip():
                fg = st.colours()[0]
                attrs = [f'x="{pad + x * cw:.1f}"', f'y="{top + lh * 0.8:.1f}"', f'fill="{fg}"',
                         f'textLength="{(end - x) * cw:.1f}"', 'lengthAdjust="spacingAndGlyphs"',
                         'xml:space="preserve"']
                if st.bold:
                    attrs.append('font-weight="bold"')
                if st.italic:
                    attrs.append('font-style="italic"')
                if st.dim:
                    attrs.append('opacity="0.7"')
                if st.underline:
                    attrs.append('text-decoration="underline"')
                out.append(f"<text {' '.join(attrs)}>{escape(text)}</text>")
            x = end
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


def self_test():
    import xml.etree.ElementTree as ET
    sample = ("\x1b[1;38;5;0;48;5;2m GREEN \x1b[0m plain \x1b[7mrev\x1b[27m "
              "\x1b[38:2::10:20:30mtc\x1b[0m 漢 ─┼─ ✓\x1b]0;title\x07 end\n\x1b[41m   \x1b[0m")
    rows = parse(sample)
    assert rows[0][0][1].bg == "#00cd00" or rows[0][0][1].bg == xterm256(2), rows[0][0][1].bg
    svg = render(rows, title="self test")
    ET.fromstring(svg)
    assert f'fill="{xterm256(2)}"' in svg, "256-colour background"
    assert 'fill="#0a141e"' in svg, "true colour via colons"
    assert f'fill="{DEFAULT_BG}"' in svg and "rev" in svg, "reverse video"
    assert "漢" in svg and "─┼─ ✓" in svg and "title" not in svg.split("self test")[1]
    assert f'fill="{PALETTE16[1]}"' in svg, "basic background"
    assert len(rows[0]) == len(" GREEN  plain rev tc 漢 ─┼─ ✓ end") + 1, "wide char takes two cells"
    print("ansi2svg self-test ok")


def main(argv):
    if "--self-test" in argv:
        self_test()
        return 0
    args, opts = [], {}
    it = iter(argv)
    for a in it:
        if a in ("--title", "--font-size", "--cols", "--rows"):
            opts[a[2:]] = next(it)
        else:
            args.append(a)
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src, dst = args
    data = sys.stdin.buffer.read() if src == "-" else open(src, "rb").read()
    rows = parse(data.decode("utf-8", errors="replace"))
    svg = render(rows, int(opts["cols"]) if "cols" in opts else None,
                 int(opts["rows"]) if "rows" in opts else None,
                 int(opts.get("font-size", 14)), opts.get("title"))
    with open(dst, "w", encoding="utf-8") as f:
        f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
