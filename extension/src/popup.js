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
  const legend = [view.failed_hop && `Failed hop: ${view.failed_hop}.`, view.page_from].filter(Boolean);
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
  const stop = el('button', { text: 'Stop' });
  stop.addEventListener('click', async () => render(tab, await api.runtime.sendMessage({ type: 'gwdoctor:stop', tab })));
  // What the checklist does now is its first step's detail: shown once, there, with Stop beside it.
  const step = (s) => el('li', { class: s.state, 'data-step': s.id }, [
    el('span', { class: 'icon', text: ICONS[s.state] ?? '' }),
    el('span', { class: 'title', text: s.title }),
    el('span', { class: 'detail' }, [s.detail, ...(s.id === 'retry' && view.can_stop ? [' ', stop] : [])]),
  ]);
  app.replaceChildren(
    el('h1', {}, [el('span', { class: `status ${view.whose}`, text: view.badge.text }), el('span', { text: view.category })]),
    ...(view.produced_by ? [el('p', { class: 'generator', text: `Produced by ${view.produced_by}` })] : []),
    el('p', { class: 'headline', text: view.summary }),
    el('p', { class: 'whose', text: view.whose_text }),
    ...chain(view),
    el('h2', { text: 'Checklist' }),
    el('ol', { class: 'steps' }, view.steps.map(step)),
    el('h2', { text: 'Evidence' }),
    el('ul', { class: 'evidence' }, verdict.evidence.map((e) => el('li', {}, [el('code', { text: e.source }), ` ${e.detail}`]))),
    ...(view.advice.length ? [
      el('h2', { text: 'What you can do' }),
      el('ol', { class: 'advice' }, view.advice.map((a) => el('li', { 'data-step': a.step }, [
        el('b', { text: a.title }),
        ` — ${a.why}`,
        ...(a.link ? [' ', el('a', { href: a.link, target: '_blank', rel: 'noopener noreferrer', text: a.link })] : []),
      ]))),
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
