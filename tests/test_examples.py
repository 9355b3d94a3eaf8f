"""The README's Hook API scripts run and print what they promise."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script,expect", [
    ("hook_lenet.py", "moving mean"), ("hook_resnet.py", "layer4.1.bn2"),
    pytest.param("debugger.py", "replayed exactly: True", marks=pytest.mark.slow),  # precise stats over 60,000 images
    pytest.param("plots_from_history.py", "distributions.svg", marks=pytest.mark.slow),  # an epoch, then kaleido
])
def test_example_runs(script, expect):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert expect in out.stdout


def test_readme_shows_the_examples():
    readme = (ROOT / "README.md").read_text()
    for script in ("hook_lenet.py", "hook_resnet.py", "debugger.py", "plots_from_history.py"):
        assert (ROOT / "examples" / script).read_text().strip() in readme
