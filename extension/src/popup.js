// The toolbar popup: the verdict and the checklist of the current tab (or of `?tab=<id>`), as the
// service worker's wasm core describes them; updates live while the checklist runs.
const api = globalThis.browser ?? globalThis.chrome;
const app = document.getElementById('app');
const ICONS = { done: '✔', failed: '✘', running: '⟳', pending: '…', skipped: '–' };

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function chain(view) {
  const { nodes, broken_link: broken, failed_node: failed, page_from: pageFrom } = view.chain;
  const row = el('div', { class: 'chain', 'aria-label': 'delivery chain' });
  nodes.forEach((node, i) => {
    const classes = ['node', i === failed ? 'failed' : '', i === pageFrom ? 'page' : ''].join(' ').trim();
    row.append(el('div', { class: classes, title: node.role }, [el('b', { text: node.label }), el('small', { text: node.role })]));
    if (i < nodes.length - 1) {
      row.append(el('span', { class: i === broken ? 'link broken' : 'link', text: i === broken ? '✕' : '→' }));
    }
  });
  const legend = [];
  if (broken !== null && broken !== undefined) legend.push(`✕ marks the failed hop: ${nodes[broken].label} → ${nodes[broken + 1].label}.`);
  if (failed !== null && failed !== undefined) legend.push(`${nodes[failed].label} failed itself.`);
  if (pageFrom !== null && pageFrom !== undefined) legend.push(`The error page came from ${nodes[pageFrom].label}.`);
  return [row, el('p', { class: 'legend', text: legend.join(' ') })];
}

function render(tab, view) {
  if (!view) {
    app.replaceChildren(
      el('h1', { text: 'Gateway Doctor' }),
      el('p', { class: 'quiet', text: 'Nothing wrong with this page: no gateway error seen.' }),
      el('footer', {}, [el('a', { href: 'options.html', target: '_blank', text: 'Options' })]),
    );
    return;
  }
  const { verdict } = view;
  const generator = verdict.generator
    ? `Produced by ${verdict.generator.vendor}${verdict.generator.version ? ` ${verdict.generator.version}` : ''} (${verdict.generator.role}) · confidence ${Math.round(verdict.confidence * 100)} %`
    : 'No response arrived: your browser could not reach the site.';
  const stop = el('button', { text: 'Stop' });
  stop.addEventListener('click', async () => render(tab, await api.runtime.sendMessage({ type: 'gwdoctor:stop', tab })));
  const doing = el('div', { class: 'doing' }, [el('span', { text: view.doing })]);
  if (view.can_stop) doing.append(stop);
  app.replaceChildren(
    el('h1', {}, [el('span', { class: `status ${view.whose}`, text: view.badge.text }), el('span', { text: verdict.category.replaceAll('-', ' ') })]),
    el('p', { class: 'generator', text: generator }),
    el('p', { class: 'headline', text: view.headline }),
    el('p', { class: 'whose', text: view.whose_text }),
    ...chain(view),
    doing,
    el('h2', { text: 'Checklist' }),
    el('ol', { class: 'steps' }, view.steps.map((step) => el('li', { class: step.state, 'data-step': step.id }, [
      el('span', { class: 'icon', text: ICONS[step.state] ?? '' }),
      el('span', { class: 'title', text: step.title }),
      el('span', { class: 'detail', text: step.detail }),
    ]))),
    el('h2', { text: 'Evidence' }),
    el('ul', { class: 'evidence' }, verdict.evidence.map((e) => el('li', {}, [el('code', { text: e.source }), ` ${e.detail}`]))),
    ...(view.advice.length ? [
      el('h2', { text: 'What you can do' }),
      el('ol', { class: 'advice' }, view.advice.map((a) => el('li', {}, [el('b', { text: a.step }), ` — ${a.why}`]))),
    ] : []),
    el('footer', {}, [el('span', { text: view.url }), el('a', { href: 'options.html', target: '_blank', text: 'Options' })]),
  );
}

async function main() {
  const asked = new URLSearchParams(location.search).get('tab');
  const tab = asked !== null ? Number(asked) : (await api.tabs.query({ active: true, currentWindow: true }))[0]?.id;
  if (tab === undefined) return render(tab, null);
  api.runtime.onMessage.addListener((message) => {
    if (message?.type === 'gwdoctor:view' && message.tab === tab) render(tab, message.view);
  });
  render(tab, await api.runtime.sendMessage({ type: 'gwdoctor:get-view', tab }));
}

main();
