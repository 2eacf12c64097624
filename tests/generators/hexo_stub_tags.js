/* global hexo */
// Harness stub (not part of the site): registers no-op Nunjucks tags for every
// `{% name %}` used in the site's sources that neither Hexo nor an installed
// plugin provides (theme tags such as `note`). Only affects rendered bodies,
// never which posts exist, their URLs, titles or dates.
'use strict';
const fs = require('fs');
const path = require('path');

const KEYWORDS = new Set(['if', 'elif', 'elseif', 'else', 'for', 'asyncEach', 'asyncAll', 'macro', 'call', 'import',
  'from', 'set', 'block', 'extends', 'include', 'raw', 'verbatim', 'filter', 'ifAsync', 'switch', 'case', 'default']);

function walk(dir, acc) {
  let names;
  try { names = fs.readdirSync(dir); } catch (e) { return acc; }
  for (const n of names) {
    const p = path.join(dir, n);
    const st = fs.statSync(p);
    if (st.isDirectory()) walk(p, acc);
    else if (/\.(md|markdown|html|njk)$/i.test(n)) acc.push(p);
  }
  return acc;
}

const used = new Set();
const ends = new Set();
for (const f of walk(hexo.source_dir, [])) {
  const text = fs.readFileSync(f, 'utf8');
  for (const m of text.matchAll(/\{%-?\s*([A-Za-z_][\w]*)/g)) {
    const name = m[1];
    if (name.startsWith('end')) ends.add(name.slice(3));
    else used.add(name);
  }
}
const env = hexo.extend.tag.env;
const stubbed = [];
for (const name of used) {
  if (KEYWORDS.has(name)) continue;
  if (env.hasExtension(name)) continue;
  const isBlock = ends.has(name);
  hexo.extend.tag.register(name, (args, content) => (isBlock ? (content || '') : ''), { ends: isBlock });
  stubbed.push(name + (isBlock ? ' (block)' : ''));
}
if (stubbed.length) hexo.log.info('harness stub tags: %s', stubbed.join(', '));
