"""The layers import downward only and no module imports itself back through a cycle.

Walks every module of the package with ``ast`` (imports inside functions count too: a lazy
import is still a dependency) and checks each against the allowed direction table below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ppp_expert"

BASE = {"errors", "yaml_io", "files", "ppp_expert"}
#: layer -> the layers it may import (besides itself). Top of the table = lowest layer.
ALLOWED: dict[str, set[str]] = {
    "ppp_expert": set(),  # the root only re-exports lazily, by name
    "templates": set(),  # data files only
    "errors": set(),
    "yaml_io": {"errors"},
    "files": {"errors"},
    "kb": BASE,
    "content": BASE,  # glossary and primer: data in our own words, read by the uses and commands
    "engine": BASE | {"kb"},
    "cases": BASE | {"kb"},
    "advice": BASE | {"kb", "engine", "cases"},
    "render": BASE | {"kb", "engine", "advice"},
    "api": BASE | {"kb", "engine", "cases", "advice"},
    "consult": BASE | {"kb", "engine", "cases", "advice", "render", "api", "content"},
    "batch": BASE | {"kb", "engine", "cases", "advice", "render", "api"},
    # the tutor: never consult, batch or cli (it shares the answer-provider idea, not the code)
    "train": BASE | {"kb", "engine", "cases", "advice", "render", "api", "content"},
    "cli": BASE | {"kb", "engine", "cases", "advice", "render", "api", "consult", "batch", "train", "content"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "ppp_expert"


def imports(path: Path, module: str | None = None) -> list[str]:
    """Absolute names of the package modules ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*here[: len(here) - node.level + 1], *([base] if base else [])])
            if base == "ppp_expert" or base.startswith("ppp_expert."):
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    found.append(candidate if _exists(candidate) else base)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("ppp_expert"))
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        g.add_node(source)
        for target in imports(path):
            if target != source:
                g.add_edge(source, target)
    return g


def test_every_package_module_is_in_a_known_layer() -> None:
    unknown = sorted({layer(m) for m in import_graph()} - set(ALLOWED))
    assert not unknown, f"add these layers to the direction table: {unknown}"


def test_imports_point_down_the_layers() -> None:
    bad = [f"{s} imports {t}" for s, t in import_graph().edges if upward(s, [t])]
    assert not bad, "imports pointing up the layers:\n" + "\n".join(bad)


def test_no_import_cycles_between_modules() -> None:
    g = import_graph()
    # A package's __init__ importing its own modules is not a cycle worth flagging.
    g.remove_edges_from([(s, t) for s, t in list(g.edges) if t.startswith(s + ".")])
    cycles = sorted(sorted(c) for c in nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("package", sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()))
def test_each_package_says_what_it_owns(package: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "import" in doc.lower(), f"ppp_expert/{package}/__init__.py must say what it owns and may import"


def upward(source: str, targets: list[str]) -> list[str]:
    return [t for t in targets if layer(t) != layer(source) and layer(t) not in ALLOWED[layer(source)]]


def test_the_checker_catches_a_relative_upward_import(tmp_path: Path) -> None:
    """A knowledge-base module importing the engine, written relatively, is caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..engine import compiler\n    from . import conditions\n")
    found = imports(probe, module="ppp_expert.kb.probe")
    assert found == ["ppp_expert.engine.compiler", "ppp_expert.kb.conditions"]
    assert upward("ppp_expert.kb.probe", found) == ["ppp_expert.engine.compiler"]


def test_public_names_import_from_the_package_root() -> None:
    """The library section of docs/contract.md: these names import from ``ppp_expert`` itself."""
    import ppp_expert

    for name in ("evaluate", "load_case", "load_kb", "default_kb", "Advice", "Case", "KnowledgeBase",
                 "PPPExpertError", "CaseError", "KnowledgeBaseError"):
        assert name in ppp_expert.__all__
        assert getattr(ppp_expert, name) is not None
    advice = ppp_expert.evaluate({"answers": {"need_type": "commodity"}})
    assert isinstance(advice, ppp_expert.Advice)
