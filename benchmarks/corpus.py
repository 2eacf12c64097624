"""Synthetic inputs in the seed's shape, generated deterministically (no randomness, no network).

Articles: YAML front matter (quoted title, three nested Chinese categories, headimg, author,
comments, two date spellings) and an HTML body of ~4.6 KB like the crawler's posts — several
``cms-style`` paragraphs, image wrappers, empty comment blocks, the QR-code ``<style>`` block
and the editor line that feedkit's boilerplate rules remove.  All files go into one folder,
as the crawler writes them.

Upstream feeds: RSS 2.0 documents of ``entries`` items each with a ~5 KB ``content:encoded``
body, the shape of a news site's full-text feed.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

SENTENCES = (
    "为深入贯彻决策部署，进一步加强协同联动、凝聚工作合力，支持中小企业纾困解难和健康发展。",
    "来自多个省市的有关负责同志和企业代表线上参会，围绕政策落地情况交流了意见。",
    "会议认为，中小企业事关经济社会发展大局，帮助中小企业纾困解难对当前工作极为重要。",
    "有关地方和部门要瞄准当前存在的堵点、难点、卡点，强化责任担当和工作协同。",
    "公共服务平台、行业协会要以服务月活动为契机，持续开展各类服务活动，主动宣传惠企政策。",
    "企业要坚定信心、保持定力、抓住机遇、迎难而上，顺应融通发展趋势，走专精特新发展道路。",
    "此次座谈交流旨在深入了解企业需求，推动政策落地“最后一公里”，增强市场主体的发展活力。",
    "数据显示，今年前五个月相关指标同比增长，市场预期总体稳定，但仍面临一些不确定因素。",
    "分析人士指出，随着一系列稳增长政策落地见效，下半年经济有望延续恢复态势。",
    "业内专家表示，应进一步优化营商环境，降低企业融资成本，提升创新能力和专业化水平。",
    "记者从有关部门获悉，相关配套措施将于近期出台，重点支持科技创新和产业升级。",
    "截至发稿，相关板块整体表现平稳，成交额较前一交易日有所放大，资金流向出现分化。",
)
TOPS = ("金融", "科技", "体育")
SITES = ("示例财经", "示例科技", "示例体育", "示例新闻")
LEAVES = ("国內", "国际", "综合", "市场")
BASE_DATE = datetime(2022, 6, 1, tzinfo=UTC)

QR_BLOCK = """<!-- news_keyword_pub,stock, -->

<!-- 正文下iframe -->

<!-- 正文下iframe -->

<!-- 总声明-->

<!-- 总声明-->

<!-- 文末二维码 start -->
            <style>
            .appendQr_wrap&#123;border:1px solid #E6E6E6;padding:8px;&#125;
            .appendQr_normal&#123;float:left;&#125;
            .appendQr_normal img&#123;width:74px;&#125;
            .appendQr_normal_txt&#123;float:left;font-size:20px;line-height:74px;padding-left:20px;color:#333;&#125;
            </style>
            <div class="clearfix appendQr_wrap">
                <div class="appendQr_normal"><img src="https://img.example.cn/qr.png" referrerpolicy></div>
                <div class="appendQr_normal_txt">海量资讯、精准解读，尽在示例财经APP</div>
            </div>
            <!-- 文末二维码 start -->

<!-- 编辑姓名及工作代码 -->

<p class="article-editor">责任编辑：示例{editor} </p>
<!-- 编辑姓名及工作代码-->
"""


def paragraph(i: int, k: int, sentences: int) -> str:
    text = "".join(SENTENCES[(i * 7 + k * 5 + s) % len(SENTENCES)] for s in range(sentences))
    return f'<p cms-style="font-L">　　第{i}篇第{k + 1}段：{text}</p>\n'


def image(i: int, k: int) -> str:
    return (f'<div class="img_wrapper"><img id="{k}" src="https://img.example.cn/crawl/{i % 997}/w550h301/'
            f'{i}-{k}.png" alt referrerpolicy="no-referrer"><span class="img_descr"></span></div>\n')


def body_html(i: int) -> str:
    """The article body (~4 KB of UTF-8): six paragraphs, three images, the boilerplate tail."""
    parts = ["<div>\n"]
    for k in range(6):
        parts.append(paragraph(i, k, 3 + (i + k) % 2))
        if k % 2:
            parts.append(image(i, k // 2 + 1))
    parts.append(QR_BLOCK.format(editor=i % 50))
    parts.append("</div>\n")
    return "".join(parts)


def article_date(i: int) -> datetime:
    return BASE_DATE + timedelta(minutes=7 * i)


def article_text(i: int) -> str:
    top, site, leaf = TOPS[i % 3], SITES[(i // 3) % 4], LEAVES[(i // 12) % 4]
    when = article_date(i)
    # The crawler writes both spellings: RFC 2822 in GMT, and naive local time.
    date = format_datetime(when, usegmt=True) if i % 2 else when.strftime("%Y-%m-%d %H:%M:%S")
    return (f"\n---\ntitle: '_合成文章 {i}：第{i}号示例新闻标题——{SENTENCES[i % len(SENTENCES)][:16]}'\n"
            f"categories: \n - {top}\n - {site}\n - {site}－{leaf}\n"
            f"headimg: 'https://img.example.cn/crawl/{i % 997}/w550h301/{i}.png'\nauthor: {site}\n"
            f"comments: false\ndate: {date}\nthumbnail: 'https://img.example.cn/crawl/{i % 997}/w550h301/{i}.png'\n"
            f"---\n\n{body_html(i)}")


def article_path(folder: Path, i: int) -> Path:
    return folder / f"post-{i:07d}.md"


def make_articles(folder: Path, count: int) -> int:
    """Write ``count`` articles into ``folder`` (flat, like the crawler's); return the total bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for i in range(count):
        data = article_text(i).encode("utf-8")
        article_path(folder, i).write_bytes(data)
        total += len(data)
    return total


def touch_all(folder: Path, when: float) -> int:
    """Rewrite every article with its own bytes and give it the mtime ``when`` (what the crawler does)."""
    count = 0
    for entry in os.scandir(folder):
        if entry.name.endswith(".md"):
            with open(entry.path, "r+b") as handle:  # in place: truncating costs a discard on some disks
                data = handle.read()
                handle.seek(0)
                handle.write(data)
            os.utime(entry.path, (when, when))
            count += 1
    return count


def change_one(folder: Path, i: int) -> Path:
    """Add a paragraph to article ``i`` (a real edit: new size, new bytes)."""
    path = article_path(folder, i)
    text = path.read_text(encoding="utf-8").replace("</div>\n", "<p>　　更正：本文已更新。</p>\n</div>\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


# --- upstream feeds ------------------------------------------------------------------------------

def feed_xml(feed: int, entries: int) -> bytes:
    """One RSS 2.0 full-text feed: ``entries`` items of ~5.6 KB each."""
    items = []
    for e in range(entries):
        n = feed * 1000 + e
        when = format_datetime(BASE_DATE + timedelta(hours=feed, minutes=-13 * e), usegmt=True)
        items.append(
            f"<item><title>源{feed}的第{e}条：{SENTENCES[n % len(SENTENCES)][:20]}</title>"
            f"<link>https://upstream{feed}.example.com/news/{e}.html</link>"
            f'<guid isPermaLink="false">upstream-{feed}-{e}</guid><pubDate>{when}</pubDate>'
            f"<category>{TOPS[n % 3]}</category><author>editor@upstream{feed}.example.com (编辑{e % 9})</author>"
            f"<description>{SENTENCES[(n + 1) % len(SENTENCES)]}</description>"
            f"<content:encoded><![CDATA[{body_html(n)}{paragraph(n, 9, 4)}]]></content:encoded></item>\n")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>上游源 {feed}</title><link>https://upstream{feed}.example.com/</link>"
            f"<description>合成的上游全文源 {feed}</description><language>zh-cn</language>\n"
            + "".join(items) + "</channel></rss>\n").encode("utf-8")
