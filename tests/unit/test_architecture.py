"""The layers of docs/architecture.md hold: no import runs back up, and the doc names real code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "sora2"

# What each layer may import from the platform (besides itself).
ALLOWED: dict[str, set[str]] = {
    "domain": {"errors"},
    "ports": {"domain", "errors", "events"},
    "events": {"domain"},
    "services": {"domain", "ports", "errors", "events", "config", "storage.keys", "wire", "stills"},
    "db": {"domain", "ports", "errors"},
    "storage": {"domain", "ports", "errors"},
    "providers": {"domain", "ports", "errors", "config", "stills"},
}
# Nobody but the faces (and the composition root) may reach these.
FACES = {"api", "realtime", "mcp", "cli", "container"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name.removeprefix("sora2.") for name in found if name.startswith("sora2.")}


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def allowed(layer: str, target: str) -> bool:
    if target == layer or target.startswith(layer + "."):
        return True
    rules = ALLOWED.get(layer)
    if rules is None:
        return True
    return any(target == rule or target.startswith(rule + ".") for rule in rules)


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if layer_of(p) in ALLOWED],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_import_runs_back_up(path: Path) -> None:
    layer = layer_of(path)
    wrong = sorted(target for target in imports_of(path) if not allowed(layer, target))
    assert wrong == [], f"{layer} may not import {wrong}"


def test_no_route_sees_the_database_or_the_socket_server() -> None:
    for path in (PACKAGE / "api" / "routes").glob("*.py"):
        text = path.read_text("utf-8")
        assert "sqlalchemy" not in text, path
        assert ".engine" not in text, path
        assert not any(t.startswith(("db", "realtime")) for t in imports_of(path)), path


def test_services_read_the_time_only_from_their_clock() -> None:
    for path in (PACKAGE / "services").rglob("*.py"):
        text = path.read_text("utf-8")
        assert "time.time()" not in text and "time.monotonic()" not in text, path


def test_services_build_no_collaborator_of_their_own() -> None:
    """Collaborators are injected by the composition root: no service constructs another."""
    services = PACKAGE / "services"
    classes = {
        node.name
        for path in services.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ClassDef) and node.name[0].isupper()
    }
    built = {
        "Admission", "StatusSweep", "StatusReader", "Submitter", "Finisher", "JobWriter",
        "JobLifecycle", "Tracker", "VideoService", "CostService", "AuthService", "VideoFiles",
        "WebhookActivity", "WebhookService", "MediaUrlService", "AuditLog", "LoginThrottle",
        "TokenCodec", "Passwords", "UserAdmin", "HealthService",
    } & classes  # fmt: skip
    for path in services.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in built, f"{path.name} builds a {node.func.id}"


def test_the_architecture_doc_names_only_code_that_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    paths = set(re.findall(r"`((?:src/sora2/|services/|db/|storage/|api/|mcp/)[\w/.]+)`", text))
    assert paths
    missing = []
    for name in sorted(paths):
        candidates = [ROOT / name, PACKAGE / name, ROOT / "src" / "sora2" / name]
        if not any(c.exists() for c in candidates):
            missing.append(name)
    assert missing == []
