"""Build channels from a config made in Python (no feedkit.toml): the example site's blog and one feed.

    python examples/python/build_in_code.py OUT_FOLDER
"""

import sys
from pathlib import Path

import feedkit

SITE = Path(__file__).resolve().parent.parent / "site"


def main(out: Path) -> int:
    config = feedkit.Config(
        out=out,
        site=feedkit.SiteConfig(title="My blog", base_url="https://example.org/feeds/", timezone="UTC"),
        articles=[feedkit.ArticleSourceConfig(name="blog", paths=[SITE / "blog"], language="en")],
        feeds=[feedkit.UpstreamSourceConfig(name="partner", url=SITE / "feeds" / "partner.atom",
                                            categories=["Partners"])],
        channels=feedkit.ChannelsConfig(tags=True, formats=("atom", "json")),
    )
    report = feedkit.build(config)
    print(report.summary())
    for channel in report.channels:
        print(f"{channel.kind:9} {channel.title}: {channel.entries} entries -> {', '.join(channel.files.values())}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "public")))
