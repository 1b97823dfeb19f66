"""The layers import downward only and no module imports itself back through a cycle.

Walks every module of the package with ``ast`` (imports inside functions count too: a lazy
import is still a dependency) and checks each against the allowed direction table below.
Also: only the seam imports experta, and no module grows past the line limits (one module,
one job).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ppp_expert"

BASE = {"errors", "yaml_io", "files", "schema_parts", "ppp_expert"}
#: layer -> the layers it may import (besides itself). Top of the table = lowest layer.
ALLOWED: dict[str, set[str]] = {
    "ppp_expert": set(),  # the root only re-exports lazily, by name
    "templates": set(),  # data files only
    "errors": set(),
    "schema_parts": set(),  # the pieces of the JSON Schemas of machine outputs
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
    "help_pages": set(),  # the top-level help as click renders it (generated data)
    # the program's entry point: the shipped help page, else the command line
    "launcher": {"cli", "help_pages"},
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


#: The only modules that import experta: the shim that makes it importable and the seam that
#: checks its version and holds every use of its private internals (everything else imports
#: experta's names from the seam).
EXPERTA_IMPORTERS = {"ppp_expert.engine.compat", "ppp_expert.engine.experta_seam"}


def experta_imports(path: Path) -> list[str]:
    """The experta modules ``path`` imports, however written: ``import``, ``from ... import``,
    inside functions, or by name through ``importlib.import_module`` / ``__import__``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def is_experta(name: str | None) -> bool:
        return name is not None and (name == "experta" or name.startswith("experta."))

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and is_experta(node.module):
            found.append(str(node.module))
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if is_experta(a.name))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if called in ("import_module", "__import__") and is_experta(str(node.args[0].value)):
                found.append(str(node.args[0].value))
    return found


def test_only_the_seam_imports_experta() -> None:
    """experta (pinned, from 2019) is reached through one seam, so an upgrade breaks one module."""
    importers = {module_name(p): experta_imports(p) for p in sorted(PACKAGE.rglob("*.py")) if experta_imports(p)}
    assert set(importers) == EXPERTA_IMPORTERS, f"only the seam may import experta: {importers}"
    shim_users = sorted(s for s, t in import_graph().edges if t == "ppp_expert.engine.compat")
    assert shim_users == ["ppp_expert.engine.experta_seam"], "the experta shim is the seam's alone"


def test_the_experta_check_catches_every_form_of_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import experta\n"
        "import os, experta.fact as fact\n"
        "from experta.matchers.rete import dnf\n"
        "def f():\n    from experta import Rule\n"
        "def g():\n    return importlib.import_module('experta.agenda'), __import__('experta')\n"
        "from . import experta_tools\nimport expertise\n")
    assert sorted(experta_imports(probe)) == ["experta", "experta", "experta", "experta.agenda", "experta.fact",
                                              "experta.matchers.rete"]


def fresh_seam() -> ModuleType:
    """The seam module executed afresh, as a reload would, but into a new module object: the
    package's own ``experta_seam`` (and the classes every engine derives from) is left as it is."""
    spec = importlib.util.find_spec("ppp_expert.engine.experta_seam")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_seam_refuses_another_experta_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam relies on one experta release's private internals: importing it with any other
    release fails at once, naming the expected and the installed versions."""
    from ppp_expert.engine.compat import experta
    from ppp_expert.engine.experta_seam import EXPECTED_EXPERTA_VERSION

    assert fresh_seam().EXPERTA_VERSION == EXPECTED_EXPERTA_VERSION == experta.__version__
    monkeypatch.setattr(experta, "__version__", "2.0.0")
    # The check comes before any private module is imported: a release that moved one still
    # fails with this error, not with the import of the moved module.
    monkeypatch.setitem(sys.modules, "experta.matchers.rete.dnf", None)
    with pytest.raises(ImportError) as raised:
        fresh_seam()
    assert type(raised.value).__name__ == "ExpertaVersionError"
    message = str(raised.value)
    assert f"needs experta {EXPECTED_EXPERTA_VERSION}" in message and "found experta 2.0.0" in message
    assert f"experta=={EXPECTED_EXPERTA_VERSION}" in message


def test_the_seam_expects_the_pinned_experta() -> None:
    from ppp_expert.engine.experta_seam import EXPECTED_EXPERTA_VERSION

    for pins in ("setup.cfg", "constraints.txt"):
        text = (PACKAGE.parent / pins).read_text(encoding="utf-8")
        assert f"experta=={EXPECTED_EXPERTA_VERSION}" in text.split(), pins


def test_public_names_import_from_the_package_root() -> None:
    """The library section of docs/contract.md: these names import from ``ppp_expert`` itself."""
    import ppp_expert

    for name in ("evaluate", "load_case", "load_kb", "default_kb", "Advice", "Case", "KnowledgeBase",
                 "PPPExpertError", "CaseError", "KnowledgeBaseError"):
        assert name in ppp_expert.__all__
        assert getattr(ppp_expert, name) is not None
    advice = ppp_expert.evaluate({"answers": {"need_type": "commodity"}})
    assert isinstance(advice, ppp_expert.Advice)


#: A module does one job: past this many lines it is doing several and is split by job.
MAX_MODULE_LINES = 400
#: The command modules only parse options and call the layers below, so they stay shorter.
MAX_CLI_MODULE_LINES = 250
#: Over the limit, and being split right now (remove each entry once its split lands).
OVERSIZED: set[str] = set()
OVERSIZED_CLI: set[str] = set()


def too_long(paths: list[Path], limit: int, allowed: set[str], root: Path = PACKAGE.parent) -> list[str]:
    """``path: lines`` for each module over ``limit`` lines and not in ``allowed`` (paths from ``root``)."""
    found = []
    for path in paths:
        name = path.relative_to(root).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit and name not in allowed:
            found.append(f"{name}: {lines} lines")
    return found


def test_no_module_is_over_the_line_limit() -> None:
    over = too_long(sorted(PACKAGE.rglob("*.py")), MAX_MODULE_LINES, OVERSIZED)
    assert not over, f"split these modules by job (at most {MAX_MODULE_LINES} lines):\n" + "\n".join(over)


def test_no_command_module_is_over_the_line_limit() -> None:
    over = too_long(sorted((PACKAGE / "cli").rglob("*.py")), MAX_CLI_MODULE_LINES, OVERSIZED_CLI)
    assert not over, (f"move the work of these commands into the layers below (at most {MAX_CLI_MODULE_LINES} "
                      "lines):\n" + "\n".join(over))


def test_the_oversized_allow_lists_name_real_modules() -> None:
    """An allow-list entry for a module that was renamed or removed would hide nothing: drop it."""
    missing = sorted(m for m in OVERSIZED | OVERSIZED_CLI if not (PACKAGE.parent / m).is_file())
    assert not missing, f"no such modules: {missing}"


def test_the_line_limit_check_catches_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    long, short = tmp_path / "pkg" / "long.py", tmp_path / "pkg" / "short.py"
    long.write_text("x = 1\n" * 5)
    short.write_text("x = 1\n" * 4)
    assert too_long([long, short], 4, set(), root=tmp_path) == ["pkg/long.py: 5 lines"]
    assert too_long([long, short], 4, {"pkg/long.py"}, root=tmp_path) == []


# --- Condition leaves: one table per concern, no class tests --------------------------------
#
# What other modules need to know about a condition leaf is on the leaf (``kb.conditions``: its
# ``reads``, ``subject``, ``literal``, ``value_test``, ``thresholds``); what a leaf means in one
# module's terms is a dict keyed by leaf class in that module. So a new kind of leaf is added in
# the vocabulary and once in each table, and these checks find every place it is missing.

BENCH = PACKAGE.parent / "bench"
LEAF_NAMES = frozenset(c.__name__ for c in importlib.import_module("ppp_expert.kb.conditions").LEAF_CLASSES)


def _names_in(node: ast.AST) -> set[str]:
    """The class names an expression mentions (``AnswerIn``, ``cond.AnswerIn``, tuples of them)."""
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, ast.Name) or isinstance(n, ast.Attribute)}


def leaf_class_tests(source: str) -> list[int]:
    """Lines that test a value's class against a leaf class: ``isinstance``/``issubclass`` or
    ``type(x) is`` / ``==`` a leaf class."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("isinstance", "issubclass") and len(node.args) == 2):
            tested = _names_in(node.args[1])
        elif (isinstance(node, ast.Compare) and isinstance(node.left, ast.Call)
              and isinstance(node.left.func, ast.Name) and node.left.func.id == "type"):
            tested = set().union(*(_names_in(c) for c in node.comparators))
        else:
            continue
        if tested & LEAF_NAMES:
            found.append(node.lineno)
    return found


def leaf_tables(source: str) -> list[tuple[int, set[str]]]:
    """Every dict literal keyed by leaf classes: (line, the leaf classes it has keys for)."""
    return [(node.lineno, keys) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Dict)
            for keys in [set().union(*(_names_in(k) for k in node.keys if k is not None)) & LEAF_NAMES] if keys]


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py")) + sorted(BENCH.glob("*.py"))


def test_no_module_dispatches_on_a_leaf_class() -> None:
    found = [f"{p.relative_to(PACKAGE.parent)}:{line}" for p in _sources()
             for line in leaf_class_tests(p.read_text(encoding="utf-8"))]
    assert not found, ("ask the leaf (kb.conditions) or look it up in a table keyed by leaf class, "
                       "instead of testing its class:\n" + "\n".join(found))


def test_every_leaf_table_covers_every_leaf_class() -> None:
    tables = [(p, line, keys) for p in _sources() for line, keys in leaf_tables(p.read_text(encoding="utf-8"))]
    assert len(tables) >= 7, "the per-leaf tables were not found: has the scan stopped seeing them?"
    partial = [f"{p.relative_to(PACKAGE.parent)}:{line} lacks {sorted(LEAF_NAMES - keys)}"
               for p, line, keys in tables if keys != LEAF_NAMES]
    assert not partial, "a leaf class is missing from a table:\n" + "\n".join(partial)


def test_the_leaf_checks_catch_a_class_test_and_a_partial_table() -> None:
    source = ("def f(x):\n    if isinstance(x, (cond.All, cond.FactIs)):\n        pass\n"
              "    if type(x) is AnswerIn:\n        pass\n    return isinstance(x, cond.Not)\n"
              "TABLE = {cond.AnswerIn: 1, cond.FactIs: 2}\n")
    assert leaf_class_tests(source) == [2, 4]
    assert leaf_tables(source) == [(7, {"AnswerIn", "FactIs"})]


def test_no_two_modules_share_a_name_across_packages() -> None:
    """One name, one meaning: a module name says what it holds wherever it is imported from."""
    seen: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(path.relative_to(PACKAGE.parent).as_posix())
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_no_two_classes_share_a_name_across_the_package() -> None:
    """One name, one meaning: a class name is defined once, so an import can never pick the wrong one."""
    seen: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(path.relative_to(PACKAGE.parent).as_posix())
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
