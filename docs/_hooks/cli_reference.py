"""MkDocs hook: the command line reference's last section is generated from the CLI itself.

``docs/cli.md`` ends with ``<!-- cli-help -->``; at build time that marker becomes the
``--help`` text of every command (``feedkit --help`` and ``feedkit COMMAND --help``), so a
command added to :mod:`feedkit.cli` appears on the site without anyone writing it down.
tests/test_docs.py separately requires each command and option to be explained in prose.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-help -->"


def help_texts() -> str:
    import click

    from feedkit.cli import main

    parts = []
    with click.Context(main, info_name="feedkit", terminal_width=100, max_content_width=100) as root:
        parts.append("### `feedkit`\n\n```text\n" + main.get_help(root) + "\n```\n")
        assert isinstance(main, click.Group)
        for name in sorted(main.commands):
            command = main.commands[name]
            with click.Context(command, info_name=name, parent=root, terminal_width=100,
                               max_content_width=100) as ctx:
                parts.append(f"### `feedkit {name}`\n\n```text\n" + command.get_help(ctx) + "\n```\n")
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri == "cli.md" and MARKER in markdown:
        return markdown.replace(MARKER, help_texts())
    return markdown
