// The response corpus (tests/corpus/*/index.toml) as a browser or a scanner can be served it:
// shared by the Chromium replay test and the peers comparison (tests/peers/).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

import { root } from './lab.js';

export const corpusDir = join(root, 'tests', 'corpus');

// Headers the replay server sets itself: the corpus keeps what the source showed (lengths of
// bodies the source truncated, encodings of bodies it printed decoded).
const FRAMING = new Set(['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive']);
// Headers that would send the browser to another address (the site the source captured): a
// replay stays on 127.0.0.1. Signatures read neither.
const ELSEWHERE = new Set(['location', 'refresh', 'content-location', 'link', 'alt-svc']);

/** Every case file of the corpus, as `group/file`. */
export function cases() {
  const found = [];
  for (const group of readdirSync(corpusDir).sort()) {
    const index = join(corpusDir, group, 'index.toml');
    if (!existsSync(index)) continue;
    for (const [, file] of readFileSync(index, 'utf8').matchAll(/^file = "([^"]+)"$/gm)) found.push(`${group}/${file}`);
  }
  return found;
}

/**
 * The case as one HTTP/1.1 response a browser accepts: the last header block (after `100
 * Continue` or redirects, as `gwdoctor classify` reads it), CRLF line ends, the server's own
 * framing.
 */
export function replayable(raw) {
  let text = raw.toString('latin1');
  for (;;) {
    const end = headEnd(text);
    if (end < 0) break;
    const rest = text.slice(end + blankLength(text, end));
    if (!/^HTTP\/[\d.]+ \d{3}/.test(rest)) break;
    text = rest;
  }
  const end = headEnd(text);
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + blankLength(text, end));
  const [statusLine, ...lines] = head.split(/\r?\n/);
  const [, status, reason] = statusLine.match(/^HTTP\/[\d.]+ (\d{3})(?: (.*))?$/);
  const headers = lines.filter((l) => {
    const name = l.split(':')[0].trim().toLowerCase();
    return l.includes(':') && !FRAMING.has(name) && !ELSEWHERE.has(name);
  });
  // A meta refresh would reload the page, or leave it, over and over: not part of a verdict.
  const bytes = Buffer.from(body.replace(/<meta[^>]*http-equiv=["']?refresh["']?[^>]*>/gi, ''), 'latin1');
  return Buffer.concat([
    Buffer.from([`HTTP/1.1 ${status} ${reason?.trim() || 'Status'}`, ...headers,
      `Content-Length: ${bytes.length}`, 'Connection: close', '', ''].join('\r\n'), 'latin1'),
    bytes,
  ]);
}
const headEnd = (text) => {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
};
const blankLength = (text, end) => (text.startsWith('\r\n\r\n', end) ? 4 : 2);


/**
 * A raw TCP server on 127.0.0.1 that answers `GET <path>` with `responses.get(path)` (bytes) and
 * anything else with 404; `onServe(path)` is called as each answer is written.
 */
export async function replayServer(responses, onServe = () => {}) {
  const server = net.createServer((socket) => {
    let request = '';
    socket.on('data', (chunk) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      const path = (request.split(' ')[1] ?? '/').split('?')[0];
      onServe(path);
      socket.end(responses.get(path) ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
