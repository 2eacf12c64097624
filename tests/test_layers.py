"""The layer contract of the package, checked over every module's imports (``ast``, no import run).

The contract (drawn in docs/design.md):

* Layers, lowest first.  A module may import from its own layer or a lower one, never a higher:

  0. ``_version``, ``errors``, ``model``
  1. shared pure helpers: ``limits``, ``text``, ``links``, ``selectors``, ``dates``, ``identity``,
     ``html``
  2. ``config``
  3. the network edge ``net``, ``report``, ``store`` (and its PostgreSQL twin ``store_pg``), ``workers``
  4. the stages: ``articles``, ``upstream``, ``transforms``, ``channels``, ``render``, ``output``
  5. ``pipeline``, ``api`` (one stage at a time for library users), ``interop`` (feedgen)
  6. ``daemon``
  7. ``cli``, ``__main__``

* Stages never import each other sideways: only the pipeline, the daemon and ``api`` meet several stages.
* Nothing inside the package imports the package root (``feedkit/__init__.py`` is for users).
* Each foreign library is imported only where :data:`FOREIGN` allows it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "feedkit"

LAYERS: dict[str, int] = {
    "_version": 0, "errors": 0, "model": 0,
    "limits": 1, "text": 1, "links": 1, "selectors": 1, "dates": 1, "identity": 1, "html": 1,
    "config": 2,
    "net": 3, "report": 3, "store": 3, "store_pg": 3, "workers": 3,
    "articles": 4, "upstream": 4, "transforms": 4, "channels": 4, "render": 4, "output": 4,
    "pipeline": 5, "api": 5, "interop": 5,
    "daemon": 6,
    "cli": 7, "__main__": 7,
}
STAGES = frozenset({"articles", "upstream", "transforms", "channels", "render", "output"})
MEETING_PLACES = frozenset({"pipeline", "daemon", "api"})
"""The only units that may import from more than one stage."""

FOREIGN: dict[str, frozenset[str]] = {
    "httpx": frozenset({"net"}),
    "httpcore": frozenset({"net"}),
    "lxml": frozenset({"html", "render", "upstream"}),
    "nh3": frozenset({"html"}),
    "cssselect": frozenset({"selectors"}),
    "feedparser": frozenset({"upstream"}),
    "charset_normalizer": frozenset({"upstream"}),
    "yaml": frozenset({"articles"}),
    "frontmatter": frozenset({"articles"}),
    "markdown_it": frozenset({"articles"}),
    "apscheduler": frozenset({"daemon"}),
    "waitress": frozenset({"daemon"}),
    "boto3": frozenset({"output"}),
    "botocore": frozenset({"output"}),
    "click": frozenset({"cli"}),
    "feedgen": frozenset({"interop"}),
    "tqdm": frozenset({"cli"}),
    "opencc": frozenset({"transforms"}),
    "psycopg": frozenset({"store_pg"}),
    "psycopg_pool": frozenset({"store_pg"}),
}
"""Foreign library -> the units (top-level module or subpackage of feedkit) allowed to import it."""


def unit_of(module: str) -> str:
    """``feedkit.articles.parse`` -> ``articles``; ``feedkit`` -> ``""`` (the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def submodules(package: Path) -> set[str]:
    return {module_name(p, package) for p in package.rglob("*.py")}


def imports_of(path: Path, package: Path, known: set[str]) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every import in ``path``, relative ones resolved.

    ``from feedkit import html`` names the submodule ``feedkit.html``; ``from feedkit import build``
    (not a submodule) names the root ``feedkit``.
    """
    this = module_name(path, package)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = this.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield node.lineno, candidate if candidate in known else target


def violations(package: Path) -> list[str]:
    """Every broken rule of the contract, as ``path:line: what``."""
    known = submodules(package)
    found: list[str] = []
    root = package.name
    for path in sorted(package.rglob("*.py")):
        this = module_name(path, package)
        unit = unit_of(this)
        where = f"{path.relative_to(package.parent)}"
        if unit not in LAYERS:
            if unit:
                found.append(f"{where}: {unit!r} has no place in the layer contract (add it to LAYERS)")
            continue
        stages_used: set[str] = set()
        for line, target in imports_of(path, package, known):
            top = target.split(".")[0]
            if top == root:
                other = unit_of(target)
                if not other:
                    found.append(f"{where}:{line}: imports the package root {root!r}")
                    continue
                if other == unit:
                    continue
                if other not in LAYERS:
                    found.append(f"{where}:{line}: imports {target}, which has no place in the layer contract")
                elif LAYERS[other] > LAYERS[unit]:
                    found.append(f"{where}:{line}: {unit} (layer {LAYERS[unit]}) imports {target} "
                                 f"(layer {LAYERS[other]}): against the flow")
                elif other in STAGES and unit in STAGES:
                    found.append(f"{where}:{line}: stage {unit} imports stage {other} sideways ({target})")
                if other in STAGES:
                    stages_used.add(other)
            elif top in FOREIGN and unit not in FOREIGN[top]:
                allowed = ", ".join(sorted(FOREIGN[top]))
                found.append(f"{where}:{line}: imports {top}, which only {allowed} may import")
        if len(stages_used) > 1 and unit not in MEETING_PLACES:
            found.append(f"{where}: {unit} imports several stages ({', '.join(sorted(stages_used))}); "
                         "only the pipeline, the daemon and api may")
    return found


def test_the_package_keeps_its_layer_contract() -> None:
    assert violations(PACKAGE) == []


def test_every_unit_of_the_package_has_a_layer() -> None:
    units = {unit_of(name) for name in submodules(PACKAGE)} - {""}
    assert units == set(LAYERS)


def test_the_version_lives_in_its_own_module() -> None:
    import feedkit
    from feedkit import _version

    assert feedkit.__version__ == _version.__version__


BROKEN = {
    "stage imports a stage sideways": ("channels/route.py", "from feedkit.render.formats import RENDERERS\n",
                                       "stage channels imports stage render sideways"),
    "import against the flow": ("store.py", "from feedkit.upstream.poll import collect\n", "against the flow"),
    "package root imported": ("net/fetch.py", "from feedkit import __version__\n", "imports the package root"),
    "relative root import": ("render/rss.py", "from .. import build\n", "imports the package root"),
    "foreign library outside its stage": ("render/opml.py", "import httpx\n", "imports httpx, which only net"),
    "yaml in config": ("config/load.py", "import yaml\n", "imports yaml, which only articles"),
    "feedgen outside interop": ("render/rss.py", "import feedgen\n", "imports feedgen, which only interop"),
    "cli meets stages": ("cli.py", "from feedkit.upstream import parse_feed\nfrom feedkit.render import RENDERERS\n",
                         "cli imports several stages"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_contract_check_catches_each_kind_of_break(case: str, tmp_path: Path) -> None:
    """Each rule, broken once in a copy of the package, is reported (so the check cannot pass vacuously)."""
    rel, line, expected = BROKEN[case]
    copy = tmp_path / "feedkit"
    for source in PACKAGE.rglob("*.py"):
        target = copy / source.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    broken = copy / rel
    text = broken.read_text(encoding="utf-8")
    marker = "from __future__ import annotations\n"
    broken.write_text(text.replace(marker, marker + line, 1), encoding="utf-8")
    found = violations(copy)
    assert any(expected in problem for problem in found), found


def test_the_design_picture_names_every_module() -> None:
    """docs/design.md's flow picture and the tree agree: every module is named there."""
    design = (PACKAGE.parent / "docs" / "design.md").read_text(encoding="utf-8")
    picture = design[design.index("## The flow"):design.index("## The layer contract")]
    missing = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
        if path.stem not in ("__init__", "__main__") and path.stem not in picture
    )
    assert missing == []
    for unit in LAYERS:
        assert unit in picture or unit == "__main__"
