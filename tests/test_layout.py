"""The README's module list is the package: every module named, every import pointing down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pmtech"
LAYER_LINE = re.compile(r"^(faces|views|course|rules|data|labs/|grading/|hub/)\s")


def readme_layers() -> dict[str, list[str]]:
    """Layer name -> the module names the README lists for it, top layer first."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("### The pmtech package", 1)[1].split("```", 2)[1]
    layers: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        match = LAYER_LINE.match(line)
        if match:
            current = match.group(1)
            layers[current] = []
        if current:
            layers[current] += re.findall(r"\b(\w+)\.py\b", line)
    return layers


def pmtech_imports(path: Path) -> set[str]:
    """The top-level pmtech modules a file imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pmtech."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "pmtech":
            found.update(alias.name for alias in node.names)
    return found


def test_readme_names_every_module():
    """Is every module of the package, its grading and labs listed in the README?"""
    layers = readme_layers()
    listed = {m for mods in layers.values() for m in mods}
    for folder in (PACKAGE, PACKAGE / "grading", PACKAGE / "hub"):
        for path in folder.glob("*.py"):
            if path.stem not in ("__init__", "__main__"):
                assert path.stem in listed, f"{path.relative_to(REPO)} is not in README's list"
    missing = [m for m in listed if not list(PACKAGE.rglob(f"{m}.py"))]
    assert not missing, f"README lists modules that do not exist: {missing}"


def test_imports_point_down():
    """Does every module import only from its own layer or the layers below it?"""
    order = [name for name in readme_layers() if not name.endswith("/")]
    rank = {m: order.index(layer) for layer, mods in readme_layers().items() if layer in order
            for m in mods}  # fmt: skip
    upward = []
    for path in PACKAGE.glob("*.py"):
        mine = rank.get(path.stem)
        if mine is None:
            continue
        for target in pmtech_imports(path):
            if target in rank and rank[target] < mine:
                upward.append(
                    f"{path.stem} ({order[mine]}) imports {target} ({order[rank[target]]})"
                )
    assert not upward, "imports pointing up:\n" + "\n".join(upward)


def test_grading_labs_and_hub_use_no_face_or_view():
    """Grading, the labs and the hub sit under the faces and views: they never import them."""
    layers = readme_layers()
    above = set(layers["faces"]) | set(layers["views"])
    for folder in ("grading", "labs", "hub"):
        for path in (PACKAGE / folder).glob("*.py"):
            assert not pmtech_imports(path) & above, f"{path.relative_to(REPO)} imports a face"
