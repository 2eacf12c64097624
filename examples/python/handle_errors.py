"""Handle feedkit's errors by type: every one derives from feedkit.FeedkitError.

    python examples/python/handle_errors.py
"""

import feedkit

# A wrong value in a config object: ConfigError names the field, with the message feedkit.toml would give.
try:
    feedkit.ArticleSourceConfig(paths=["posts"], timezone="Mars/Olympus_Mons")
except feedkit.ConfigError as error:
    print(f"config: {error.key} -> {error.reason}")

# An input that cannot be used: InputError names it.
try:
    feedkit.parse_feed(b"<html><body>not a feed</body></html>", url="https://example.org/")
except feedkit.InputError as error:
    print(f"input: {error.origin} -> {error.reason}")

try:
    feedkit.parse_article(b"---\ntitle: [unclosed\n---\nbody", rel_path="broken.md")
except feedkit.InputError as error:
    print(f"input: {error.origin} -> {error.reason}")

# Anything feedkit raises on purpose:
try:
    feedkit.load_config(__import__("pathlib").Path("no-such-feedkit.toml"))
except feedkit.FeedkitError as error:
    print(f"feedkit: {type(error).__name__}: {error}")
