#!/usr/bin/env python3
"""Render a terminal capture (`tmux capture-pane -p -e -N`) as an SVG image with rich.

Usage: capture_svg.py INPUT.ansi OUTPUT.svg --title TEXT --cols N --rows N

rich's ANSI decoder reads the capture's SGR colours and attributes; its SVG export draws it.
Each capture line is one terminal row: nothing wraps, nothing is cut short of the width.
"""

import argparse
import io

from rich.ansi import AnsiDecoder
from rich.console import Console
from rich.terminal_theme import TerminalTheme
from rich.text import Text

# A dark theme whose 16 colours keep the context classes apart (red production, magenta
# internal-dogfood, yellow staging, green oss-demo, blue other): rich's bundled themes give
# red and magenta the same colour.
THEME = TerminalTheme(
    (30, 30, 46),
    (208, 208, 208),
    [
        (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16),
        (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
    ],
    [
        (102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67),
        (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255),
    ],
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--title", default="paasdeck")
    p.add_argument("--cols", type=int, required=True)
    p.add_argument("--rows", type=int, required=True)
    a = p.parse_args()
    with open(a.input, encoding="utf-8", errors="replace") as f:
        # One decoder for the whole capture: a style set on one row may carry into the next.
        rows = list(AnsiDecoder().decode(f.read()))[: a.rows]
    rows += [Text()] * (a.rows - len(rows))
    console = Console(
        record=True,
        width=a.cols,
        height=a.rows,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    screen = Text("\n").join(rows)
    console.print(screen, no_wrap=True, crop=True, overflow="crop")
    console.save_svg(a.output, title=a.title, theme=THEME)


if __name__ == "__main__":
    main()
