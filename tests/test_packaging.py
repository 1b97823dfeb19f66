"""An installed ppp-expert works: build a wheel, check that it holds the whole package with its data
(the knowledge base and the case library ship inside it, mapped by setup.cfg), install it into a fresh
virtual environment and run the installed console script outside the checkout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import CASES, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the checkout, as `pip wheel` builds it."""
    dist = tmp_path_factory.mktemp("dist")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    (built,) = dist.glob("ppp_expert-*.whl")
    return built


def shipped_files() -> dict[str, Path]:
    """What the wheel must hold, by its name in the wheel: every file of ppp_expert/ (modules, content,
    templates), the top-level knowledge_base/ as ppp_expert/knowledge_base and cases/ as
    ppp_expert/case_library."""
    def under(top: Path, name: str, pattern: str) -> dict[str, Path]:
        return {f"{name}/{p.relative_to(top).as_posix()}": p for p in top.rglob(pattern)
                if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
                and not p.name.endswith("~")}
    return {**under(ROOT / "ppp_expert", "ppp_expert", "*"),
            **under(ROOT / "knowledge_base", "ppp_expert/knowledge_base", "*.yaml"),
            **under(CASES, "ppp_expert/case_library", "*.yaml")}


def test_wheel_holds_every_package_the_knowledge_base_and_the_case_library(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        expected = shipped_files()
        missing = sorted(set(expected) - names)
        assert not missing, f"not in the wheel (packages or package_data in setup.cfg?): {missing}"
        # The checkout's bytes: the knowledge base in the wheel is the one in knowledge_base/, and so on.
        stale = [name for name, path in expected.items() if archive.read(name) != path.read_bytes()]
        assert not stale, f"differ from the checkout (a stale build/ directory?): {stale}"
    assert all(n.startswith("ppp_expert/") or n.split("/")[0].endswith(".dist-info") for n in names)
    for kind in ("knowledge_base/", "knowledge_base/rules/", "case_library/", "content/", "templates/"):
        assert any(n.startswith(f"ppp_expert/{kind}") and n.endswith((".yaml", ".j2")) for n in names), kind
    packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "ppp_expert").rglob("__init__.py")}
    assert len(packages) > 10 and all(f"{p}/__init__.py" in names for p in packages)


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh virtual environment with the built wheel installed (not editable)."""
    work = tmp_path_factory.mktemp("wheel")
    env_dir = work / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # The dependencies come from the test environment's site-packages through a plain path entry
    # (its .pth files, including the editable install of this checkout, are not processed).
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-2000:]
    return env_dir / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "ppp-expert"), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def test_installed_console_script_evaluates_a_shipped_case(installed: Path, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes((CASES / "nasa-cots.yaml").read_bytes())
    done = run(installed, "evaluate", str(case), "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    advice = json.loads(done.stdout)
    assert advice["case"] == "nasa-cots"
    assert advice["recommendation"]["model"] == "alliance"


def test_installed_package_uses_its_own_knowledge_base(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c",
                            "import ppp_expert, ppp_expert.kb.loader as l; print(ppp_expert.__file__); "
                            "print(l.shipped_kb_dir())"], capture_output=True, text=True, cwd=tmp_path, check=True)
    package_file, kb_dir = where.stdout.split()
    assert str(ROOT) not in package_file, "the checkout, not the installed wheel, was imported"
    assert kb_dir == str(Path(package_file).parent / "knowledge_base")
    stats = run(installed, "kb", "stats", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["rules"] > 500


def test_installed_package_ships_the_case_library_for_training(installed: Path, tmp_path: Path) -> None:
    listed = run(installed, "train", "cases", "--db", str(tmp_path / "t.db"), "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    ids = {c["id"] for c in json.loads(listed.stdout)}
    assert ids == {p.stem for p in CASES.glob("*.yaml")}
