// The checker page: asks this server's API for a verdict and shows it. The chain is laid out by
// the same wasm core the extension runs (chainView). Everything that came from the checked site
// (headers, page text in the evidence, URLs) is inserted as text, never as markup.

const $ = (id) => document.getElementById(id);

const engine = import('./wasm/gwdoctor_wasm.js').then(async (wasm) => {
  await wasm.default();
  return wasm;
});

const PROBLEM_PREFIX = {
  'invalid-url': 'That is not an address the checker can fetch',
  'forbidden-target': 'The checker will not fetch that address',
  'rate-limited': 'Too many checks from your network',
  busy: 'The checker is busy',
  deadline: 'The check took too long',
};

const CAUSE_WORDS = {
  'connection-refused': 'connection refused',
  timeout: 'timed out',
  'invalid-response': 'invalid response',
  'header-too-large': 'response header too large',
  tls: 'TLS failure',
  dns: 'name did not resolve',
  'app-error': "the application's own error",
  maintenance: 'maintenance',
  overload: 'overloaded',
  unknown: 'cause not shown on the page',
};

/** An element with a class and text (always text: never parsed as markup). */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function show(id, visible) {
  $(id).hidden = !visible;
}

function problem(text) {
  $('problem').textContent = text;
  show('problem', Boolean(text));
}

function status(text) {
  $('status').textContent = text;
}

async function loadVantage() {
  try {
    const response = await fetch('api/v1/vantage');
    if (!response.ok) return;
    const info = await response.json();
    const peers = Array.isArray(info.peers) ? info.peers : [];
    if (peers.length > 0) {
      $('fanout-label').textContent = `Also ask ${peers.length} other vantage point${peers.length > 1 ? 's' : ''} (${peers.join(', ')})`;
      show('fanout-row', true);
    }
  } catch {
    // Without the list, checks simply run from this checker alone.
  }
}

async function check(url) {
  problem('');
  show('result', false);
  if (!url) {
    problem('Paste an address first, for example https://example.com/');
    return;
  }
  const fanout = !$('fanout-row').hidden && $('fanout').checked;
  const query = new URLSearchParams({ url });
  if (fanout) query.set('fanout', '1');
  history.replaceState(null, '', `?${new URLSearchParams({ url })}`);
  $('check').disabled = true;
  status(fanout ? 'Checking from every vantage point…' : 'Checking…');
  try {
    const response = await fetch(`api/v1/check?${query}`);
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok || !body || typeof body.error !== 'boolean') {
      const code = body?.error?.code;
      const message = body?.error?.message ?? `the checker answered ${response.status} without a verdict`;
      status('');
      problem(`${PROBLEM_PREFIX[code] ?? 'No verdict'}: ${message}`);
      return;
    }
    status('');
    await render(body, Number(response.headers.get('age') ?? 0));
  } catch (e) {
    status('');
    problem(`The checker could not be reached: ${e?.message ?? e}`);
  } finally {
    $('check').disabled = false;
  }
}

async function render(verdict, ageSeconds) {
  const down = verdict.error;
  const card = $('verdict-card');
  card.classList.toggle('down', down);
  card.classList.toggle('up', !down);
  $('headline-status').textContent = [verdict.status ?? 'no answer', verdict.category].join(' · ');
  const points = verdict.vantage_points;
  const headline = points?.summary ?? `${down ? 'Down' : 'Up'} from ${verdict.vantage}`;
  $('headline').textContent = headline.charAt(0).toUpperCase() + headline.slice(1);
  $('summary').textContent = verdict.summary ?? '';
  const when = verdict.checked_at ? new Date(verdict.checked_at * 1000).toLocaleTimeString() : '';
  const cached = ageSeconds > 0 ? ` (result ${ageSeconds} s old)` : '';
  $('checked-url').textContent = `${verdict.url ?? verdict.requested_url} — checked from ${verdict.vantage} at ${when}${cached}`;

  renderVantage(points);
  await renderChain(verdict);
  renderList($('advice'), verdict.advice ?? [], (item) => [
    el('strong', null, stepTitle(item.step)),
    el('span', null, ` — ${item.why}`),
  ]);
  renderList($('evidence'), verdict.evidence ?? [], (item) => [
    el('span', 'source', item.source),
    el('span', null, ` ${item.detail}`),
    item.points_to ? el('span', 'points-to', ` → ${item.points_to}`) : el('span'),
  ]);
  renderProbe(verdict.probe ?? {}, verdict.redirects ?? []);
  show('result', true);
}

function renderList(list, items, parts) {
  list.replaceChildren(...items.map((item) => {
    const li = el('li');
    li.append(...parts(item));
    return li;
  }));
}

async function renderChain(verdict) {
  const chain = $('chain');
  chain.replaceChildren();
  let view;
  try {
    const wasm = await engine;
    view = wasm.chainView(verdict, verdict.url ?? verdict.requested_url ?? '');
  } catch (e) {
    problem(`The page's engine (WebAssembly) did not load, so the chain cannot be drawn: ${e?.message ?? e}`);
    return;
  }
  view.nodes.forEach((node, i) => {
    if (i > 0) {
      const broken = view.broken_link === i - 1;
      const link = el('li', broken ? 'link broken' : 'link', broken ? '✗' : '→');
      link.setAttribute('aria-label', broken ? 'this hop failed' : 'then');
      chain.append(link);
    }
    const item = el('li', 'node');
    if (view.failed_node === i) item.classList.add('failed');
    item.append(el('span', 'label', node.label), el('span', 'role', node.role));
    if (view.page_from === i) item.append(el('span', 'tag', 'made the error page'));
    chain.append(item);
  });
  const hop = verdict.failed_hop;
  $('failed-hop').textContent = hop
    ? `Failed hop: ${hop.from} → ${hop.to} (${CAUSE_WORDS[hop.cause] ?? hop.cause})`
    : '';
  const retry = verdict.retry ?? {};
  $('retry').textContent = !verdict.error
    ? ''
    : retry.advised
      ? `Retrying is worth it${retry.after_s ? `, after ${retry.after_s} s` : ''}.`
      : 'Retrying soon is unlikely to help.';
}

function renderVantage(points) {
  show('vantage', Boolean(points));
  if (!points) return;
  $('vantage-title').textContent = points.everyone ? 'Down for everyone we asked' : 'From each vantage point';
  renderList($('vantage-list'), points.results ?? [], (result) => {
    const state = !result.answered ? 'no-answer' : result.down ? 'down' : 'up';
    const words = { 'no-answer': 'no answer', down: 'down', up: 'up' }[state];
    const detail = result.answered
      ? `${result.verdict.status ?? 'no response'} — ${result.verdict.summary ?? ''}`
      : result.detail;
    return [el('span', `pill ${state}`, words), el('strong', null, ` ${result.name}`), el('span', 'muted', ` ${detail}`)];
  });
}

/** `check-elsewhere` → `Check elsewhere`. */
function stepTitle(step) {
  const words = String(step ?? '').replaceAll('-', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function renderProbe(probe, redirects) {
  const attempt = (probe.attempts ?? []).find((a) => a.address === probe.address);
  const rows = [
    ['Address', probe.address],
    ['Server header', attempt?.http?.server],
    ['DNS', ms(probe.timings?.dns_ms)],
    ['Connect', ms(probe.timings?.connect_ms)],
    ['TLS', ms(probe.timings?.tls_ms)],
    ['First byte', ms(probe.timings?.first_byte_ms)],
    ['Total', ms(probe.timings?.total_ms)],
    ['Addresses tried', Array.isArray(probe.attempts) ? probe.attempts.length : null],
  ].filter(([, value]) => value !== null && value !== undefined);
  $('probe').replaceChildren(...rows.flatMap(([name, value]) => [el('dt', null, name), el('dd', null, value)]));
  show('redirects-title', redirects.length > 0);
  renderList($('redirects'), redirects, (r) => [el('span', null, `${r.status} ${r.url} → ${r.location}`)]);
}

function ms(value) {
  return typeof value === 'number' ? `${value.toFixed(1)} ms` : null;
}

$('check-form').addEventListener('submit', (event) => {
  event.preventDefault();
  check($('url').value.trim());
});

loadVantage().then(() => {
  const wanted = new URLSearchParams(location.search).get('url');
  if (wanted) {
    $('url').value = wanted;
    check(wanted.trim());
  }
});
engine.then(() => document.documentElement.setAttribute('data-engine', 'ready'))
  .catch((e) => {
    document.documentElement.setAttribute('data-engine', 'failed');
    problem(`The page's engine (WebAssembly) did not load: ${e?.message ?? e}`);
  });
