// Benchmark: classify inside the browser (the wasm build of the extension and the checker page,
// with the benchmark export added: scripts/build-extension.sh --bench) over the core's corpus, in headless Chromium from apt. Prints the median
// and p99 per page, the way `cargo bench -p gwdoctor-core` prints the native figure; with
// `--native` it runs that benchmark too and prints both side by side.
// Run: scripts/build-extension.sh --bench && (cd tests/e2e && npm ci && node bench-wasm.js [--native])
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

import { chromium } from 'playwright-core';

import { root, serve } from './lab.js';

const RUNS_PER_PAGE = 2000;
const wasmDir = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'wasm-bench');
if (!existsSync(join(wasmDir, 'gwdoctor_wasm_bg.wasm'))) {
  console.error('build the benchmark wasm first: scripts/build-extension.sh --bench');
  process.exit(2);
}

const corpusDir = join(root, 'tests', 'corpus');
const corpus = readdirSync(corpusDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(corpusDir, d.name)).filter((f) => f.endsWith('.http')).map((f) => join(corpusDir, d.name, f)))
  .sort()
  .map((file) => readFileSync(file).toString('base64'));

const PAGE = `<!doctype html><meta charset="utf-8"><title>wasm bench</title>
<script type="module">
  import init, { benchClassify, classifyRaw, loadSignatures } from './wasm/gwdoctor_wasm.js';
  window.bench = async (runs) => {
    await init({ module_or_path: './wasm/gwdoctor_wasm_bg.wasm' });
    loadSignatures(new Uint8Array(await (await fetch('./wasm/signatures.bin')).arrayBuffer()));
    const pages = (await (await fetch('./corpus')).json())
      .map((b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const inside = benchClassify(pages, runs);
    // Through the JS boundary (bytes in, verdict object out), as shells call it: responses of at
    // most 10 KB in all (status line, headers and body).
    const small = pages.filter((p) => p.length <= 10 * 1024);
    const times = small.map((page) => {
      const start = performance.now();
      for (let i = 0; i < runs / 10; i++) classifyRaw(page, undefined);
      return ((performance.now() - start) * 1000) / (runs / 10);
    }).sort((a, b) => a - b);
    const at = (q) => times[Math.round((times.length - 1) * q)];
    return { inside, boundary: { pages: times.length, median_us: at(0.5), p99_us: at(0.99) }, isolated: crossOriginIsolated };
  };
</script>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = await serve((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  // Cross-origin isolation gives performance.now() its finest resolution.
  const headers = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
  if (path === '/') {
    res.writeHead(200, { ...headers, 'content-type': 'text/html' });
    res.end(PAGE);
  } else if (path === '/corpus') {
    res.writeHead(200, { ...headers, 'content-type': 'application/json' });
    res.end(JSON.stringify(corpus));
  } else if (path.startsWith('/wasm/') && existsSync(join(wasmDir, path.slice(6)))) {
    res.writeHead(200, { ...headers, 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(join(wasmDir, path.slice(6))));
  } else {
    res.writeHead(404);
    res.end();
  }
});

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await page.evaluate((runs) => window.bench(runs), RUNS_PER_PAGE);
  const fmt = (t) => `median ${t.median_us.toFixed(2)} µs, p99 ${t.p99_us.toFixed(2)} µs`;
  const chromiumVersion = browser.version();
  console.log(`wasm in Chromium ${chromiumVersion} (cross-origin isolated: ${result.isolated}), ${corpus.length} corpus files:`);
  console.log(`  classify per page (<= 10 KB, ${result.inside.pages} pages), inside wasm: ${fmt(result.inside)}, max ${result.inside.max_us.toFixed(2)} µs`);
  console.log(`  parse + classify through the JS boundary (responses <= 10 KB, ${result.boundary.pages} pages): ${fmt(result.boundary)}`);
} finally {
  await browser.close();
  server.close();
}

if (process.argv.includes('--native')) {
  const out = execFileSync('cargo', ['bench', '-p', 'gwdoctor-core', '--bench', 'classify'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.split('\n').find((l) => l.startsWith('classify per page'));
  console.log(`native (cargo bench -p gwdoctor-core): ${line ?? 'no per-page line in the output'}`);
}
