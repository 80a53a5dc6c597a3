// End-to-end: "down for everyone?" with a real vantage point. The options page (checked by the
// wasm core) gets the address of a real checker (`gwdoctor serve --allow-private` on 127.0.0.1),
// and the checklist of a failing page asks it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { deadPort, here, launchChromium, root, startChecker, startNginx, tabIdOf, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-chromium');
const hostBinary = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'gwdoctor');

let browser;
let lab;
let checker;
let checkerUrl;

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), 'build the extension first: scripts/build-extension.sh');
  assert.ok(existsSync(hostBinary), `build gwdoctor first: cargo build -p gwdoctor (${hostBinary})`);
  lab = await startNginx({ dead: { upstream: await deadPort() } });
  checker = await startChecker(hostBinary);
  checkerUrl = checker.url.replace(/\/$/, '');
  browser = await launchChromium({ extensionDir });
});

after(async () => {
  await browser?.context.close();
  checker?.stop();
  lab?.stop();
});

test('the options page refuses a bad address and saves a checker', async () => {
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
  const vantage = options.locator('textarea[name=vantage_points]');
  await vantage.waitFor();
  await vantage.fill('ftp://checker.example');
  await options.getByRole('button', { name: 'Save' }).click();
  await until('the refusal', async () => (await options.locator('#result').innerText()).startsWith('Not saved'));
  assert.match(await options.locator('#result').innerText(), /vantage_points: `ftp:\/\/checker\.example` is not an http/);

  await vantage.fill(`${checkerUrl}/`);
  await options.getByRole('button', { name: 'Save' }).click();
  await until('the save', async () => (await options.locator('#result').innerText()) === 'Saved.');
  assert.equal(await vantage.inputValue(), checkerUrl, 'normalized by the core');
  await options.screenshot({ path: join(here, 'screenshots', 'options.png'), fullPage: true });
  await options.close();
});

test('a failing page: the checker confirms it is down for everyone', async () => {
  const page = await browser.context.newPage();
  const url = lab.url('dead', '/everyone');
  await page.goto(url);
  const tab = await tabIdOf(browser.worker, url);
  const step = await until('the vantage answer', async () => {
    const view = await browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab);
    const vantage = view?.steps.find((s) => s.id === 'check-elsewhere');
    return vantage && vantage.state !== 'running' ? { vantage, view } : null;
  }, { timeoutMs: 30000 });
  assert.equal(step.vantage.state, 'done', step.vantage.detail);
  assert.match(step.vantage.detail, /^Down for everyone: 1 of 1 vantage points see the error too\./);
  assert.equal(step.view.whose, 'site');
  assert.match(step.view.whose_text, /down for everyone/);
  // The checker probed the page itself: nginx saw a request that is neither the page nor a probe.
  assert.ok(lab.log('dead').some((r) => r.uri === '/everyone' && r.mode === '-'), JSON.stringify(lab.log('dead')));
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 460, height: 600 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html?tab=${tab}`);
  await popup.locator('ol.steps').waitFor();
  await popup.screenshot({ path: join(here, 'screenshots', 'popup-down-for-everyone.png'), fullPage: true });
  await popup.close();
  await page.close();
});
