// Run `hexo generate` on a prepared site folder, in-process (no hexo-cli needed).
//   node benchmarks/peer_hexo.js SITE_DIR
// Prints JSON: the seconds of init + load + generate and the number of posts Hexo loaded.
'use strict';
const path = require('path');
const site = path.resolve(process.argv[2]);
const Hexo = require(path.join(site, 'node_modules', 'hexo'));
const start = process.hrtime.bigint();
const hexo = new Hexo(site, { silent: true });
hexo.init()
  .then(() => hexo.call('generate', {}))
  .then(() => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const posts = hexo.locals.get('posts').length;
    return hexo.exit().then(() => console.log(JSON.stringify({ seconds, posts })));
  })
  .catch((err) => { console.error(err); process.exit(1); });
