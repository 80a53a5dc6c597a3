// The checker page in headless Chromium (apt): real nginx in front of a dead upstream, a hostile
// upstream whose header and page carry markup, two `gwdoctor serve` instances (this checker and a
// peer vantage point), the wasm core from dist/wasm. Screenshots at desktop and phone width go to
// tests/serve/screenshots/.
// Run: scripts/build-extension.sh && cargo build -p gwdoctor && (cd tests/serve && npm ci && npm test)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { deadPort } from '../e2e/lab.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const gwdoctor = process.env.GWDOCTOR ?? join(root, 'target', 'debug', 'gwdoctor');
const shots = join(here, 'screenshots');
const scratch = mkdtempSync(join(tmpdir(), 'gwdoctor-serve-page-'));
const children = [];
let browser;
let checker;
let worldChecker;
let nginxUrl;
let hostileUrl;

const HOSTILE_PAGE = `<!doctype html><html><head><title>502 <script>alert("title")</script></title></head>
<body><h1>Bad Gateway</h1><img src=x onerror="alert('body')"><p>upstream failed</p></body></html>`;

/** Resolves with the first line a child prints that matches `pattern`, within `ms`. */
function lineMatching(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} within ${ms} ms: ${seen}`)), ms);
    const look = (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${seen}`)));
  });
}

async function startChecker(args, env = {}) {
  const child = spawn(gwdoctor, ['serve', '--listen', '127.0.0.1:0', '--www', join(root, 'www'),
    '--wasm', join(root, 'dist', 'wasm'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  const [, address] = await lineMatching(child, /listening on (http:\/\/127\.0\.0\.1:\d+\/)/, 15000);
  return address;
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function freePort() {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startNginx(upstreamPort) {
  const port = await freePort();
  const dir = join(scratch, 'nginx');
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `daemon off; master_process off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events {}
http {
  access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://127.0.0.1:${upstreamPort}; } }
}
`);
  const nginx = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  const check = spawnSync(nginx, ['-t', '-c', conf]);
  assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
  children.push(spawn(nginx, ['-c', conf], { stdio: 'ignore' }));
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) return `http://127.0.0.1:${port}/checkout`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nginx did not start');
}

/** The Globalping stand-in (tests/globalping/standin.py) with three places; its base URL. */
async function startGlobalping() {
  const probes = join(scratch, 'probes.json');
  writeFileSync(probes, JSON.stringify([
    { city: 'Berlin', country: 'DE', asn: 3320, network: 'Test network 3320' },
    { city: 'Munich', country: 'DE', asn: 6805, network: 'Test network 6805' },
    { city: 'Dallas', country: 'US', asn: 7018, network: 'Test network 7018' },
  ]));
  const portFile = join(scratch, 'globalping.port');
  const child = spawn('python3', [join(root, 'tests', 'globalping', 'standin.py'), '--probes', probes,
    '--port-file', portFile], { stdio: 'ignore' });
  children.push(child);
  const deadline = Date.now() + 10000;
  while (!existsSync(portFile)) {
    if (Date.now() > deadline) throw new Error('the Globalping stand-in did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return `http://127.0.0.1:${readFileSync(portFile, 'utf8')}`;
}

before(async () => {
  assert.ok(existsSync(gwdoctor), `build gwdoctor first: cargo build -p gwdoctor (${gwdoctor})`);
  assert.ok(existsSync(join(root, 'dist', 'wasm', 'gwdoctor_wasm.js')), 'build the wasm core first: scripts/build-extension.sh');
  mkdirSync(shots, { recursive: true });
  const hostile = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(302, { location: '/"><script>alert(2)</script>' });
      res.end();
      return;
    }
    res.writeHead(502, { 'content-type': 'text/html', server: '<img src=x onerror=alert(1)>' });
    res.end(HOSTILE_PAGE);
  });
  hostileUrl = `http://127.0.0.1:${await listen(hostile)}/`;
  children.push({ kill: () => hostile.close() });
  nginxUrl = await startNginx(await deadPort());
  const peer = await startChecker(['--name', 'peer-frankfurt', '--allow-private']);
  const config = join(scratch, 'vantage.toml');
  writeFileSync(config, `name = "here-paris"\n[[peers]]\nname = "peer-frankfurt"\nurl = "${peer}"\n`);
  checker = await startChecker(['--config', config, '--allow', '127.0.0.0/8']);
  worldChecker = await startChecker(['--name', 'here-world', '--allow', '127.0.0.0/8', '--globalping',
    '--globalping-places', '3'], { GWDOCTOR_GLOBALPING_API: await startGlobalping() });
  process.env.XDG_CONFIG_HOME = join(scratch, 'config');
  process.env.XDG_CACHE_HOME = join(scratch, 'cache');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const child of children) child.kill();
});

/** A page on the checker, failing the test on any dialog, page error or CSP violation. */
async function openChecker(viewport, query = '', base = checker) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  const response = await page.goto(`${base}${query}`);
  const csp = response.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await page.waitForFunction(() => document.documentElement.dataset.engine === 'ready', null, { timeout: 15000 });
  return { page, problems };
}

async function checkUrl(page, url) {
  await page.fill('#url', url);
  await page.click('#check');
  await page.waitForFunction(() => !document.getElementById('result').hidden
    || !document.getElementById('problem').hidden, null, { timeout: 30000 });
}

test('nginx before a dead upstream: down from both vantage points, the failed hop marked', async () => {
  const { page, problems } = await openChecker({ width: 1280, height: 900 });
  assert.equal(await page.isVisible('#fanout-row'), true, 'the peer is offered');
  await checkUrl(page, nginxUrl);
  assert.equal(await page.isHidden('#problem'), true, await page.textContent('#problem'));
  assert.equal(await page.textContent('#headline'), 'Down from 2 of 2 vantage points');
  assert.match(await page.textContent('#headline-status'), /^502 · bad gateway$/);
  const nodes = await page.locator('#chain .node .label').allTextContents();
  assert.deepEqual(nodes, ['Checker', 'nginx', 'app'], 'the checker made the request, not you');
  assert.equal(await page.locator('#chain .link.broken').count(), 1);
  assert.match(await page.textContent('#failed-hop'), /nginx → app/);
  assert.match(await page.textContent('#evidence'), /nginx default error page/);
  const vantage = await page.locator('#vantage-list li').allInnerTexts();
  assert.equal(vantage.length, 2);
  assert.match(vantage[0], /down\s+here-paris/);
  assert.match(vantage[1], /down\s+peer-frankfurt/);
  assert.match(page.url(), /\?url=/, 'the address bar holds a shareable link');
  await page.screenshot({ path: join(shots, 'desktop-nginx-502.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('with --globalping: the places worldwide, grouped by country, each with its verdict', async () => {
  const { page, problems } = await openChecker({ width: 1100, height: 1400 }, '', worldChecker);
  assert.match(await page.textContent('#fanout-label'), /3 places worldwide \(the address you check is sent to Globalping\)/);
  await checkUrl(page, nginxUrl);
  await page.waitForSelector('#world:not([hidden])', { timeout: 30000 });
  assert.match(await page.textContent('#world-summary'), /^Down from 3 of 3 places in 2 countries — all saw nginx 502: /);
  assert.deepEqual(await page.locator('#world-places h4').allInnerTexts(), ['DE', 'US']);
  const places = await page.locator('#world-places li').allInnerTexts();
  assert.equal(places.length, 3);
  assert.match(places[0], /down\s+Berlin, DE · AS3320 Test network 3320 nginx 502/);
  await page.screenshot({ path: join(shots, 'checker-world-desktop.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone the shared link checks by itself and reads in one column', async () => {
  const { page, problems } = await openChecker({ width: 390, height: 844 }, `?url=${encodeURIComponent(nginxUrl)}`);
  await page.waitForFunction(() => !document.getElementById('result').hidden, null, { timeout: 30000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no sideways scrolling');
  await page.screenshot({ path: join(shots, 'phone-nginx-502.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("markup from the checked site is shown as text, never run", async () => {
  const { page, problems } = await openChecker({ width: 1280, height: 900 });
  await page.uncheck('#fanout');
  await checkUrl(page, hostileUrl);
  assert.equal(await page.isHidden('#problem'), true, await page.textContent('#problem'));
  assert.equal(await page.textContent('#probe dd:nth-of-type(2)'), '<img src=x onerror=alert(1)>');
  assert.match(await page.textContent('#redirects'), /^302 http:\/\/127\.0\.0\.1:\d+\/ → \/"><script>alert\(2\)<\/script>$/);
  assert.equal(await page.locator('#result img, #result script').count(), 0);
  await page.screenshot({ path: join(shots, 'desktop-hostile.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('clear messages for an invalid URL and a refused target', async () => {
  const { page, problems } = await openChecker({ width: 390, height: 844 });
  await checkUrl(page, 'ftp://files.example/');
  assert.match(await page.textContent('#problem'), /^That is not an address the checker can fetch: only http:\/\/ and https:\/\//);
  await checkUrl(page, 'http://169.254.169.254/latest/meta-data/');
  assert.match(await page.textContent('#problem'), /^The checker will not fetch that address: .*cloud metadata/);
  await page.screenshot({ path: join(shots, 'phone-refused.png'), fullPage: true });
  await page.fill('#url', '');
  await page.click('#check');
  assert.match(await page.textContent('#problem'), /^Paste an address first/);
  // The browser's own console logs the refused API call (403) and nothing else.
  assert.ok(problems.every((p) => /status of 40[03]/.test(p)), problems.join('\n'));
  await page.close();
});
