#!/usr/bin/env node
// Usage: node hexo_truth.js <site_dir> <out_json>   (tests/test_generators.py)
// Runs the real Hexo (resolved from <site_dir>/node_modules) on a site copy:
// `hexo generate` (so plugins such as hexo-abbrlink / hexo-generator-feed run),
// then dumps every post Hexo publishes (hexo.locals posts: respects drafts,
// published:false, future) as {source, link, title, date}.
'use strict';
const path = require('path');
const fs = require('fs');

const siteDir = path.resolve(process.argv[2]);
const outFile = path.resolve(process.argv[3]);
const Hexo = require(require.resolve('hexo', { paths: [siteDir] }));

(async () => {
  const hexo = new Hexo(siteDir, { silent: false, debug: false });
  const t0 = Date.now();
  await hexo.init();
  let generateError = null;
  try {
    await hexo.call('generate', {});
  } catch (err) {
    // fall back to a plain load so that the post list is still available
    generateError = String(err && err.stack || err);
    console.error('generate failed:', generateError);
    await hexo.load();
  }
  const cfg = hexo.config;
  const srcDir = path.relative(siteDir, hexo.source_dir).split(path.sep).join('/');
  const prefix = srcDir ? srcDir + '/' : '';
  const published = hexo.locals.get('posts').toArray();

  const posts = published.map(p => ({
    source: prefix + p.source,
    link: p.permalink,
    title: p.title === undefined ? null : p.title,
    date: new Date(p.date.valueOf()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  })).sort((a, b) => a.source < b.source ? -1 : a.source > b.source ? 1 : 0);

  const result = { generator: 'hexo', generator_version: hexo.version, generate_error: generateError, posts };
  fs.writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
  await hexo.exit();
})().catch(err => { console.error(err); process.exit(1); });
