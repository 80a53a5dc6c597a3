// Gateway Doctor's service worker (Chromium) / event page (Firefox).
// Every decision is made by the wasm core (crates/wasm): this file only moves data between
// browser APIs (webRequest, tabs, storage, fetch, native messaging) and the checklist machine.
import init, * as core from './wasm/gwdoctor_wasm.js';

const api = globalThis.browser ?? globalThis.chrome;
const STATE_KEY = 'checklist';
// How long to wait for the content script's markup before classifying from the headers alone
// (pages where no content script runs: non-HTML error bodies blocked by the browser, etc.).
const MARKUP_WAIT_MS = 3000;

let checklist = null;
// tab → what is known of the page it shows: `response` (status and headers from webRequest),
// `markup` (from the content script); the two arrive in either order (Firefox delivers them on
// separate channels). `classified` says with what the page was last classified.
const pages = new Map();
const inFlight = new Map(); // `${tab}:${probe}` → AbortController
let ticker = null;

const ready = (async () => {
  await init({ module_or_path: api.runtime.getURL('wasm/gwdoctor_wasm_bg.wasm') });
  // The signature database ships beside the module, not inside it.
  const signatures = await fetch(api.runtime.getURL('wasm/signatures.bin'));
  core.loadSignatures(new Uint8Array(await signatures.arrayBuffer()));
  const { options } = await api.storage.local.get('options');
  const saved = (await api.storage.session.get(STATE_KEY))[STATE_KEY];
  checklist = saved ? restore(saved, options) : null;
  checklist ??= new core.Checklist(options ?? core.defaultConfig(), randomSeed());
  armWake();
})();

/** The machine the worker saved before it was stopped, or null when that state is unreadable. */
function restore(saved, options) {
  try {
    const restored = core.Checklist.restore(fromBase64(saved));
    if (options) restored.configure(options);
    return restored;
  } catch (e) {
    console.error('gwdoctor: starting afresh, the saved checklist is unreadable:', e);
    return null;
  }
}

// Every event goes through one queue, in order, once the core is loaded.
let queue = ready;
function enqueue(step) {
  queue = queue.then(step).catch((e) => console.error('gwdoctor:', e));
  return queue;
}

/** Feeds one event to the machine (a function of it returning actions) and performs the actions. */
function feed(event) {
  return enqueue(async () => {
    const actions = event(checklist, Date.now());
    await perform(actions);
    await api.storage.session.set({ [STATE_KEY]: toBase64(checklist.save()) });
    armWake();
  });
}

// The saved machine is bytes; storage keeps JSON values, so it is stored as base64.
function toBase64(bytes) {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function randomSeed() {
  return crypto.getRandomValues(new BigUint64Array(1))[0];
}

function headerPairs(headers) {
  return (headers ?? []).map((h) => [h.name, h.value ?? '']);
}

async function perform(actions) {
  for (const action of actions) {
    switch (action.type) {
      case 'probe': probe(action); break;
      case 'abort-probe': inFlight.get(`${action.tab}:${action.probe}`)?.abort(); break;
      case 'ask-vantage': askVantage(action); break;
      case 'ask-native': askNative(action); break;
      case 'reload': await api.tabs.reload(action.tab, { bypassCache: true }).catch(() => {}); break;
      case 'render': await render(action.tab); break;
      default: console.error('gwdoctor: unknown action', action);
    }
  }
}

function probe({ tab, probe: id, url, bypass_cache: bypassCache, timeout_ms: timeoutMs }) {
  const controller = new AbortController();
  const key = `${tab}:${id}`;
  inFlight.set(key, controller);
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  fetch(url, {
    cache: bypassCache ? 'reload' : 'no-store',
    credentials: 'include',
    redirect: 'follow',
    signal: controller.signal,
  })
    .then(async (response) => {
      const headers = [...response.headers];
      await response.body?.cancel().catch(() => {});
      feed((c, now) => c.probeAnswered(tab, id, response.status, headers, now));
    })
    .catch((e) => feed((c, now) => c.probeFailed(tab, id, String(e?.message ?? e), now)))
    .finally(() => {
      clearTimeout(timer);
      inFlight.delete(key);
    });
}

function askVantage({ tab, checker, url, timeout_ms: timeoutMs }) {
  const api_url = new URL('api/v1/check', checker.endsWith('/') ? checker : `${checker}/`);
  api_url.searchParams.set('url', url);
  fetch(api_url, { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(timeoutMs) })
    .then(async (response) => {
      const body = await response.json().catch(() => null);
      feed((c, now) => c.vantageAnswered(tab, checker, response.status, body, now));
    })
    .catch((e) => feed((c, now) => c.vantageFailed(tab, checker, String(e?.message ?? e), now)));
}

function askNative(action) {
  const request = checklist.nativeRequest(action);
  const answer = (reply) => feed((c, now) => c.nativeAnswered(action.tab, action.step, reply, now));
  if (!api.runtime.sendNativeMessage) {
    answer({ browser_error: 'native messaging is not available in this browser' });
    return;
  }
  api.runtime
    .sendNativeMessage(core.nativeHostName(), request)
    .then((reply) => answer(reply ?? { browser_error: 'the native host sent no answer' }))
    .catch((e) => answer({ browser_error: String(e?.message ?? e) }));
}

async function render(tab) {
  const view = checklist.view(tab, Date.now());
  const badge = view ? view.badge : { text: '', color: '#616161' };
  await api.action.setBadgeText({ tabId: tab, text: badge.text }).catch(() => {});
  await api.action.setBadgeBackgroundColor({ tabId: tab, color: badge.color }).catch(() => {});
  await api.action.setTitle({ tabId: tab, title: view ? view.summary : 'Gateway Doctor' }).catch(() => {});
  api.tabs.sendMessage(tab, { type: 'gwdoctor:view', view }, { frameId: 0 }).catch(() => {});
  api.runtime.sendMessage({ type: 'gwdoctor:view', tab, view }).catch(() => {});
}

// One timer for the machine's next wake; a one-second ticker keeps countdowns current (and the
// service worker alive) while anything is scheduled; an alarm backs it up if the worker sleeps.
let wakeTimer = null;
function armWake() {
  clearTimeout(wakeTimer);
  const wake = checklist?.nextWake();
  if (wake === undefined) {
    clearInterval(ticker);
    ticker = null;
    api.alarms.clear('gwdoctor-wake');
    return;
  }
  wakeTimer = setTimeout(() => feed((c, now) => c.tick(now)), Math.max(0, wake - Date.now()));
  api.alarms.create('gwdoctor-wake', { when: Math.max(wake, Date.now() + 1000) });
  ticker ??= setInterval(() => enqueue(renderAll), 1000);
}

async function renderAll() {
  for (const tab of checklist.tabs()) await render(tab);
}

// --- browser events ---------------------------------------------------------------------------

const mainFrame = { urls: ['<all_urls>'], types: ['main_frame'] };

api.webRequest.onBeforeRequest.addListener(({ tabId, url, timeStamp }) => {
  if (tabId < 0) return;
  forget(tabId, timeStamp);
  feed((c, now) => c.navigating(tabId, url, now));
}, mainFrame);

api.webRequest.onHeadersReceived.addListener(
  ({ tabId, url, statusCode, statusLine, responseHeaders, timeStamp }) => {
    if (tabId < 0) return;
    if (statusCode < 500) {
      forget(tabId);
      feed((c, now) => c.pageHealthy(tabId, url, now));
      return;
    }
    const page = pageOf(tabId);
    page.response = { url, status: statusCode, statusLine, headers: headerPairs(responseHeaders), receivedAtMs: timeStamp };
    if (page.markup && !sameDocument(page.markup.url, url)) delete page.markup;
    settle(tabId);
  },
  mainFrame,
  ['responseHeaders'],
);

api.webRequest.onErrorOccurred.addListener(({ tabId, url, error }) => {
  if (tabId < 0) return;
  forget(tabId);
  feed((c, now) => c.pageNetworkError(tabId, url, error, now));
}, mainFrame);

function pageOf(tab) {
  if (!pages.has(tab)) pages.set(tab, {});
  return pages.get(tab);
}

/**
 * Forgets what is known of the tab's page. With `since` (when a new navigation started), markup
 * received after that moment is kept: it belongs to the new document, its message having
 * overtaken the navigation's own webRequest events (Firefox does not order the two channels).
 */
function forget(tab, since = Infinity) {
  const page = pages.get(tab);
  if (!page) return;
  clearTimeout(page.timer);
  pages.delete(tab);
  if (page.markup && page.markup.receivedAtMs >= since) pages.set(tab, { markup: page.markup });
}

const sameDocument = (a, b) => a.split('#')[0] === b.split('#')[0];

/**
 * Classifies the tab's page: from the status and headers as soon as they arrive (no content
 * script runs on some pages, e.g. the browser's own page for an empty error body), again with
 * the markup once the content script sends it. Markup not there after MARKUP_WAIT_MS is asked
 * for (its message may have been lost); after a worker restart only the markup and the page's
 * own status may be left.
 */
async function settle(tab, waited = false) {
  const page = pages.get(tab);
  if (!page || page.classified === 'markup') return;
  let complete = page.response && page.markup && sameDocument(page.response.url, page.markup.url);
  if (!complete && !waited) {
    page.timer ??= setTimeout(() => settle(tab, true), MARKUP_WAIT_MS);
    if (page.response && !page.classified) {
      page.classified = 'partly';
      feed((c, now) => c.pageResponse(tab, { ...page.response, body: '' }, now));
    }
    return;
  }
  clearTimeout(page.timer);
  if (!complete && page.response) {
    // The content script's message may have been lost (sent before the worker listened): ask it.
    const markup = await askMarkup(tab);
    if (pages.get(tab) !== page || page.classified === 'markup') return;
    if (markup && sameDocument(page.response.url, markup.url)) page.markup = markup;
    complete = Boolean(page.markup) && sameDocument(page.response.url, page.markup.url);
  }
  let snapshot;
  if (complete) {
    snapshot = { ...page.response, body: page.markup.html };
  } else if (page.response && !page.classified) {
    snapshot = { ...page.response, body: '' };
  } else if (page.markup?.status >= 500 && !page.classified) {
    snapshot = { url: page.markup.url, status: page.markup.status, body: page.markup.html };
  } else {
    return;
  }
  page.classified = complete ? 'markup' : 'partly';
  feed((c, now) => c.pageResponse(tab, snapshot, now));
}

/** The markup of the tab's page from its content script, or null when none answers. */
async function askMarkup(tab) {
  const answer = await api.tabs.sendMessage(tab, { type: 'gwdoctor:markup' }, { frameId: 0 }).catch(() => null);
  if (typeof answer?.html !== 'string' || typeof answer.url !== 'string') return null;
  return { url: answer.url, status: answer.status, html: answer.html, receivedAtMs: Date.now() };
}

// Replies go through sendResponse (returning true keeps the channel open): the one form both
// Chromium and Firefox accept.
api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const tab = sender.tab?.id ?? message?.tab;
  const reply = (done) => {
    done.then(() => sendResponse(checklist.view(tab, Date.now())), () => sendResponse(null));
    return true;
  };
  switch (message?.type) {
    case 'gwdoctor:page':
      // The content script of an error page (or of any page whose status it cannot read).
      if (sender.frameId !== 0 || tab === undefined) return false;
      pageOf(tab).markup = { url: sender.url, status: message.status, html: message.html, receivedAtMs: Date.now() };
      settle(tab);
      return reply(queue);
    case 'gwdoctor:get-view':
      return reply(queue);
    case 'gwdoctor:stop':
      return reply(feed((c, now) => c.stop(tab, now)));
    default:
      return false;
  }
});

// Chromium clears a tab's badge when a navigation commits, which for an error page without a
// body (the browser's own error page) comes after the verdict from the headers: draw it again.
api.tabs.onUpdated.addListener((tab, change) => {
  if (change.status === 'loading' || change.status === 'complete') {
    enqueue(async () => {
      if (checklist.tabs().includes(tab)) await render(tab);
    });
  }
});

api.tabs.onRemoved.addListener((tab) => {
  forget(tab);
  feed((c, now) => c.tabClosed(tab, now));
});

api.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === 'gwdoctor-wake') feed((c, now) => c.tick(now));
});

api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && changes.options?.newValue) {
    enqueue(() => checklist.configure(changes.options.newValue));
  }
});

// For diagnostics and the end-to-end tests: resolves once the core is loaded.
globalThis.gwdoctor = {
  ready,
  view: (tab) => queue.then(() => checklist.view(tab, Date.now())),
  tabs: () => queue.then(() => checklist.tabs()),
  // What the tab's page was last classified with: 'partly' (status and headers), 'markup'.
  classifiedWith: (tab) => queue.then(() => pages.get(tab)?.classified ?? null),
};
