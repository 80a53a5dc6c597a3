// The checker page: asks this server's API for a verdict and shows it. Every sentence — summary,
// producer, chain, failed hop, retry, advice, problems — comes from the same wasm core the
// extension runs (verdictView, checkerProblem): this file only lays them out. Everything that came from the checked site
// (headers, page text in the evidence, URLs) is inserted as text, never as markup.

const $ = (id) => document.getElementById(id);

const engine = import('./wasm/gwdoctor_wasm.js').then(async (wasm) => {
  await wasm.default();
  return wasm;
});

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
    const asks = [];
    if (peers.length > 0) asks.push(`${peers.length} other vantage point${peers.length > 1 ? 's' : ''} (${peers.join(', ')})`);
    if (info.globalping_places > 0) {
      asks.push(`${info.globalping_places} places worldwide (the address you check is sent to Globalping)`);
    }
    if (asks.length > 0) {
      $('fanout-label').textContent = `Also ask ${asks.join(' and ')}`;
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
      problem((await engine).checkerProblem(code, message));
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
  let view;
  try {
    view = (await engine).verdictView(verdict, 'checker');
  } catch (e) {
    problem(`The page's engine (WebAssembly) did not load, so the verdict cannot be shown: ${e?.message ?? e}`);
    return;
  }
  $('headline-status').textContent = [verdict.status ?? 'no answer', view.category].join(' · ');
  const points = verdict.vantage_points;
  // With no peer the sum of one vantage point says no more than this checker's own standing.
  const peersAsked = (points?.results?.length ?? 0) > 1;
  const headline = peersAsked ? points.summary : view.standing;
  $('headline').textContent = headline.charAt(0).toUpperCase() + headline.slice(1);
  $('summary').textContent = view.summary;
  $('produced-by').textContent = view.produced_by ? `Produced by ${view.produced_by}` : '';
  const when = verdict.checked_at ? new Date(verdict.checked_at * 1000).toLocaleTimeString() : '';
  const cached = ageSeconds > 0 ? ` (result ${ageSeconds} s old)` : '';
  $('checked-url').textContent = `${verdict.url ?? verdict.requested_url} — checked from ${verdict.vantage} at ${when}${cached}`;

  renderVantage(peersAsked ? points : null);
  renderWorld(verdict.world, verdict.world_error);
  renderChain(view);
  renderList($('advice'), view.advice, (item) => {
    const parts = [el('strong', null, item.title), el('span', 'why', ` — ${item.why}`)];
    if (item.link) {
      // Opened only when clicked: nothing is requested from the archive before.
      const link = el('a', null, item.link);
      link.href = item.link;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      parts.push(el('span', null, ' '), link);
    }
    return parts;
  });
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

function renderChain(view) {
  const { chain } = view;
  // Each link travels with the node after it, so a narrow screen never leaves a ✗ alone on a line.
  $('chain').replaceChildren(...chain.nodes.map((node, i) => {
    const hop = el('li', 'hop');
    if (i > 0) {
      const broken = chain.broken_link === i - 1;
      const link = el('span', broken ? 'link broken' : 'link', broken ? '✗' : '→');
      link.setAttribute('aria-label', broken ? 'this hop failed' : 'then');
      hop.append(link);
    }
    const item = el('div', 'node');
    if (chain.failed_node === i) item.classList.add('failed');
    item.append(el('span', 'label', node.label), el('span', 'role', node.role));
    if (chain.page_from === i) item.classList.add('page');
    hop.append(item);
    return hop;
  }));
  $('failed-hop').textContent = [view.failed_hop && `Failed hop: ${view.failed_hop}.`, view.page_from].filter(Boolean).join(' ');
  $('retry').textContent = view.retry ? `Retry: ${view.retry}` : '';
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

/** The world view the checker's core wrote (every sentence is its), places grouped by country. */
function renderWorld(world, failure) {
  show('world', Boolean(world || failure));
  if (!world && !failure) return;
  $('world-summary').textContent = world ? world.summary : `No answer from around the world: ${failure.message}`;
  renderList($('world-outliers'), world?.outliers ?? [], (outlier) => [el('span', null, outlier)]);
  const byCountry = new Map();
  for (const place of world?.places ?? []) {
    const country = place.country ?? '—';
    if (!byCountry.has(country)) byCountry.set(country, []);
    byCountry.get(country).push(place);
  }
  $('world-places').replaceChildren(...[...byCountry].flatMap(([country, places]) => {
    const list = el('ul');
    renderList(list, places, (place) => {
      const state = place.down === true ? 'down' : place.down === false ? 'up' : 'no-answer';
      const words = { 'no-answer': 'no answer', down: 'down', up: 'up' }[state];
      return [el('span', `pill ${state}`, words), el('strong', null, ` ${place.place}`), el('span', 'muted', ` ${place.label}`)];
    });
    return [el('h4', null, country), list];
  }));
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
