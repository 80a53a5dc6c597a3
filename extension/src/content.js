// Gateway Doctor's content script. On an error page only: hands the page's markup to the service
// worker (which classifies it with the wasm core) and shows the small in-page panel it sends back.
// On a healthy page it returns at once and sends nothing.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const MAX_MARKUP = 256 * 1024;
  const status = performance.getEntriesByType('navigation')[0]?.responseStatus ?? 0;
  if (status > 0 && status < 500) return;

  let host = null;
  let dismissed = false;

  // XHTML elements whatever the document: in an XML document (an error page that starts with
  // `<?xml` and has no Content-Type), createElement makes elements of no namespace, which
  // cannot take a shadow root and are not styled.
  const XHTML = 'http://www.w3.org/1999/xhtml';
  function element(tag, attrs = {}, children = []) {
    const node = document.createElementNS(XHTML, tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  function chainLine(chain) {
    const line = element('div', { class: 'chain' });
    chain.nodes.forEach((node, i) => {
      const failed = chain.failed_node === i;
      line.append(element('span', { class: failed ? 'node failed' : 'node', text: node.label, title: node.role }));
      if (i < chain.nodes.length - 1) {
        const broken = chain.broken_link === i;
        line.append(element('span', { class: broken ? 'link broken' : 'link', text: broken ? ' ✕ ' : ' → ' }));
      }
    });
    return line;
  }

  function show(view) {
    if (!view) {
      host?.remove();
      host = null;
      return;
    }
    if (dismissed) return;
    if (!host) {
      host = element('gwdoctor-panel', { id: 'gwdoctor-panel' });
      host.attachShadow({ mode: 'open' });
      document.documentElement.append(host);
    }
    const root = host.shadowRoot;
    const stop = element('button', { class: 'stop', text: 'Stop' });
    stop.addEventListener('click', () => api.runtime.sendMessage({ type: 'gwdoctor:stop' }).then(show));
    const close = element('button', { class: 'close', title: 'Dismiss', 'aria-label': 'Dismiss', text: '×' });
    close.addEventListener('click', () => {
      dismissed = true;
      host.remove();
      host = null;
    });
    const doing = element('p', { class: 'doing' }, [element('span', { text: view.doing })]);
    if (view.can_stop) doing.append(' ', stop);
    root.replaceChildren(
      element('style', { text: STYLE }),
      element('section', { class: `card ${view.whose}`, role: 'status', 'aria-live': 'polite' }, [
        element('header', {}, [
          element('span', { class: 'brand', text: `Gateway Doctor · ${view.badge.text}` }),
          close,
        ]),
        element('p', { class: 'headline', text: view.summary }),
        chainLine(view.chain),
        element('p', { class: 'whose', text: view.whose_text }),
        doing,
        element('p', { class: 'more', text: 'Details: the Gateway Doctor button in the toolbar.' }),
      ]),
    );
  }

  const STYLE = `
    :host { all: initial; }
    .card { position: fixed; right: 16px; bottom: 16px; z-index: 2147483647; box-sizing: border-box;
      width: min(400px, calc(100vw - 32px)); padding: 12px 14px; border-radius: 10px;
      background: #fff; color: #1f2328; border-left: 6px solid #e65100;
      box-shadow: 0 6px 24px rgba(0,0,0,.25); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
    .card.site { border-left-color: #c62828; }
    header { display: flex; justify-content: space-between; align-items: center; }
    .brand { font-size: 12px; font-weight: 600; letter-spacing: .02em; color: #57606a; text-transform: uppercase; }
    p { margin: 6px 0 0; }
    .headline { font-size: 15px; font-weight: 600; }
    .whose, .more { color: #57606a; font-size: 13px; }
    .chain { margin-top: 6px; font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
    .node { padding: 1px 5px; border-radius: 4px; background: #eef1f4; }
    .node.failed { background: #fde7e7; color: #b71c1c; font-weight: 700; }
    .link.broken { color: #c62828; font-weight: 700; }
    .doing { display: flex; align-items: center; justify-content: space-between; gap: 8px;
      padding: 6px 8px; border-radius: 6px; background: #f6f8fa; font-weight: 500; }
    button { font: inherit; cursor: pointer; }
    .stop { padding: 3px 12px; border: 1px solid #c62828; border-radius: 6px; background: #fff; color: #c62828; font-weight: 600; }
    .stop:hover { background: #fdecea; }
    .close { border: 0; background: none; font-size: 20px; line-height: 1; color: #57606a; padding: 0 2px; }
  `;

  const html = document.documentElement.outerHTML.slice(0, MAX_MARKUP);
  api.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    if (message?.type === 'gwdoctor:view') show(message.view);
    // The worker asks again when this script's first message did not reach it.
    if (message?.type === 'gwdoctor:markup') sendResponse({ url: location.href, status, html });
    return false;
  });
  api.runtime.sendMessage({ type: 'gwdoctor:page', status, html }).then(show, () => {});
})();
