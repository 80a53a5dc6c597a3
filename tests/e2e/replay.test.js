// End-to-end: every case of the response corpus (tests/corpus/*/index.toml) replayed from a raw
// TCP server on 127.0.0.1 into headless Chromium with the extension loaded. The verdict the
// extension reaches from what the browser hands it (webRequest's status and headers, the
// content script's markup) must equal `gwdoctor classify --json` on the same bytes.
// Also prints how soon a headers-only verdict reaches the badge when no content script runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { cases, corpusDir, replayable, replayServer } from './corpus.js';
import { launchChromium, root, tabIdOf, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-chromium');
const gwdoctor = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'gwdoctor');
/** What must agree: generator, category and failed-hop cause. */
const summary = (v) => (v ? `${v.error ? v.generator?.vendor ?? 'none' : 'not-an-error'}/${v.category}/${v.failed_hop?.cause ?? 'none'}` : 'not-an-error/not-an-error/none');

let browser;
let server;
const responses = new Map(); // path → bytes
const servedAt = new Map(); // path → Date.now() when the response was written
let blocked = 0; // requests to anything but 127.0.0.1, refused
const blankCases = []; // error cases without a body, for the latency figure

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), `build the extension first (${extensionDir})`);
  assert.ok(existsSync(gwdoctor), `build gwdoctor first (${gwdoctor})`);
  server = await replayServer(responses, (path) => servedAt.set(path, Date.now()));
  browser = await launchChromium({ extensionDir });
  // The pages were captured from sites on the internet: whatever they would load from there
  // (scripts, styles, images, a meta refresh) is refused before it leaves the browser.
  await browser.context.route((url) => url.hostname !== '127.0.0.1', (route) => {
    blocked += 1;
    return route.abort('blockedbyclient');
  });
});

after(async () => {
  await browser?.context.close();
  server?.close();
});

// Tabs replaying at once: each has its own checklist, so they do not disturb each other.
const TABS = 4;

test('the extension reaches the CLI verdict on every corpus case replayed in Chromium', { timeout: 20 * 60 * 1000 }, async () => {
  const all = cases();
  assert.ok(all.length > 300, `the corpus has ${all.length} cases`);
  const base = `http://127.0.0.1:${server.address().port}`;
  const differs = [];
  let noContentScript = 0;

  // The CLI's verdicts on the very bytes served, from one run over every case.
  const dir = mkdtempSync(join(tmpdir(), 'gwdoctor-replay-'));
  const files = all.map((name, n) => {
    const bytes = replayable(readFileSync(join(corpusDir, name)));
    responses.set(`/case/${n}`, bytes);
    const file = join(dir, `${n}.http`);
    writeFileSync(file, bytes);
    return file;
  });
  // Exit status 1 is "an error page", the usual case here; anything else is a failure.
  const run = spawnSync(gwdoctor, ['classify', '--json', ...files], { maxBuffer: 256 * 1024 * 1024 });
  assert.ok(run.status === 0 || run.status === 1, `gwdoctor classify exited ${run.status}: ${run.stderr}`);
  const verdicts = run.stdout.toString().trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(verdicts.length, all.length);
  rmSync(dir, { recursive: true });

  /** Replays case `n` in the tab of `page` and records any difference from the CLI. */
  async function replay(page, tab, n) {
    const name = all[n];
    const path = `/case/${n}`;
    const bytes = responses.get(path);
    const cli = verdicts[n];
    await page.goto(`${base}${path}`, { waitUntil: 'commit' }).catch(() => {});
    if (!cli.error) {
      // A healthy page: no checklist, no verdict.
      const view = await browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab);
      if (view !== null) differs.push(`${name}: CLI not an error, extension ${summary(view.verdict)}`);
      return;
    }
    const blank = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4).toString('latin1').trim() === '';
    // A page with a body is classified again once the content script hands its markup over;
    // where the browser runs none (it shows its own page, or downloads the body), the verdict
    // from the headers stands.
    const classified = () => browser.worker.evaluate((t) => globalThis.gwdoctor.classifiedWith(t), tab);
    let reached = await until(`${name}: a verdict`, classified, { timeoutMs: 3000, everyMs: 10 }).catch(() => null);
    if (!blank && reached === 'partly') {
      reached = await until(`${name}: the markup`, () => classified().then((w) => (w === 'markup' ? w : null)), { timeoutMs: 3000, everyMs: 10 }).catch(() => 'partly');
      if (reached === 'partly') noContentScript += 1;
    }
    if (blank) blankCases.push(n);
    const view = await browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab);
    const [got, expected] = [summary(view?.verdict), summary(cli)];
    if (!reached || got !== expected) differs.push(`${name}: CLI ${expected}, extension ${got} (classified with ${reached})`);
  }

  let next = 0;
  await Promise.all(Array.from({ length: TABS }, async (_, i) => {
    const page = await browser.context.newPage();
    const start = `/start/${i}`;
    responses.set(start, Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
    await page.goto(`${base}${start}`);
    const tab = await tabIdOf(browser.worker, `${base}${start}`);
    while (next < all.length) await replay(page, tab, next++);
    await page.close();
  }));

  console.log(`replayed ${all.length} corpus cases in Chromium (${TABS} tabs); verdicts differ on ${differs.length}; ${noContentScript} pages with a body got no content script (verdict from the headers); ${blocked} requests beyond 127.0.0.1 refused`);
  for (const d of differs) console.log(`  differs ${d}`);
  assert.deepEqual(differs, []);
});

// A figure, not an assertion: how soon the badge shows the verdict from the headers on pages
// where no content script runs (an error without a body gets the browser's own page), one tab.
test('how soon the headers-only verdict reaches the badge', async () => {
  assert.ok(blankCases.length > 10, `${blankCases.length} cases without a body`);
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = await browser.context.newPage();
  await page.goto(`${base}/start/0`);
  const tab = await tabIdOf(browser.worker, `${base}/start/0`);
  const badge = () => browser.worker.evaluate((t) => chrome.action.getBadgeText({ tabId: t }), tab);
  const ms = [];
  for (const n of blankCases) {
    // Away from the last error page (its own error page may still be committing: retry).
    await until('a healthy page', () => page.goto(`${base}/start/0`).then(() => true, () => false), { timeoutMs: 5000, everyMs: 50 });
    await until('the badge to clear', async () => (await badge()) === '', { timeoutMs: 3000, everyMs: 5 });
    await page.goto(`${base}/case/${n}`, { waitUntil: 'commit' }).catch(() => {});
    await until('the badge', badge, { timeoutMs: 3000, everyMs: 5 });
    ms.push(Date.now() - servedAt.get(`/case/${n}`));
  }
  await page.close();
  ms.sort((a, b) => a - b);
  console.log(`headers-only verdict on the badge, ms from the response being written, ${ms.length} pages without a body (includes up to 5 ms of the test's polling): median ${ms[ms.length >> 1]}, p90 ${ms[Math.floor(ms.length * 0.9)]}, max ${ms.at(-1)}`);
});
