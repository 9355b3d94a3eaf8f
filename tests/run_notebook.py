"""Execute a notebook in a real kernel of this interpreter (tests/test_notebook.py, scripts/notebook_figures.py)."""
import json
import sys
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "examples" / "chapter.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"


def kernel_for_this_python(folder):
    """A KernelManager whose kernel is `sys.executable` with this checkout importable (a kernelspec
    in `folder`: an installed "python3" spec may name another interpreter, or a bare `python`)."""
    spec = Path(folder) / "kernels" / "bnviz-test"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "bnviz test", "language": "python", "env": {"PYTHONPATH": str(ROOT)}}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="bnviz-test", kernel_spec_manager=specs)


def execute(path, folder, timeout=900):
    """The notebook at `path`, executed with `folder` as its working directory; a cell that raises
    raises nbclient's CellExecutionError (with the cell and its traceback)."""
    nb = nbformat.read(path, as_version=4)
    km = kernel_for_this_python(folder)
    client = NotebookClient(nb, km=km, timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    finally:  # nbclient shuts down only kernels it made itself: this one stayed alive after the test
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    return nb


def figures(nb):
    """The Plotly figures (as JSON dicts) in the outputs of an executed notebook, in order."""
    return [o.data[PLOTLY] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if PLOTLY in o.get("data", {})]
