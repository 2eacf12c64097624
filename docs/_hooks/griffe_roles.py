"""A griffe extension for the API reference: Sphinx roles in docstrings become Markdown code.

feedkit's docstrings cross-reference with Sphinx roles (:class:`~feedkit.model.Entry`);
mkdocstrings renders docstrings as Markdown, where such a role would show as typed.  This
turns each into inline code with the name a reader knows (``Entry``; ``feedkit.model.Entry``
without the ``~``), ``double backticks`` into single ones, and the ``::`` that introduces a
reST literal block into ``:``.  Loaded by mkdocs.yml.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")
_DOUBLE = re.compile(r"``([^`]+)``")
_LITERAL = re.compile(r"(\S)::\n")  # reST "text::" before a literal block


def _plain(text: str) -> str:
    def role(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2)
        return f"`{target.rsplit('.', 1)[-1] if short else target}`"

    return _LITERAL.sub(r"\1:\n", _DOUBLE.sub(r"`\1`", _ROLE.sub(role, text)))


class SphinxRolesToMarkdown(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _plain(obj.docstring.value)
