"""Redraw docs/notebook-figures.png: run examples/chapter.ipynb in a real kernel and export its first
figures with `bnviz.plots.to_image` (kaleido and a local Chromium), one above the other.

    python scripts/notebook_figures.py [--count 2]
"""
import argparse
import io
import sys
import tempfile
from pathlib import Path

import plotly.graph_objects as go
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from run_notebook import CHAPTER, execute, figures  # noqa: E402

from bnviz import plots  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2, help="how many of the first figures")
    parser.add_argument("--out", default=str(ROOT / "docs" / "notebook-figures.png"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        nb = execute(CHAPTER, folder)
    images = [Image.open(io.BytesIO(plots.to_image(go.Figure(fig), "png", width=1000, scale=1)))
              for fig in figures(nb)[:args.count]]
    sheet = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images)), "white")
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    sheet.save(args.out, optimize=True)
    print(f"{args.out}: {sheet.width}x{sheet.height}, {len(images)} figures")


if __name__ == "__main__":
    main()
