"""Export a figure as PNG or SVG with Plotly's kaleido (1.x), which draws it in a headless Chrome or
Chromium found on this machine: no network needed.

kaleido hands the search to choreographer: the `BROWSER_PATH` variable if set, else a Chrome that
`kaleido_get_chrome` downloaded, else `chromium`, `google-chrome`, ... on the PATH, else their usual
places (`/usr/bin/chromium` is Debian's). bnviz does the same search first, to say plainly what to
install when it finds nothing, and turns MathJax off: it is fetched from a CDN, and bnviz's
figures use no LaTeX.
"""
import os
import shutil
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FORMATS = ("png", "svg")
INSTALL = ("no Chrome or Chromium found to draw the image: install Chromium (Debian/Ubuntu: "
           "`apt-get install chromium`; macOS: `brew install --cask chromium`), or Google Chrome, or run "
           "`plotly_get_chrome` (downloads one; needs a network), or set BROWSER_PATH to a Chrome/Chromium "
           "executable")


def find_browser():
    """The path of the Chrome/Chromium kaleido will use, or None (the search is choreographer's own)."""
    try:
        from choreographer.browsers.chromium import Chromium
        path = Chromium.find_browser(skip_local=False)
    except Exception:  # no kaleido 1.x, or another choreographer: the same search, by hand
        path = os.environ.get("BROWSER_PATH") or next(filter(None, map(shutil.which, NAMES)), None)
    return path if path and Path(path).is_file() else None


def to_image(fig, format="png", width=None, height=None, scale=2):
    """The image of `fig` as bytes.

    Args:
        fig: a plotly Figure.
        format: "png" or "svg".
        width, height: in CSS pixels (default: the figure's own height, 1000 wide).
        scale: pixels per CSS pixel of a PNG (2: sharp on slides); an SVG is drawn at 1.
    Returns:
        bytes: the PNG, or the SVG text encoded as UTF-8.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    try:
        import kaleido
    except ImportError:
        raise RuntimeError("exporting images needs kaleido 1.x: `pip install 'kaleido>=1.0'`") from None
    browser = find_browser()
    if browser is None:
        named = os.environ.get("BROWSER_PATH")
        raise RuntimeError((f"BROWSER_PATH={named!r} is not a file; " if named else "") + INSTALL)
    opts = {"format": format, "width": width or fig.layout.width or 1000,
            "height": height or fig.layout.height or 500, "scale": scale if format == "png" else 1}
    return kaleido.calc_fig_sync(fig, opts=opts, kopts={"mathjax": False, "path": browser})


def save(fig, path, width=None, height=None, scale=2):
    """Write `fig` to `path` as PNG or SVG, the format taken from the suffix.

    Args:
        fig: a plotly Figure (any: bnviz's or your own).
        path: a file name ending in .png or .svg; its folder must exist.
        width, height, scale: as for `to_image`.
    Returns:
        The Path written.
    """
    path = Path(path)
    format = path.suffix.lower().lstrip(".")
    if format not in FORMATS:
        raise ValueError(f"cannot tell the format from {path.name!r}: end the name in .png or .svg")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder {str(path.parent)!r} does not exist; create it first")
    path.write_bytes(to_image(fig, format, width, height, scale))
    return path
