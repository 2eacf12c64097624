"""MkDocs hook: the changelog page is CHANGELOG.md, whose links start at the repository root.

docs/changelog.md holds only ``--8<-- "CHANGELOG.md"``; this hook puts the file there itself
(before the snippets extension would) with ``](docs/x.md)`` made ``](x.md)``, so the same links
work on GitHub and on the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

INCLUDE = '--8<-- "CHANGELOG.md"'


def on_page_markdown(markdown: str, page: Any, config: Any, **kwargs: Any) -> str:
    if page.file.src_uri == "changelog.md" and INCLUDE in markdown:
        changelog = Path(config["config_file_path"]).parent / "CHANGELOG.md"
        return markdown.replace(INCLUDE, changelog.read_text(encoding="utf-8").replace("](docs/", "]("))
    return markdown
