<?xml version="1.0" encoding="utf-8"?>
<!--
  feedkit's browser view of an RSS 2.0 or Atom 1.0 feed (XSLT 1.0: what browsers run).

  A feed file points here with <?xml-stylesheet type="text/xsl" href="../feed.xsl"?>;
  a browser then shows this page instead of raw XML, while feed readers ignore it.

  Rules kept on purpose:
  * Feed content is untrusted: every value is written with xsl:value-of or an attribute
    value template (both escape); disable-output-escaping is never used, so HTML in a
    summary shows as text, and content:encoded / atom:content are not shown at all.  An RSS
    description is plain text escaped as HTML: it is unescaped here and still written as text.
  * Links and images are only written for http(s) URLs (no javascript: or data: URLs).
  * No external resources (no fonts, CDN, scripts): inline CSS only.  Entry images are
    loaded with referrerpolicy="no-referrer" (many image hosts refuse foreign referrers).
  * Labels are in Chinese when the feed's language starts with "zh", else in English.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:media="http://search.yahoo.com/mrss/"
    exclude-result-prefixes="atom content dc media">

  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="summary-limit" select="600"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>

  <!-- Channel facts; only one of the two branches of each union exists. -->
  <xsl:variable name="is-atom" select="boolean(/atom:feed)"/>
  <xsl:variable name="title" select="normalize-space(/rss/channel/title | /atom:feed/atom:title)"/>
  <xsl:variable name="description-text">
    <xsl:call-template name="rss-text">
      <xsl:with-param name="text" select="/rss/channel/description | /atom:feed/atom:subtitle"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:variable name="description" select="normalize-space($description-text)"/>
  <xsl:variable name="language" select="normalize-space(/rss/channel/language | /atom:feed/@xml:lang)"/>
  <xsl:variable name="feed-url"
      select="normalize-space((/rss/channel/atom:link | /atom:feed/atom:link)[@rel = 'self'][1]/@href)"/>
  <xsl:variable name="home"
      select="normalize-space(/rss/channel/link | /atom:feed/atom:link[@rel = 'alternate' or not(@rel)][1]/@href)"/>
  <xsl:variable name="entries" select="/rss/channel/item | /atom:feed/atom:entry"/>
  <xsl:variable name="zh" select="starts-with(translate($language, $upper, $lower), 'zh')"/>

  <xsl:template match="/">
    <html>
      <xsl:if test="$language != ''">
        <xsl:attribute name="lang"><xsl:value-of select="$language"/></xsl:attribute>
      </xsl:if>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="referrer" content="no-referrer"/>
        <title>
          <xsl:value-of select="$title"/>
          <xsl:text> · </xsl:text>
          <xsl:call-template name="label"><xsl:with-param name="key" select="'feed'"/></xsl:call-template>
        </title>
        <style><xsl:call-template name="css"/></style>
      </head>
      <body>
        <header class="channel">
          <p class="kind">
            <xsl:choose>
              <xsl:when test="$is-atom">Atom</xsl:when>
              <xsl:otherwise>RSS</xsl:otherwise>
            </xsl:choose>
            <xsl:text> · </xsl:text>
            <xsl:call-template name="count"><xsl:with-param name="n" select="count($entries)"/></xsl:call-template>
          </p>
          <h1>
            <xsl:call-template name="link">
              <xsl:with-param name="href" select="$home"/>
              <xsl:with-param name="text" select="$title"/>
            </xsl:call-template>
          </h1>
          <xsl:if test="$description != '' and $description != $title">
            <p class="description"><xsl:value-of select="$description"/></p>
          </xsl:if>
        </header>
        <section class="subscribe" id="subscribe">
          <h2><xsl:call-template name="label"><xsl:with-param name="key" select="'this-is-a-feed'"/></xsl:call-template></h2>
          <p><xsl:call-template name="label"><xsl:with-param name="key" select="'how'"/></xsl:call-template></p>
          <xsl:choose>
            <xsl:when test="$feed-url != ''">
              <p class="url"><code><xsl:value-of select="$feed-url"/></code></p>
            </xsl:when>
            <xsl:otherwise>
              <p class="url"><xsl:call-template name="label"><xsl:with-param name="key" select="'address-bar'"/></xsl:call-template></p>
            </xsl:otherwise>
          </xsl:choose>
        </section>
        <main>
          <xsl:apply-templates select="$entries"/>
          <xsl:if test="not($entries)">
            <p class="empty"><xsl:call-template name="label"><xsl:with-param name="key" select="'empty'"/></xsl:call-template></p>
          </xsl:if>
        </main>
        <footer>
          <xsl:call-template name="label"><xsl:with-param name="key" select="'footer'"/></xsl:call-template>
        </footer>
      </body>
    </html>
  </xsl:template>

  <!-- One RSS item. -->
  <xsl:template match="item">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="normalize-space(title)"/>
      <xsl:with-param name="link" select="normalize-space(link)"/>
      <xsl:with-param name="date-iso" select="''"/>
      <xsl:with-param name="date-rss" select="normalize-space(pubDate)"/>
      <xsl:with-param name="authors" select="dc:creator | author"/>
      <xsl:with-param name="categories" select="category"/>
      <xsl:with-param name="image" select="normalize-space((media:thumbnail/@url
          | media:content[@medium = 'image']/@url
          | enclosure[starts-with(@type, 'image/')]/@url)[1])"/>
      <xsl:with-param name="summary">
        <xsl:call-template name="rss-text"><xsl:with-param name="text" select="description"/></xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="lang" select="''"/>
    </xsl:call-template>
  </xsl:template>

  <!-- One Atom entry. -->
  <xsl:template match="atom:entry">
    <xsl:call-template name="entry">
      <xsl:with-param name="title" select="normalize-space(atom:title)"/>
      <xsl:with-param name="link" select="normalize-space(atom:link[@rel = 'alternate' or not(@rel)][1]/@href)"/>
      <xsl:with-param name="date-iso" select="normalize-space((atom:published | atom:updated)[1])"/>
      <xsl:with-param name="date-rss" select="''"/>
      <xsl:with-param name="authors" select="atom:author/atom:name"/>
      <xsl:with-param name="categories" select="atom:category/@term"/>
      <xsl:with-param name="image" select="normalize-space((media:thumbnail/@url
          | atom:link[@rel = 'enclosure'][starts-with(@type, 'image/')]/@href)[1])"/>
      <xsl:with-param name="summary" select="normalize-space(atom:summary)"/>
      <xsl:with-param name="lang" select="normalize-space(@xml:lang)"/>
    </xsl:call-template>
  </xsl:template>

  <!-- An RSS description holds plain text escaped as HTML (readers take it for HTML): &lt; &gt; &amp;
       are turned back into their characters, and the result is still written as text, never as markup.
       An Atom subtitle or summary (type="text") is passed through. -->
  <xsl:template name="rss-text">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="$is-atom"><xsl:value-of select="normalize-space($text)"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="unescape">
          <xsl:with-param name="text" select="normalize-space($text)"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="contains($text, '&amp;')">
        <xsl:value-of select="substring-before($text, '&amp;')"/>
        <xsl:variable name="rest" select="substring-after($text, '&amp;')"/>
        <xsl:variable name="entity" select="substring-before($rest, ';')"/>
        <xsl:choose>
          <xsl:when test="$entity = 'lt'">&lt;</xsl:when>
          <xsl:when test="$entity = 'gt'">&gt;</xsl:when>
          <xsl:when test="$entity = 'amp'">&amp;</xsl:when>
          <xsl:otherwise>&amp;</xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="unescape">
          <xsl:with-param name="text">
            <xsl:choose>
              <xsl:when test="$entity = 'lt' or $entity = 'gt' or $entity = 'amp'">
                <xsl:value-of select="substring-after($rest, ';')"/>
              </xsl:when>
              <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="entry">
    <xsl:param name="title"/>
    <xsl:param name="link"/>
    <xsl:param name="date-iso"/>
    <xsl:param name="date-rss"/>
    <xsl:param name="authors"/>
    <xsl:param name="categories"/>
    <xsl:param name="image"/>
    <xsl:param name="summary"/>
    <xsl:param name="lang"/>
    <article class="entry">
      <xsl:if test="$lang != ''">
        <xsl:attribute name="lang"><xsl:value-of select="$lang"/></xsl:attribute>
      </xsl:if>
      <xsl:if test="$image != '' and (starts-with($image, 'https://') or starts-with($image, 'http://'))">
        <img class="thumb" src="{$image}" alt="" loading="lazy" referrerpolicy="no-referrer"/>
      </xsl:if>
      <h3>
        <xsl:call-template name="link">
          <xsl:with-param name="href" select="$link"/>
          <xsl:with-param name="text" select="$title"/>
        </xsl:call-template>
        <xsl:if test="$title = ''">
          <xsl:call-template name="label"><xsl:with-param name="key" select="'untitled'"/></xsl:call-template>
        </xsl:if>
      </h3>
      <p class="meta">
        <xsl:choose>
          <xsl:when test="$date-iso != ''">
            <time datetime="{$date-iso}"><xsl:call-template name="iso-date"><xsl:with-param name="value" select="$date-iso"/></xsl:call-template></time>
          </xsl:when>
          <xsl:when test="$date-rss != ''">
            <time><xsl:call-template name="rss-date"><xsl:with-param name="value" select="$date-rss"/></xsl:call-template></time>
          </xsl:when>
        </xsl:choose>
        <xsl:for-each select="$authors[normalize-space(.) != '']">
          <xsl:if test="position() &gt; 1 or $date-iso != '' or $date-rss != ''">
            <xsl:text> · </xsl:text>
          </xsl:if>
          <span class="author"><xsl:value-of select="normalize-space(.)"/></span>
        </xsl:for-each>
      </p>
      <xsl:if test="$categories[normalize-space(.) != '']">
        <ul class="categories">
          <xsl:for-each select="$categories[normalize-space(.) != '']">
            <li><xsl:value-of select="normalize-space(.)"/></li>
          </xsl:for-each>
        </ul>
      </xsl:if>
      <xsl:if test="$summary != ''">
        <p class="summary">
          <xsl:choose>
            <xsl:when test="string-length($summary) &gt; $summary-limit">
              <xsl:value-of select="concat(substring($summary, 1, $summary-limit), '…')"/>
            </xsl:when>
            <xsl:otherwise><xsl:value-of select="$summary"/></xsl:otherwise>
          </xsl:choose>
        </p>
      </xsl:if>
    </article>
  </xsl:template>

  <!-- An <a> for http(s) URLs, plain text for anything else (javascript:, data:, relative). -->
  <xsl:template name="link">
    <xsl:param name="href"/>
    <xsl:param name="text"/>
    <xsl:variable name="scheme" select="translate(substring-before($href, ':'), $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="($scheme = 'https' or $scheme = 'http') and $text != ''">
        <a href="{$href}"><xsl:value-of select="$text"/></a>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- 2022-06-07T07:07:31Z -> 2022-06-07 07:07 UTC (feedkit writes UTC); other forms as they are. -->
  <xsl:template name="iso-date">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="string-length($value) = 20 and substring($value, 11, 1) = 'T' and substring($value, 20) = 'Z'">
        <xsl:value-of select="concat(substring($value, 1, 10), ' ', substring($value, 12, 5), ' UTC')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$value"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Tue, 07 Jun 2022 07:07:31 +0000 -> 2022-06-07 07:07 UTC; other forms as they are. -->
  <xsl:template name="rss-date">
    <xsl:param name="value"/>
    <xsl:variable name="month-name" select="substring($value, 9, 3)"/>
    <xsl:variable name="month-index" select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', $month-name))"/>
    <xsl:choose>
      <xsl:when test="string-length($value) = 31 and substring($value, 27) = '+0000'
                      and string-length($month-name) = 3 and $month-index mod 3 = 0
                      and contains('JanFebMarAprMayJunJulAugSepOctNovDec', $month-name)">
        <xsl:value-of select="concat(substring($value, 13, 4), '-', format-number($month-index div 3 + 1, '00'), '-',
                                     substring($value, 6, 2), ' ', substring($value, 18, 5), ' UTC')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$value"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="count">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$zh"><xsl:value-of select="$n"/> 篇</xsl:when>
      <xsl:when test="$n = 1">1 entry</xsl:when>
      <xsl:otherwise><xsl:value-of select="$n"/> entries</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="label">
    <xsl:param name="key"/>
    <xsl:choose>
      <xsl:when test="$zh and $key = 'feed'">订阅源</xsl:when>
      <xsl:when test="$zh and $key = 'this-is-a-feed'">这是一个订阅源（RSS/Atom）</xsl:when>
      <xsl:when test="$zh and $key = 'how'">把下面的网址复制到你的阅读器（NetNewsWire、Feedly、Inoreader、Thunderbird、newsboat…）即可订阅，有新文章时阅读器会自动收到。</xsl:when>
      <xsl:when test="$zh and $key = 'address-bar'">请复制浏览器地址栏中的网址。</xsl:when>
      <xsl:when test="$zh and $key = 'empty'">暂无文章。</xsl:when>
      <xsl:when test="$zh and $key = 'untitled'">（无标题）</xsl:when>
      <xsl:when test="$zh and $key = 'footer'">此页面由订阅源本身生成，供浏览器阅读；阅读器会直接读取订阅源。</xsl:when>
      <xsl:when test="$key = 'feed'">web feed</xsl:when>
      <xsl:when test="$key = 'this-is-a-feed'">This is a feed</xsl:when>
      <xsl:when test="$key = 'how'">Copy its URL into your feed reader (NetNewsWire, Feedly, Inoreader, Thunderbird, newsboat…) to subscribe, and new entries will come to you.</xsl:when>
      <xsl:when test="$key = 'address-bar'">Copy the URL from your browser's address bar.</xsl:when>
      <xsl:when test="$key = 'empty'">No entries yet.</xsl:when>
      <xsl:when test="$key = 'untitled'">(untitled)</xsl:when>
      <xsl:when test="$key = 'footer'">This page is the feed itself, styled for your browser; feed readers read the feed directly.</xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="css">
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #5f6368; --bg: #fdfdfc; --card: #ffffff;
        --line: #e3e3e0; --accent: #c2410c; --box: #fff7ed; --box-line: #fdba74; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e6; --muted: #a3a3a0; --bg: #161615; --card: #1f1f1e; --line: #34342f;
          --accent: #fb923c; --box: #2a1d12; --box-line: #9a3412; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 46rem; padding: 1.5rem 1rem 3rem; background: var(--bg); color: var(--fg);
       font: 16px/1.65 system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Hiragino Sans GB",
             "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; overflow-wrap: anywhere; }
a { color: inherit; text-decoration-color: var(--accent); text-underline-offset: 0.18em; }
a:hover { color: var(--accent); }
.kind { margin: 0; color: var(--muted); font-size: 0.85rem; letter-spacing: 0.04em; text-transform: uppercase; }
h1 { margin: 0.2rem 0 0.4rem; font-size: 1.9rem; line-height: 1.25; }
.description { margin: 0; color: var(--muted); }
.subscribe { margin: 1.5rem 0 2rem; padding: 1rem 1.2rem; border: 1px solid var(--box-line); border-radius: 0.6rem;
             background: var(--box); }
.subscribe h2 { margin: 0 0 0.3rem; font-size: 1.05rem; }
.subscribe h2::before { content: ""; display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.45em;
                        border-radius: 0 0 0 0.8em; background: var(--accent); vertical-align: -0.05em; }
.subscribe p { margin: 0.3rem 0; }
.url code { display: block; padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 0.4rem;
            background: var(--card); font: 0.9rem/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
            user-select: all; -webkit-user-select: all; }
.entry { display: flow-root; padding: 1.1rem 0; border-top: 1px solid var(--line); }
.entry h3 { margin: 0 0 0.2rem; font-size: 1.2rem; line-height: 1.4; }
.meta { margin: 0; color: var(--muted); font-size: 0.88rem; }
.categories { display: flex; flex-wrap: wrap; gap: 0.35rem; margin: 0.45rem 0 0; padding: 0; list-style: none; }
.categories li { padding: 0.05rem 0.55rem; border: 1px solid var(--line); border-radius: 1rem; font-size: 0.8rem;
                 color: var(--muted); }
.summary { margin: 0.5rem 0 0; }
.thumb { float: right; width: 9rem; height: 6rem; margin: 0.2rem 0 0.5rem 1rem; object-fit: cover;
         border-radius: 0.4rem; background: var(--line); }
.empty { color: var(--muted); }
footer { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid var(--line); color: var(--muted);
         font-size: 0.85rem; }
@media (max-width: 34rem) {
  h1 { font-size: 1.5rem; }
  .thumb { float: none; display: block; width: 100%; height: auto; max-height: 14rem; margin: 0 0 0.6rem; }
}
  </xsl:template>
</xsl:stylesheet>
