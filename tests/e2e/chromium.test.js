// End-to-end: headless Chromium (apt) with the built extension, against real nginx on 127.0.0.1.
// Run: scripts/build-extension.sh && (cd tests/e2e && npm ci && npm run chromium)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { deadPort, here, launchChromium, root, serve, startNginx, tabIdOf, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-chromium');
const shots = join(here, 'screenshots');
// The extension's defaults: the shortest pause between two requests to a site.
const MIN_DELAY_MS = 1000;
const RETRY_AFTER_S = 3;

const APP_502 = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>502 Bad Gateway</title></head>
<body>
<h1>Upstream app: payment service failed</h1>
<p>The checkout application could not reach the payment service. Please try again.</p>
</body>
</html>`;
const WELCOME = '<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome back to the shop</h1></body></html>';

let lab;
let browser;
const servers = [];

function html(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

/** The view the service worker's core keeps for a tab (null when nothing is wrong). */
const viewOf = (tab) => browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab);
const badgeOf = (tab) => browser.worker.evaluate((t) => chrome.action.getBadgeText({ tabId: t }), tab);

/**
 * Stops the extension's service worker, as Chromium does when it has idled for 30 s, and returns
 * once the next one (started by the wake-up alarm) has loaded the core.
 */
async function stopServiceWorker(page) {
  await closeServiceWorker(page);
  await nextServiceWorker();
}

/** Stops the extension's service worker (as Chromium does after 30 s idle), without waiting. */
async function closeServiceWorker(page) {
  await browser.worker.evaluate(() => { globalThis.gwdoctorTestMark = true; });
  const cdp = await browser.context.newCDPSession(page);
  const { targetInfos } = await cdp.send('Target.getTargets', { filter: [{ type: 'service_worker' }] });
  const target = targetInfos.find((t) => t.url.startsWith(`chrome-extension://${browser.extensionId}/`));
  await cdp.send('Target.closeTarget', { targetId: target.targetId });
  await cdp.detach();
}

/** The worker that replaced a closed one, once it has loaded the core. */
async function nextServiceWorker() {
  // The next worker may come as a new target or in the old one's place: either way, a fresh
  // global without the mark, with the core loaded.
  browser.worker = await until('the next service worker to load the core', async () => {
    for (const worker of browser.context.serviceWorkers()) {
      const fresh = await worker.evaluate(async () => !globalThis.gwdoctorTestMark
        && (await globalThis.gwdoctor?.ready.then(() => true))).catch(() => false);
      if (fresh) return worker;
    }
    return null;
  }, { timeoutMs: 20000, everyMs: 200 });
}

/** Opens the popup for a tab (as the toolbar button would for the active tab) and screenshots it. */
async function popupShot(tab, name) {
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 460, height: 600 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${tab}`);
  await popup.locator('ol.steps').waitFor({ timeout: 10000 });
  const text = await popup.locator('main').innerText();
  await popup.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await popup.close();
  return text;
}

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), `build the extension first: scripts/build-extension.sh (${extensionDir})`);
  mkdirSync(shots, { recursive: true });
  const refusingPort = await deadPort(); // nothing ever listens here
  const recoveringPort = await deadPort(); // an app starts here a few seconds into the test
  const restartingPort = await deadPort(); // and here, after the service worker was stopped
  const app502 = await serve((req, res) => html(res, 502, APP_502));
  let busyAnswers = 0;
  const busy = await serve((req, res) => {
    busyAnswers += 1;
    if (busyAnswers <= 3) html(res, 503, '<html><body><h1>Busy, come back soon</h1></body></html>', { 'retry-after': String(RETRY_AFTER_S) });
    else html(res, 200, WELCOME);
  });
  const xml = await serve((req, res) => {
    res.writeHead(502); // no Content-Type: the browser sniffs the body
    res.end('<?xml version="1.0" encoding="UTF-8"?>\n<error><code>502</code><message>upstream failed</message></error>\n');
  });
  servers.push(app502, busy, xml);
  lab = await startNginx({
    dead: { upstream: refusingPort },
    app502: { upstream: app502.address().port },
    recovering: { upstream: recoveringPort },
    restarting: { upstream: restartingPort },
    busy: { upstream: busy.address().port },
    healthy: { healthy: true },
  });
  lab.recoveringPort = recoveringPort;
  lab.restartingPort = restartingPort;
  lab.xmlPort = xml.address().port;
  browser = await launchChromium({ extensionDir });
});

after(async () => {
  await browser?.context.close();
  lab?.stop();
  for (const server of servers) server.close();
});

describe('Gateway Doctor in Chromium', () => {
  test('nginx before a dead upstream: badge, panel and popup name nginx and the failed hop', async () => {
    const page = await browser.context.newPage();
    const url = lab.url('dead', '/checkout');
    const response = await page.goto(url);
    assert.equal(response.status(), 502);
    const tab = await tabIdOf(browser.worker, url);

    const panel = page.locator('#gwdoctor-panel');
    await panel.locator('.headline').waitFor({ timeout: 15000 });
    assert.match(await panel.locator('.headline').innerText(), /^nginx could not get an answer from the app behind it/);
    assert.match(await panel.locator('.chain').innerText(), /You → nginx ✕ app/);
    assert.match(await panel.locator('.doing').innerText(), /Trying again (in \d+ s|now)/);
    await until('the badge', async () => (await badgeOf(tab)) === '502');

    const view = await viewOf(tab);
    assert.equal(view.verdict.generator.vendor, 'nginx');
    assert.deepEqual(view.verdict.failed_hop, { from: 'nginx', to: 'upstream', cause: view.verdict.failed_hop.cause });
    assert.deepEqual(view.chain.nodes.map((n) => n.label), ['You', 'nginx', 'app']);
    assert.equal(view.chain.broken_link, 1);
    assert.equal(view.whose, 'site');

    // Let one probe go by (it is the cache-bypass check), then capture the page and the popup.
    await until('the cache-bypass check', async () => (await viewOf(tab)).steps[1].state === 'done', { timeoutMs: 15000 });
    await page.screenshot({ path: join(shots, 'panel-nginx-dead-upstream.png') });
    const popup = await popupShot(tab, 'popup-nginx-dead-upstream');
    assert.match(popup, /Produced by nginx 1\.22\.1 \(proxy\)/);
    assert.match(popup, /got 502 too: the error is live/);
    assert.match(popup, /No vantage point is configured/);
    assert.match(popup, /native host is not installed/);
    assert.doesNotMatch(popup, /clear within minutes: retry/, 'the checklist retries: not also a to-do for the visitor');
    assert.match(popup, /What you can do[\s\S]*another vantage point should confirm/i);

    // Stop: no request after it.
    await panel.locator('button.stop').click();
    await until('the stop', async () => !(await viewOf(tab)).can_stop);
    const stopped = await viewOf(tab);
    assert.match(stopped.doing, /^Stopped after \d+ tr(y|ies)/);
    await sleep(3 * MIN_DELAY_MS);
    const requests = lab.log('dead').filter((r) => r.uri.startsWith('/checkout'));
    assert.equal(requests.length, 1 + stopped.attempts.length, 'the page load, then exactly the probes the core recorded');
    assert.ok(requests[1].uri.includes('_gwd='), `the first probe skips caches: ${requests[1].uri}`);
    await page.close();
  });

  test("an app's own 502 passed through nginx: generator origin", async () => {
    const page = await browser.context.newPage();
    const url = lab.url('app502', '/pay');
    await page.goto(url);
    const tab = await tabIdOf(browser.worker, url);
    const panel = page.locator('#gwdoctor-panel');
    await panel.locator('.headline').waitFor({ timeout: 15000 });
    assert.match(await panel.locator('.headline').innerText(), /The site's app failed and sent its own error page/);
    const view = await viewOf(tab);
    assert.equal(view.verdict.generator.vendor, 'origin');
    assert.equal(view.verdict.failed_hop.cause, 'app-error');
    assert.equal(view.chain.failed_node, view.chain.nodes.length - 1);
    await page.screenshot({ path: join(shots, 'panel-app-own-502.png') });
    const popup = await popupShot(tab, 'popup-app-own-502');
    assert.match(popup, /Produced by the application itself/);
    // Dismissed, the panel stays away while the checklist keeps rendering every second.
    await panel.getByRole('button', { name: 'Dismiss' }).click();
    assert.equal(await page.locator('#gwdoctor-panel').count(), 0);
    await sleep(2 * MIN_DELAY_MS);
    assert.equal(await page.locator('#gwdoctor-panel').count(), 0);
    assert.ok((await viewOf(tab)).can_stop, 'dismissing does not stop the checklist');
    await page.close();
  });

  test('the upstream comes back: the tab reloads by itself, within the backoff schedule', async () => {
    const page = await browser.context.newPage();
    const url = lab.url('recovering', '/');
    const loaded = Date.now();
    await page.goto(url);
    await page.locator('#gwdoctor-panel .headline').waitFor({ timeout: 15000 });
    // The app comes back only after two probes failed, a few seconds in.
    await until('two failed probes', () => lab.log('recovering').filter((r) => r.mode !== 'navigate').length >= 2, { timeoutMs: 30000 });
    const app = await serve((req, res) => html(res, 200, WELCOME), lab.recoveringPort);
    servers.push(app);
    const cameBack = Date.now();
    await page.getByText('Welcome back to the shop').waitFor({ timeout: 60000 });
    assert.equal(await page.locator('#gwdoctor-panel').count(), 0, 'no panel on the real page');
    const tab = await tabIdOf(browser.worker, url);
    await until('the badge to clear', async () => (await badgeOf(tab)) === '');
    assert.equal(await viewOf(tab), null);

    const log = lab.log('recovering');
    const navigations = log.filter((r) => r.mode === 'navigate');
    const probes = log.filter((r) => r.mode !== 'navigate');
    assert.deepEqual(navigations.map((r) => r.status), [502, 200], 'the failed load, then the reload by the extension');
    assert.ok(probes.length >= 1 && probes.at(-1).status === 200, 'a probe saw the app first');
    assert.ok(probes.slice(0, -1).every((r) => r.status === 502));
    // Never faster than the schedule: each request at least the shortest pause after the previous.
    const times = log.map((r) => r.at);
    for (let i = 1; i < times.length - 1; i++) {
      assert.ok(times[i] - times[i - 1] >= MIN_DELAY_MS - 5, `request ${i} came ${times[i] - times[i - 1]} ms after the previous`);
    }
    const span = times.at(-2) - times[0];
    assert.ok(probes.length <= 1 + Math.floor(span / MIN_DELAY_MS), `${probes.length} probes in ${span} ms`);
    console.log(`recovering: app back ${cameBack - loaded} ms after the load; ${probes.length} probes; reload ${navigations[1].at - navigations[0].at} ms after the error`);
    await page.close();
  });

  test('the service worker is stopped mid-checklist: the next one carries on from the saved state', async () => {
    const page = await browser.context.newPage();
    const url = lab.url('restarting', '/cart');
    await page.goto(url);
    await page.locator('#gwdoctor-panel .headline').waitFor({ timeout: 15000 });
    const tab = await tabIdOf(browser.worker, url);
    const before = await until('a failed probe', async () => {
      const view = await viewOf(tab);
      return view?.attempts.length >= 1 && view;
    }, { timeoutMs: 20000 });

    await stopServiceWorker(page);
    const after = await viewOf(tab);
    assert.ok(after, 'the restarted worker knows the tab');
    assert.equal(after.started_at_ms, before.started_at_ms, 'the same checklist, not a new one');
    assert.ok(after.attempts.length >= before.attempts.length);
    assert.deepEqual(after.verdict, before.verdict);

    const app = await serve((req, res) => html(res, 200, WELCOME), lab.restartingPort);
    servers.push(app);
    await page.getByText('Welcome back to the shop').waitFor({ timeout: 60000 });
    await until('the checklist to end', async () => (await viewOf(tab)) === null);
    const navigations = lab.log('restarting').filter((r) => r.mode === 'navigate');
    assert.deepEqual(navigations.map((r) => r.status), [502, 200], 'the failed load, then the reload by the restarted worker');
    await page.close();
  });

  test('Retry-After is honoured, measured from the gateway log', async () => {
    const page = await browser.context.newPage();
    const url = lab.url('busy', '/');
    await page.goto(url);
    await page.getByText('Welcome back to the shop').waitFor({ timeout: 60000 });
    const log = lab.log('busy');
    assert.deepEqual(log.map((r) => r.status), [503, 503, 503, 200, 200]);
    assert.deepEqual(log.map((r) => r.mode === 'navigate'), [true, false, false, false, true]);
    for (let i = 1; i <= 3; i++) {
      const gap = log[i].at - log[i - 1].at;
      assert.ok(gap >= RETRY_AFTER_S * 1000, `request ${i} came ${gap} ms after a Retry-After: ${RETRY_AFTER_S}`);
    }
    console.log(`retry-after: gaps ${[1, 2, 3].map((i) => log[i].at - log[i - 1].at).join(', ')} ms`);
    await page.close();
  });

  test('an error page the browser reads as XML gets the panel too', async () => {
    const page = await browser.context.newPage();
    // No Content-Type and a body that starts with `<?xml`: Chromium makes an XML document of it.
    const url = `http://127.0.0.1:${lab.xmlPort}/`;
    await page.goto(url);
    assert.equal(await page.evaluate(() => document.constructor.name), 'XMLDocument');
    const headline = await until('the panel in the XML document', () => page.evaluate(
      () => document.getElementById('gwdoctor-panel')?.shadowRoot?.querySelector('.headline')?.textContent,
    ), { timeoutMs: 15000 });
    assert.match(headline, /./);
    await page.screenshot({ path: join(shots, 'panel-xml-document.png') });
    await page.close();
  });

  // A figure, not an assertion: from navigation start to the panel's headline on the error page,
  // with the service worker running and with it stopped before each navigation (so the page's
  // events start a cold one).
  test('how soon the panel shows, warm and cold service worker', async () => {
    const figures = [];
    for (const cold of [false, true]) {
      const ms = [];
      for (let i = 0; i < 5; i++) {
        const page = await browser.context.newPage();
        await page.addInitScript(() => {
          const seen = () => {
            if (document.getElementById('gwdoctor-panel')?.shadowRoot?.querySelector('.headline')) {
              globalThis.gwdoctorPanelAt ??= performance.now();
            } else requestAnimationFrame(seen);
          };
          requestAnimationFrame(seen);
          new MutationObserver(seen).observe(document, { childList: true, subtree: true });
        });
        if (cold) await closeServiceWorker(page);
        await page.goto(lab.url('dead', `/${cold ? 'cold' : 'warm'}/${i}`));
        ms.push(await until('the panel', () => page.evaluate(() => globalThis.gwdoctorPanelAt), { timeoutMs: 15000, everyMs: 20 }));
        if (cold) await nextServiceWorker();
        await page.close();
      }
      ms.sort((a, b) => a - b);
      figures.push(`${cold ? 'cold' : 'warm'} median ${ms[2].toFixed(0)} ms, max ${ms[4].toFixed(0)} ms`);
    }
    console.log(`panel after navigation start, 5 loads each: ${figures.join('; ')}`);
  });

  test('a healthy page: no badge, no panel, no extra request', async () => {
    const page = await browser.context.newPage();
    const url = lab.url('healthy', '/fine');
    await page.goto(url);
    await page.getByText('All good here').waitFor();
    const tab = await tabIdOf(browser.worker, url);
    // Longer than the first pause of a checklist: a probe would have come by now.
    await sleep(3 * MIN_DELAY_MS);
    assert.equal(await page.locator('#gwdoctor-panel').count(), 0);
    assert.equal(await badgeOf(tab), '');
    assert.equal(await viewOf(tab), null);
    assert.deepEqual(lab.log('healthy').map((r) => [r.uri, r.mode]), [['/fine', 'navigate']]);
    await page.close();
  });

  test('a refused connection (no gateway at all): the network-error path', async () => {
    const page = await browser.context.newPage();
    const url = `http://127.0.0.1:${await deadPort()}/`;
    await assert.rejects(page.goto(url), /ERR_CONNECTION_REFUSED/);
    const tab = await until('the tab', () => browser.worker.evaluate(
      async (u) => (await chrome.tabs.query({})).find((t) => t.url === u || t.pendingUrl === u)?.id, url,
    ));
    const view = await until('the verdict', () => viewOf(tab), { timeoutMs: 15000 });
    assert.equal(view.verdict.status, null);
    assert.equal(view.verdict.category, 'origin-down');
    assert.deepEqual(view.verdict.failed_hop, { from: 'you', to: '127.0.0.1', cause: 'connection-refused' });
    assert.equal(view.whose, 'unclear');
    assert.deepEqual(view.chain.nodes.map((n) => n.label), ['You', '127.0.0.1']);
    assert.equal(view.steps[1].state, 'skipped', 'no cache is involved');
    await until('the badge', async () => (await badgeOf(tab)) === 'ERR');
    const popup = await popupShot(tab, 'popup-connection-refused');
    assert.match(popup, /your browser could not reach the site/i);
    await page.close();
    await until('the checklist to end with the tab', async () => (await viewOf(tab)) === null);
  });
});
