// Firefox smoke test: firefox-esr (apt) headless under web-ext loads the Firefox build of the
// extension, which detects nginx's 502 before a dead upstream and classifies it. The page is read
// through WebDriver BiDi (Firefox's own remote protocol); nginx's access log shows the probe.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';

import { deadPort, freePort, here, root, startNginx, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-firefox');
let lab;
let firefox;
let bidi;
let firefoxOutput = ''; // web-ext's and Firefox's own output, shown when a test fails

/** A minimal WebDriver BiDi client: send a command, get its result. */
function connectBidi(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const waiting = new Map();
    let next = 0;
    socket.on('message', (data) => {
      const message = JSON.parse(data);
      const pending = waiting.get(message.id);
      if (!pending) return;
      waiting.delete(message.id);
      if (message.type === 'error') pending.reject(new Error(`${message.error}: ${message.message}`));
      else pending.resolve(message.result);
    });
    socket.on('error', reject);
    socket.on('open', () => resolve({
      send(method, params = {}) {
        next += 1;
        const id = next;
        socket.send(JSON.stringify({ id, method, params }));
        return new Promise((res, rej) => {
          waiting.set(id, { resolve: res, reject: rej });
          setTimeout(() => { if (waiting.delete(id)) rej(new Error(`${method}: no answer in 30 s`)); }, 30000);
        });
      },
      close: () => socket.close(),
    }));
  });
}

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), 'build the extension first: scripts/build-extension.sh');
  lab = await startNginx({ dead: { upstream: await deadPort() } });
  const bidiPort = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'gwdoctor-e2e-firefox-'));
  mkdirSync(join(home, '.cache'), { recursive: true });
  firefox = spawn(join(here, 'node_modules', '.bin', 'web-ext'), [
    'run', '--target', 'firefox-desktop', '--firefox', '/usr/bin/firefox-esr', '--source-dir', extensionDir,
    '--arg=--headless', `--arg=--remote-debugging-port=${bidiPort}`, '--no-reload', '--no-input',
  ], { env: { ...process.env, MOZ_HEADLESS: '1', HOME: home, XDG_CACHE_HOME: join(home, '.cache') }, detached: true });
  firefox.stdout.on('data', (d) => { firefoxOutput += d; });
  firefox.stderr.on('data', (d) => { firefoxOutput += d; });
  await until('web-ext to install the add-on', () => /Installed .* as a temporary add-on/.test(firefoxOutput) || (firefox.exitCode !== null && Promise.reject(new Error(firefoxOutput))), { timeoutMs: 60000, everyMs: 250 });
  bidi = await until('Firefox remote protocol', () => connectBidi(`ws://127.0.0.1:${bidiPort}/session`).catch(() => null), { timeoutMs: 20000, everyMs: 250 });
  await bidi.send('session.new', { capabilities: {} });
});

after(() => {
  bidi?.close();
  if (firefox?.pid) {
    try { process.kill(-firefox.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  lab?.stop();
});

test('web-ext lint: no errors, no warnings', () => {
  const report = JSON.parse(execFileSync(join(here, 'node_modules', '.bin', 'web-ext'),
    ['lint', '--source-dir', extensionDir, '--output', 'json', '--no-input'], { encoding: 'utf8' }));
  const problems = [...report.errors, ...report.warnings].map((m) => `${m.code}: ${m.message}`);
  assert.deepEqual(problems, []);
});

test('Firefox: the extension loads, detects a 502 from nginx and classifies it', async () => {
  const { contexts } = await bidi.send('browsingContext.getTree', {});
  const context = contexts[0].context;
  const url = lab.url('dead', '/firefox');
  await bidi.send('browsingContext.navigate', { context, url, wait: 'complete' });
  const read = async (selector) => {
    const { result } = await bidi.send('script.evaluate', {
      expression: `document.getElementById('gwdoctor-panel')?.shadowRoot?.querySelector('${selector}')?.textContent ?? null`,
      target: { context },
      awaitPromise: false,
    });
    return result.value ?? null;
  };
  const seen = [];
  const t0 = Date.now();
  await until('the in-page panel to name nginx', async () => {
    const headline = await read('.headline');
    if (headline && seen.at(-1)?.headline !== headline) seen.push({ at: Date.now() - t0, headline });
    return headline === 'nginx could not get an answer from the app behind it: the page does not say why.';
  }, { timeoutMs: 30000, everyMs: 250 }).catch((e) => {
    throw new Error(`${e.message}; seen: ${JSON.stringify(seen)}; Firefox said: ${firefoxOutput.slice(-3000)}`);
  });
  console.log(`firefox: headlines ${JSON.stringify(seen)}`);
  assert.equal(await read('.chain'), 'You → nginx ✕ app');
  // The checklist runs: the first probe, skipping caches, reaches nginx.
  const probe = await until('the first probe', () => lab.log('dead').find((r) => r.uri.includes('_gwd=')), { timeoutMs: 30000 });
  assert.equal(probe.status, 502);
});
