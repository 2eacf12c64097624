"""``feedkit init``: a commented ``feedkit.toml`` for article folders and feeds, from what
:func:`feedkit.articles.survey.survey` finds in each folder.

Every value written is one a build accepts as it is; every guess says what it was guessed from,
in a comment beside it, and the findings are returned as lines for the terminal too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from feedkit.articles.sites.detect import detect
from feedkit.articles.survey import Survey, survey
from feedkit.config.load import unique_feed_name, upstream_location
from feedkit.config.types import DEFAULT_IMAGE_KEYS
from feedkit.pipeline.explain import FEED_SUFFIXES


@dataclass(slots=True)
class Scaffold:
    text: str
    findings: list[str] = field(default_factory=list)


def _q(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _place(path: Path, root: Path) -> str:
    """``path`` as the config file should name it: relative when inside ``root``, else absolute."""
    resolved, base = path.resolve(), root.resolve()
    return resolved.relative_to(base).as_posix() or "." if resolved.is_relative_to(base) else str(resolved)


def _out_folder(folders: list[Path], root: Path, out: Path | None) -> Path:
    if out is not None:
        return out
    candidate = root / "feeds-out"
    if not any(candidate.resolve().is_relative_to(f.resolve()) for f in folders):
        return candidate
    name = folders[0].resolve().name or "site"
    return folders[0].resolve().parent / f"{name}-feeds"


def scaffold(folders: list[Path], feeds: list[str], *, config_path: Path, out: Path | None = None) -> Scaffold:
    root = config_path.parent
    result = Scaffold("")
    surveys = [survey(folder) for folder in folders]
    article_folders = [s.folder for s in surveys if s.read]
    out_folder = _out_folder(article_folders or folders, root, out)
    zones = [s.timezone() for s in surveys if s.read]
    site_zone = zones[0][0] if zones and all(z[0] == zones[0][0] for z in zones) else "UTC"
    title = folders[0].resolve().name if folders else "feedkit"
    lines = [
        "# feedkit.toml written by `feedkit init`: every key is explained in docs/configuration.md.",
        f"# Build with:  feedkit build -c {config_path.name}",
        f"# How one file is read:  feedkit explain FILE -c {config_path.name}",
        "",
        f"out = {_q(_place(out_folder, root))}  # the output folder: publish it, keep it apart from the articles",
        "",
        "[site]",
        f"title = {_q(title)}",
        '# base_url = "https://example.org/feeds/"  # the public URL of the output folder (links use it)',
        f"timezone = {_q(site_zone)}  # for dates written without a zone (each source may set its own)",
    ]
    taken: set[str] = set()
    for found in surveys:
        lines += ["", *_article_lines(found, root, taken, site_zone, result.findings)]
    for i, value in enumerate(feeds):
        location, is_local = upstream_location(f"--feed[{i}]", value, Path.cwd())
        name = unique_feed_name(value, taken)
        url = _place(Path(location), root) if is_local else location
        lines += ["", "[[feeds]]", f"name = {_q(name)}  # part of entry ids: keep it stable", f"url = {_q(url)}",
                  '# categories = ["News"]  # given to every entry of this feed', '# interval = "30m"']
        result.findings.append(f"feed {value}: added as {name!r}")
    lines += ["", "# Rewrite entries on the way through (docs/transforms.md), e.g.:",
              "# [[transforms]]", '# type = "replace"', '# fields = ["title"]', "# pattern = '^_(.+?)_'",
              "# replacement = '“\\1”'"]
    result.text = "\n".join(lines) + "\n"
    return result


def _article_lines(found: Survey, root: Path, taken: set[str], site_zone: str, findings: list[str]) -> list[str]:
    folder = found.folder
    if not found.read:
        feeds = sum(1 for p in folder.rglob("*") if p.suffix.lower() in FEED_SUFFIXES and p.is_file())
        note = f"{folder}: no front-matter articles found"
        if feeds:
            note += f"; {feeds} feed-like file(s) (.xml, .rss, .atom, .json…): add those you want with --feed"
        findings.append(note)
        return [f"# {note}"]
    name = unique_feed_name(str(folder.resolve()), taken) if folder.resolve().name else "articles"
    zone, why = found.timezone()
    lines = [f"# {folder}: {found.files} article file(s), {found.read} with front matter: "
             + ", ".join(f"{syntax} {n}" for syntax, n in found.syntax.most_common())]
    findings.append(lines[0][2:])
    if found.site:
        hint = (f"this looks like a {found.site} site root ({found.site_content}/ holds its posts). All of its article "
                "files are read; to read only the posts, set paths to that folder")
        lines.append(f"# {hint}.")
        lines.append('# (where your feedkit has site-generator support, generator = "auto" reads its own settings)')
        findings.append(hint)
    spellings = ", ".join(f"{s} ×{n}" for s, n in found.spellings.most_common(5)) or "none"
    dates = f"dates: {spellings}; {found.naive_dates} without a zone; {found.undated} without a date key"
    lines.append(f"# {dates}")
    findings.append(dates)
    findings.append(f"timezone: {zone} ({why})")
    lines += ["[[articles]]", f"name = {_q(name)}  # part of entry ids: keep it stable",
              f"paths = [{_q(_place(folder, root))}]"]
    detected = detect(folder)
    if detected is not None and not found.site:
        generator = detected[0]
        note = (f"{folder} has a {generator.title()} config but no folder its posts would be in: read as plain "
                f"articles (generator = \"plain\"); {generator.title()} itself would publish none of them")
        lines.append(f'generator = "plain"  # {generator.title()} config, but no posts folder')
        findings.append(note)
    zone_line = f"timezone = {_q(zone)}  # {why}"
    lines.append(zone_line if zone != site_zone else f"# {zone_line}")
    if found.depths:
        depth = max(found.depths)
        tops = ", ".join(f"{name} ({n})" for name, n in found.top_categories.most_common(6))
        structure = (f"categories: up to {depth} level(s) deep; top level: {tops}"
                     + ("; nested ones publish a channel per level" if depth > 1 else ""))
        lines.append(f"# {structure}")
        findings.append(structure)
    else:
        lines.append("# no categories found: entries go to the all channel only (tags can get channels too)")
    extra = [key for key, _n in found.image_keys.most_common() if key not in DEFAULT_IMAGE_KEYS]
    if found.image_keys:
        shown = ", ".join(f"{key} ×{n}" for key, n in found.image_keys.most_common(5))
        findings.append(f"image keys: {shown}")
        if extra:
            keys = [*DEFAULT_IMAGE_KEYS, *extra]
            lines.append(f"image_keys = [{', '.join(_q(k) for k in keys)}]  # found: {shown}")
        else:
            lines.append(f"# image keys found: {shown} (read by default)")
    caught, other = found.boilerplate()
    if caught:
        text = ", ".join(f"{name} ({n} files)" for name, n in caught)
        lines.append(f"# boilerplate found and removed by drop_boilerplate (on by default): {text}")
        findings.append(f"boilerplate removed by default: {text}")
    if other:
        text = ", ".join(f"{name} ({n} files)" for name, n in other)
        lines.append(f"# classes repeated in many files, kept: {text}; if one is boilerplate, drop it:")
        lines.append(f"# drop_selectors = [{', '.join(_q('.' + name) for name, _n in other[:3])}]")
        findings.append(f"repeated classes (kept; candidates for drop_selectors): {text}")
    return lines
