// One voice: for every lab case the three shells — `gwdoctor check` (the CLI), the checker page
// (`gwdoctor serve --allow-private` on 127.0.0.1, in headless Chromium) and the extension (its
// in-page panel and its popup) — print the same summary, the same chain labels and the same
// advice. Only who made the request differs, by design: the CLI's and the extension's chain starts
// at "You", the checker's at "Checker", and a failure to connect names its own side ("Your
// machine", "The checker", "Your browser"). Screenshots of each shell at desktop (1280 px) and
// phone (390 px) width land in tests/e2e/screenshots/voice-<case>-*.png.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { deadPort, here, launchChromium, root, serve, startChecker, startNginx, tabIdOf, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-chromium');
const gwdoctor = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'gwdoctor');
const shots = join(here, 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
// The steps the extension's checklist takes itself, left out of its advice while it does.
const CHECKLIST_TITLES = ['Try again', 'Skip every cache', 'Down for everyone?'];
const APP_502 = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>'
  + '<h1>Upstream app: payment service failed</h1><p>The checkout application could not reach the payment service.</p></body></html>';

let browser;
let lab;
let checker;
let checkerUrl;
let refusedUrl;
const servers = [];

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), 'build the extension first: scripts/build-extension.sh');
  assert.ok(existsSync(gwdoctor), `build gwdoctor first: cargo build -p gwdoctor (${gwdoctor})`);
  mkdirSync(shots, { recursive: true });
  const app502 = await serve((req, res) => {
    res.writeHead(502, { 'content-type': 'text/html; charset=utf-8' });
    res.end(APP_502);
  });
  servers.push(app502);
  // An app that is overloaded and says when to come back: its own 503 with Retry-After.
  const busy = await serve((req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '120' });
    res.end('The shop is very busy right now. Please come back in two minutes.\n');
  });
  servers.push(busy);
  // An app that accepts the connection and never answers: nginx's 504 after its read timeout.
  const hung = net.createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => hung.once('listening', resolve));
  servers.push(hung);
  lab = await startNginx({
    dead: { upstream: await deadPort() },
    app502: { upstream: app502.address().port },
    busy: { upstream: busy.address().port },
    hung: { upstream: hung.address().port },
  });
  refusedUrl = `http://127.0.0.1:${await deadPort()}/`;
  checker = await startChecker(gwdoctor);
  checkerUrl = checker.url;
  browser = await launchChromium({ extensionDir });
});

after(async () => {
  await browser?.context.close();
  checker?.stop();
  lab?.stop();
  for (const server of servers) server.close();
});

/** Runs gwdoctor without blocking this process (whose servers are the lab's upstreams). */
function run(args) {
  return new Promise((resolve) => {
    const child = spawn(gwdoctor, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** What `gwdoctor check URL` prints: its summary, chain labels and advice lines. */
async function cli(url) {
  const out = await run(['check', url, '--timeout', '10']);
  assert.equal(out.status, 1, `gwdoctor check ${url}: ${out.stderr}`);
  const lines = out.stdout.split('\n');
  const chain = lines.find((l) => l.startsWith('Chain:'))?.replace(/^Chain:\s+/, '') ?? '';
  const from = lines.indexOf('What to do:');
  const advice = from < 0 ? [] : lines.slice(from + 1).filter((l) => /^ {2}\d+\. /.test(l)).map((l) => l.replace(/^ {2}\d+\. /, ''));
  const failedHop = lines.find((l) => l.startsWith('Failed hop:'))?.replace(/^Failed hop:\s+/, '') ?? null;
  const category = lines[0].replace(/^\S+ — /, '').replace(/\s+http:\S+$/, '');
  return { text: out.stdout, summary: lines[1], category, failedHop, chain: chain.split(/ [→✗] /).map((l) => l.replace(/ ✗$/, '')), advice };
}

/** The checker page's words for `url`, with screenshots at desktop and phone width. */
async function checkerPage(url, name) {
  let words;
  for (const [viewport, width] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const page = await browser.context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`${checkerUrl}?url=${encodeURIComponent(url)}`);
    await page.waitForFunction(() => !document.getElementById('result').hidden || !document.getElementById('problem').hidden, null, { timeout: 30000 });
    assert.equal(await page.isHidden('#problem'), true, await page.textContent('#problem'));
    assert.equal(await page.isHidden('#fanout-row'), true, 'no peers: no "Also ask the other vantage points"');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${width}: no sideways scrolling`);
    // Every ✗ and → sits on the same line as the node it leads to.
    const alone = await page.evaluate(() => [...document.querySelectorAll('#chain .link')].filter((link) => {
      const node = link.nextElementSibling.getBoundingClientRect();
      const mark = link.getBoundingClientRect();
      return Math.abs((mark.top + mark.bottom) / 2 - (node.top + node.bottom) / 2) > node.height / 2;
    }).length);
    assert.equal(alone, 0, `${width}: a link hangs alone on its line`);
    await page.screenshot({ path: join(shots, `voice-${name}-checker-${width}.png`), fullPage: true });
    words = {
      summary: await page.textContent('#summary'),
      category: (await page.textContent('#headline-status')).replace(/^\S+ · /, ''),
      legend: await page.textContent('#failed-hop'),
      chain: await page.locator('#chain .node .label').allTextContents(),
      advice: (await page.locator('#advice li').allInnerTexts()).map((t) => t.trim()),
    };
    await page.close();
  }
  return words;
}

/** The extension's words for `url`: its panel (desktop and phone) and its popup. */
async function extension(url, name, { network = false } = {}) {
  const page = await browser.context.newPage();
  await page.setViewportSize(DESKTOP);
  let panel = null;
  if (network) {
    await assert.rejects(page.goto(url), /ERR_CONNECTION_REFUSED/);
  } else {
    await page.goto(url);
    const locator = page.locator('#gwdoctor-panel');
    await locator.locator('.headline').waitFor({ timeout: 15000 });
    await page.screenshot({ path: join(shots, `voice-${name}-panel-desktop.png`) });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(shots, `voice-${name}-panel-phone.png`) });
    panel = {
      summary: await locator.locator('.headline').innerText(),
      chain: await locator.locator('.chain .node').allInnerTexts(),
    };
  }
  const tab = network
    ? await until('the tab', () => browser.worker.evaluate(
      async (u) => (await chrome.tabs.query({})).find((t) => t.url === u || t.pendingUrl === u)?.id, url,
    ))
    : await tabIdOf(browser.worker, url);
  await until('the verdict', () => browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab), { timeoutMs: 15000 });
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 460, height: 600 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${tab}`);
  await popup.locator('ol.steps').waitFor({ timeout: 10000 });
  const words = {
    panel,
    summary: await popup.locator('.headline').innerText(),
    category: await popup.locator('h1 span:not(.status)').innerText(),
    legend: await popup.locator('p.legend').innerText(),
    chain: await popup.locator('.chain .node b').allInnerTexts(),
    advice: (await popup.locator('ol.advice li').allInnerTexts()).map((t) => t.trim()),
    text: await popup.locator('main').innerText(),
  };
  await popup.screenshot({ path: join(shots, `voice-${name}-popup.png`), fullPage: true });
  await popup.close();
  await page.close();
  return words;
}

/** The same advice everywhere; the extension leaves out only the steps its checklist takes. */
function sameAdvice(cliAdvice, pageAdvice, popupAdvice) {
  assert.ok(cliAdvice.length > 0);
  assert.deepEqual(pageAdvice, cliAdvice, 'the checker page and the CLI advise the same');
  for (const item of popupAdvice) assert.ok(cliAdvice.includes(item), `the popup's "${item}" is the CLI's too`);
  for (const item of cliAdvice.filter((a) => !popupAdvice.includes(a))) {
    assert.ok(CHECKLIST_TITLES.some((t) => item.startsWith(`${t} — `)), `the popup leaves out "${item}", which its checklist does not do`);
  }
  const archive = cliAdvice.find((a) => a.startsWith('Archived copy — '));
  assert.match(archive, / https:\/\/web\.archive\.org\/web\/2\/http:\/\/127\.0\.0\.1:\d+\//, 'the archived copy links the Wayback Machine');
}

const LAB_CASES = [
  ['nginx-dead-upstream', 'dead', '/checkout'],
  ['app-own-502', 'app502', '/pay'],
  ['app-busy-503', 'busy', '/basket'],
  ['nginx-hung-upstream', 'hung', '/search'],
];
for (const [name, site, path] of LAB_CASES) {
  test(`${name}: the CLI, the checker page and the extension say the same`, async () => {
    const url = lab.url(site, path);
    const fromCli = await cli(url);
    const fromPage = await checkerPage(url, name);
    const fromExtension = await extension(url, name);
    assert.equal(fromPage.summary, fromCli.summary, 'summary: checker page = CLI');
    assert.equal(fromExtension.summary, fromCli.summary, 'summary: popup = CLI');
    assert.equal(fromExtension.panel.summary, fromCli.summary, 'summary: panel = CLI');
    assert.deepEqual(fromCli.chain, ['You', ...fromCli.chain.slice(1)]);
    assert.deepEqual(fromPage.chain, ['Checker', ...fromCli.chain.slice(1)], 'the checker made the request, not you');
    assert.deepEqual(fromExtension.chain, fromCli.chain, 'chain: popup = CLI');
    assert.deepEqual(fromExtension.panel.chain, fromCli.chain, 'chain: panel = CLI');
    assert.ok(!fromCli.summary.includes('upstream'), fromCli.summary);
    assert.equal(fromPage.category, fromCli.category, 'category: checker page = CLI');
    assert.equal(fromExtension.category, fromCli.category, 'category: popup = CLI');
    assert.ok(fromCli.failedHop, 'the CLI names the failed hop');
    assert.ok(fromPage.legend.startsWith(`Failed hop: ${fromCli.failedHop}.`), `failed hop: checker page "${fromPage.legend}" = CLI "${fromCli.failedHop}"`);
    assert.equal(fromPage.legend, fromExtension.legend, 'the failed hop and who made the page: checker page = popup');
    assert.doesNotMatch(fromExtension.text, /\(origin\)|`/, 'no contract ids in parentheses, no backticks');
    sameAdvice(fromCli.advice, fromPage.advice, fromExtension.advice);
  });
}

test('a refused connection: the same words, each shell naming its own side', async () => {
  const fromCli = await cli(refusedUrl);
  const fromPage = await checkerPage(refusedUrl, 'connection-refused');
  const fromExtension = await extension(refusedUrl, 'connection-refused', { network: true });
  const rest = ': the connection was refused.';
  assert.equal(fromCli.summary, `Your machine could not reach the site 127.0.0.1${rest}`);
  assert.equal(fromPage.summary, `The checker could not reach the site 127.0.0.1${rest}`);
  assert.equal(fromExtension.summary, `Your browser could not reach the site 127.0.0.1${rest}`);
  assert.deepEqual(fromCli.chain, ['You', '127.0.0.1']);
  assert.deepEqual(fromPage.chain, ['Checker', '127.0.0.1']);
  assert.deepEqual(fromExtension.chain, ['You', '127.0.0.1']);
  // One sentence says the browser could not reach the site, not three.
  assert.equal(fromExtension.text.match(/could not reach/gi).length, 1, fromExtension.text);
  assert.equal(fromExtension.text.match(/Trying again/g)?.length ?? 0, 1, 'the retry countdown is shown once');
  sameAdvice(fromCli.advice, fromPage.advice, fromExtension.advice);
});
