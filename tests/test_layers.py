"""The layers of bnviz point one way (README, "Where things live"), checked by import-linter.

The contracts live in pyproject.toml under [tool.importlinter]; `lint-imports` prints the same report.
"""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def test_import_contracts_are_kept():
    """Every contract holds: the layers, streamlit only in bnviz.app, no cycles between siblings."""
    proc = subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"lint-imports failed:\n{proc.stdout}\n{proc.stderr}"


def test_every_subpackage_is_kept_from_streamlit_except_the_app():
    """The forbidden contract names every child of bnviz but bnviz.app (a new one must be added)."""
    from importlinter.api import read_configuration

    config = read_configuration(str(ROOT / "pyproject.toml"))
    (forbidden,) = [c for c in config["contracts_options"] if c["type"] == "forbidden"]
    children = {f"bnviz.{p.stem if p.is_file() else p.name}" for p in (ROOT / "bnviz").iterdir()
                if (p.suffix == ".py" and p.name != "__init__.py") or (p / "__init__.py").exists()}
    assert children - {"bnviz.app"} == set(forbidden["source_modules"])


def test_imports_inside_functions_are_seen():
    """grimp's graph, which the contracts check, has an edge for every import inside a function."""
    import grimp

    graph = grimp.build_graph("bnviz", cache_dir=None)
    missing = []
    for path in (ROOT / "bnviz").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if parts[-1] == "__init__" else module.rpartition(".")[0]
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                    imported = {f"{target}.{a.name}" for a in node.names} | {target}
                    if not any(graph.direct_import_exists(importer=module, imported=m)
                               for m in imported if m in graph.modules):
                        missing.append(f"{module}: {ast.unparse(node)}")
    assert not missing, missing
