// The test lab: real nginx on 127.0.0.1 in front of upstreams that misbehave on purpose, each
// scenario on its own port (so the per-site cap and the access logs stay apart), with an access
// log that records when each request arrived ($msec) and whether it was a navigation or a fetch.
// Nothing here listens beyond 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const here = new URL('.', import.meta.url).pathname;
export const root = join(here, '..', '..');

/** A free TCP port on 127.0.0.1, from the OS (port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port on 127.0.0.1 where nothing listens, for an upstream that is down (or starts later). It is
 * outside Linux's ephemeral range (32768–60999), so no server started later on port 0 — a
 * checker, a browser's debugging port — can be given it, as can happen with `freePort`.
 */
export async function deadPort() {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await isFree(port)) return port;
  }
  throw new Error('no free port in 20000–31999 after 50 tries');
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** An HTTP server on 127.0.0.1 answering with `handler`; port 0 unless given. */
export function serve(handler, port = 0) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Polls `check` every `everyMs` until it returns a truthy value; fails after `timeoutMs`. */
export async function until(what, check, { timeoutMs = 30000, everyMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; Date.now() < deadline && round < timeoutMs / everyMs + 1; round++) {
    const value = await check();
    if (value) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find(existsSync) ?? 'nginx';

/**
 * Starts nginx with one server block per site: `{name: {upstream: port} | {healthy: true}}`.
 * Returns `{ports, log(name), stop()}`; `log(name)` parses that site's access log.
 */
export async function startNginx(sites) {
  const dir = mkdtempSync(join(tmpdir(), 'gwdoctor-e2e-nginx-'));
  const ports = {};
  const blocks = [];
  for (const [name, site] of Object.entries(sites)) {
    ports[name] = await freePort();
    const location = site.healthy
      ? `default_type text/html; return 200 '<!doctype html><html><head><title>Healthy</title></head><body><h1>All good here</h1></body></html>';`
      : `proxy_pass http://127.0.0.1:${site.upstream}; proxy_connect_timeout 3s; proxy_read_timeout 5s;`;
    blocks.push(`server {
      listen 127.0.0.1:${ports[name]};
      access_log ${dir}/${name}.log timing;
      location = /favicon.ico { access_log off; return 404; }
      location / { ${location} }
    }`);
  }
  writeFileSync(join(dir, 'nginx.conf'), `
    daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
    events { worker_connections 64; }
    http {
      client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
      uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
      log_format timing '$msec $status "$request_uri" $http_sec_fetch_mode';
      ${blocks.join('\n')}
    }`);
  const child = spawn(nginxBin, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  for (const port of Object.values(ports)) {
    await until(`nginx on ${port} (${stderr.trim()})`, () => new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), { timeoutMs: 10000 });
  }
  return {
    ports,
    url: (name, path = '/') => `http://127.0.0.1:${ports[name]}${path}`,
    /** The site's requests: [{at (ms), status, uri, mode}] in arrival order. */
    log(name) {
      const file = join(dir, `${name}.log`);
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
        const [, msec, status, uri, mode] = line.match(/^(\S+) (\d+) "([^"]*)" (\S*)$/);
        return { at: Math.round(Number(msec) * 1000), status: Number(status), uri, mode };
      });
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}

/** Chromium from apt with the built extension loaded, driven by playwright-core. */
/**
 * A real checker (`gwdoctor serve --allow-private`) on 127.0.0.1 serving the page and the wasm
 * from this checkout. Resolves to `{ url, stop }`, `url` with its trailing slash.
 */
export async function startChecker(gwdoctor) {
  const child = spawn(gwdoctor, ['serve', '--listen', '127.0.0.1:0', '--allow-private',
    '--www', join(root, 'www'), '--wasm', join(root, 'dist', 'wasm')]);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const url = await until('the checker to listen', () => output.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1]
    ?? (child.exitCode !== null && Promise.reject(new Error(output))), { timeoutMs: 20000 });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function launchChromium({ extensionDir, userDataDir, setup } = {}) {
  const { chromium } = await import('playwright-core');
  const profile = userDataDir ?? mkdtempSync(join(tmpdir(), 'gwdoctor-e2e-profile-'));
  setup?.(profile);
  const xdg = mkdtempSync(join(tmpdir(), 'gwdoctor-e2e-xdg-'));
  for (const sub of ['config', 'cache']) mkdirSync(join(xdg, sub), { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1000, height: 640 },
    env: { ...process.env, XDG_CONFIG_HOME: join(xdg, 'config'), XDG_CACHE_HOME: join(xdg, 'cache') },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps',
      // No name resolves but loopback's: nothing a test page names can be reached.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`,
    ],
  });
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 20000 });
  // The worker may exist before its module ran: wait for the core to say it is loaded.
  await until('the service worker to load the wasm core', () => worker.evaluate(
    () => globalThis.gwdoctor?.ready.then(() => true) ?? false,
  ), { timeoutMs: 20000, everyMs: 200 });
  const extensionId = new URL(worker.url()).host;
  return { context, worker, extensionId, profile };
}

/** The browser's id of the tab showing `url`. */
export async function tabIdOf(worker, url) {
  return until(`a tab showing ${url}`, () => worker.evaluate(
    async (u) => (await chrome.tabs.query({ url: u }))[0]?.id,
    url,
  ));
}
