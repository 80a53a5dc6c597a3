// End-to-end: the extension in headless Chromium talks to the real native host (`gwdoctor`,
// built by `cargo build -p gwdoctor`) through native messaging, and the checklist's hop-by-hop
// step uses it. The host manifest goes where Chromium looks with a custom profile:
// <user-data-dir>/NativeMessagingHosts/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { deadPort, launchChromium, root, startNginx, tabIdOf, until } from './lab.js';

const extensionDir = join(root, 'dist', 'extension-chromium');
const HOST = 'org.gatewaydoctor.gwdoctor';
const EXTENSION_ID = 'enjiaocbljlknocfdgmaigokkjebgldn'; // fixed by the manifest's "key"
const hostBinary = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'gwdoctor');

let browser;
let lab;

before(async () => {
  assert.ok(existsSync(join(extensionDir, 'manifest.json')), 'build the extension first: scripts/build-extension.sh');
  assert.ok(existsSync(hostBinary), `build the host first: cargo build -p gwdoctor (${hostBinary})`);
  lab = await startNginx({ dead: { upstream: await deadPort() } });
  browser = await launchChromium({
    extensionDir,
    setup(profile) {
      const dir = join(profile, 'NativeMessagingHosts');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${HOST}.json`), JSON.stringify({
        name: HOST,
        description: 'Gateway Doctor native host (e2e test)',
        path: hostBinary,
        type: 'stdio',
        allowed_origins: [`chrome-extension://${EXTENSION_ID}/`],
      }));
    },
  });
});

after(async () => {
  await browser?.context.close();
  lab?.stop();
});

test('the extension id is the one the host allows', () => {
  assert.equal(browser.extensionId, EXTENSION_ID);
});

test('a message from the service worker to gwdoctor and back (sendNativeMessage and connectNative)', async () => {
  const reply = await browser.worker.evaluate(
    (host) => chrome.runtime.sendNativeMessage(host, { v: 1, id: 'e2e-1', cmd: 'ping' }),
    HOST,
  );
  assert.equal(reply.ok, true, JSON.stringify(reply));
  assert.equal(reply.id, 'e2e-1');
  assert.equal(reply.result.host, 'gwdoctor');
  assert.equal(reply.result.caller, `chrome-extension://${EXTENSION_ID}/`);

  const viaPort = await browser.worker.evaluate((host) => new Promise((resolve, reject) => {
    const port = chrome.runtime.connectNative(host);
    const timer = setTimeout(() => reject(new Error('no answer on the port within 10 s')), 10000);
    port.onMessage.addListener((message) => {
      clearTimeout(timer);
      port.disconnect();
      resolve(message);
    });
    port.onDisconnect.addListener(() => reject(new Error(chrome.runtime.lastError?.message ?? 'disconnected')));
    port.postMessage({ v: 1, id: 2, cmd: 'classify', args: { status: 502, headers: [['server', 'nginx/1.22.1']], body: '<hr><center>nginx/1.22.1</center>' } });
  }), HOST);
  assert.equal(viaPort.id, 2);
  assert.equal(viaPort.result.generator.vendor, 'nginx');
});

test("the checklist's hop-by-hop step asks the host, which sees the 502 too", async () => {
  const page = await browser.context.newPage();
  const url = lab.url('dead', '/');
  await page.goto(url);
  const tab = await tabIdOf(browser.worker, url);
  const step = await until('the native step', async () => {
    const view = await browser.worker.evaluate((t) => globalThis.gwdoctor.view(t), tab);
    const native = view?.steps.find((s) => s.id === 'native-probe');
    return native?.state === 'done' || native?.state === 'failed' ? native : null;
  }, { timeoutMs: 30000 });
  assert.equal(step.state, 'done', step.detail);
  assert.match(step.detail, /^Outside the browser it fails too: nginx/);
  await page.close();
});
