"""./run installs what each job needs, at the versions constraints.txt pins; `test` lints and type-checks first.

The script itself runs against a stand-in venv (a fake python that records its pip, ruff, mypy and pytest
calls), so the tests see which installs and checks each job asks for without a network or a real install;
the pins are checked
against setup.cfg and against the venv these tests run in, which ./run test installed.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CONSTRAINTS = ROOT / "constraints.txt"

FAKE_PYTHON = """#!/bin/sh
# Stands in for .venv/bin/python: records pip, ruff, mypy and pytest calls, succeeds at everything else
# (FAIL_PIP, FAIL_RUFF, FAIL_MYPY make that one fail, with a report on stdout).
case "$1 $2" in
  "-m pip") echo "$*" >> "{log}"; [ -z "${{FAIL_PIP:-}}" ] || exit 1 ;;
  "-m ruff") echo "$*" >> "{log}"; [ -z "${{FAIL_RUFF:-}}" ] || {{ echo "x.py:1:1: F401 unused"; exit 1; }} ;;
  "-m mypy") echo "$*" >> "{log}"; [ -z "${{FAIL_MYPY:-}}" ] || {{ echo "x.py:1: error: bad"; exit 1; }} ;;
  "-m pytest") echo "$*" >> "{log}" ;;
esac
exit 0
"""


class Checkout:
    """A copy of ./run and the packaging files it hashes, with a stand-in .venv and dot/chromium."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "calls.log"
        for name in ("run", "setup.cfg", "pyproject.toml", "constraints.txt"):
            shutil.copy2(ROOT / name, root / name)
        (root / "ppp_expert").mkdir()
        bin_dir = root / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        self._script(bin_dir / "python", FAKE_PYTHON.format(log=self.log))
        self._script(bin_dir / "ppp-expert", f'#!/bin/sh\necho "ppp-expert $*" >> "{self.log}"\n')
        self.tools = root / "tools"
        self.tools.mkdir()
        for tool in ("dot", "chromium"):
            self._script(self.tools / tool, "#!/bin/sh\nexit 0\n")

    @staticmethod
    def _script(path: Path, text: str) -> None:
        path.write_text(text)
        path.chmod(0o755)

    def run(self, *args: str, **env: str) -> tuple[int, list[list[str]]]:
        """Exit status of `./run ARGS` and the pip install commands it made."""
        status, calls, _ = self.run_all(*args, **env)
        return status, [c for c in calls if c[:3] == ["-m", "pip", "install"]]

    def run_all(self, *args: str, **env: str) -> tuple[int, list[list[str]], str]:
        """Exit status of `./run ARGS`, every call it made to the venv's python, and its stdout."""
        self.log.write_text("")
        done = subprocess.run([str(self.root / "run"), *args], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PATH": f"{self.tools}:{os.environ['PATH']}", **env})
        return done.returncode, [line.split() for line in self.log.read_text().splitlines()], done.stdout


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def target(install: list[str]) -> str:
    """The `-e` target of a pip install, after checking that it is pinned by constraints.txt."""
    assert install[install.index("-c") + 1] == "constraints.txt", install
    return install[install.index("-e") + 1]


def test_cases_installs_runtime_only_and_test_adds_the_test_extra_both_pinned(checkout: Checkout) -> None:
    status, installs = checkout.run("cases")
    assert status == 0 and [target(i) for i in installs] == ["."]
    assert checkout.run("cases") == (0, [])
    status, installs = checkout.run("test", "-q")
    assert status == 0 and [target(i) for i in installs] == [".[test]"]
    assert checkout.run("test") == (0, [])
    assert checkout.run("cases") == (0, []), "a venv with the test extra serves cases as it is"


@pytest.mark.parametrize("changed", ["constraints.txt", "setup.cfg", "pyproject.toml"])
def test_a_changed_packaging_file_reinstalls(checkout: Checkout, changed: str) -> None:
    assert checkout.run("test")[0] == 0
    with (checkout.root / changed).open("a") as f:
        f.write("\n# changed\n")
    status, installs = checkout.run("cases")
    assert status == 0 and [target(i) for i in installs] == ["."]
    status, installs = checkout.run("test")
    assert status == 0 and [target(i) for i in installs] == [".[test]"]


def test_a_failed_install_is_tried_again(checkout: Checkout) -> None:
    status, installs = checkout.run("cases", FAIL_PIP="1")
    assert status != 0 and len(installs) == 1
    status, installs = checkout.run("cases")
    assert status == 0 and [target(i) for i in installs] == ["."]


def test_test_lints_and_type_checks_before_pytest_and_passes_its_args_on(checkout: Checkout) -> None:
    status, calls, _ = checkout.run_all("test", "-q", "-k", "some name")
    after_install = [c[:3] for c in calls if c[:3] != ["-m", "pip", "install"]]
    assert status == 0
    assert after_install == [["-m", "ruff", "check"], ["-m", "mypy", "ppp_expert"], ["-m", "pytest", "-q"]]
    assert calls[-1] == ["-m", "pytest", "-q", "-k", "some", "name"]
    status, calls, _ = checkout.run_all("cases")
    assert status == 0 and not [c for c in calls if c[1] in ("ruff", "mypy")], "cases neither lints nor type-checks"


@pytest.mark.parametrize("failing", ["ruff", "mypy"])
def test_a_lint_or_type_error_fails_test_with_its_report_and_runs_no_tests(checkout: Checkout, failing: str) -> None:
    assert checkout.run("test")[0] == 0
    status, calls, out = checkout.run_all("test", **{f"FAIL_{failing.upper()}": "1"})
    assert status != 0
    assert ("F401 unused" if failing == "ruff" else "error: bad") in out
    assert [c[1] for c in calls] == (["ruff"] if failing == "ruff" else ["ruff", "mypy"])


def test_an_unknown_job_installs_nothing(checkout: Checkout) -> None:
    assert checkout.run("tests") == (2, [])
    assert not (checkout.root / ".venv" / ".installed").exists()


def pins() -> dict[str, str]:
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and name.strip() == name and version.strip() == version, f"not NAME==VERSION: {line!r}"
            found[canonicalize_name(name)] = version
    return found


def declared() -> list[Requirement]:
    """install_requires and the test extra, as setup.cfg declares them."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = cfg["options"]["install_requires"].splitlines() + cfg["options.extras_require"]["test"].splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.strip().startswith("#")]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is declared in setup.cfg but not pinned in constraints.txt"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{name}=={pinned[name]} is outside {req}"


def test_the_test_venv_has_exactly_the_pinned_versions() -> None:
    """Every package that the declared dependencies pull in (as installed here) is pinned, at the version
    installed; no pin is left over. Fails in a venv that ./run test did not install."""
    pinned = pins()
    needed: dict[str, str] = {}
    expanded: set[tuple[str, frozenset[str]]] = set()
    # (requirement, the extras asked of the package that requires it: its markers are read with them)
    todo = [(req, ("", "test")) for req in declared()]
    while todo:
        req, extras = todo.pop()
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        name = canonicalize_name(req.name)
        dist = metadata.distribution(req.name)
        needed[name] = dist.version
        if (name, frozenset(req.extras)) not in expanded:
            expanded.add((name, frozenset(req.extras)))
            todo += [(Requirement(r), ("", *sorted(req.extras))) for r in dist.requires or []]
    wrong = {n: (v, pinned.get(n)) for n, v in needed.items() if pinned.get(n) != v}
    assert not wrong, f"installed version vs constraints.txt (run ./run test to reinstall): {wrong}"
    assert not set(pinned) - set(needed), f"pinned but not needed: {sorted(set(pinned) - set(needed))}"
