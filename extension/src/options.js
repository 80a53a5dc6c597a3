// The options page: reads and writes `options` in storage.local, checked by the wasm core
// (validateConfig) so that the page and the service worker agree on what is valid.
import init, { defaultConfig, validateConfig } from './wasm/gwdoctor_wasm.js';

const api = globalThis.browser ?? globalThis.chrome;
const form = document.getElementById('options');
const result = document.getElementById('result');
const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

function fill(config) {
  const f = form.elements;
  f.auto_retry.checked = config.auto_retry;
  f.max_attempts.value = config.max_attempts;
  f.max_total_min.value = config.max_total_ms / 60000;
  f.base_delay_s.value = config.base_delay_ms / 1000;
  f.max_delay_s.value = config.max_delay_ms / 1000;
  f.min_delay_s.value = config.min_delay_ms / 1000;
  f.site_probe_limit.value = config.site_probe_limit;
  f.vantage_points.value = config.vantage_points.join('\n');
  f.native_host.checked = config.native_host;
  f.ignored_sites.value = config.ignored_sites.join('\n');
}

function read(base) {
  const f = form.elements;
  const ms = (input, scale) => Math.round(Number(input.value) * scale);
  return {
    ...base,
    auto_retry: f.auto_retry.checked,
    max_attempts: Number(f.max_attempts.value),
    max_total_ms: ms(f.max_total_min, 60000),
    base_delay_ms: ms(f.base_delay_s, 1000),
    max_delay_ms: ms(f.max_delay_s, 1000),
    min_delay_ms: ms(f.min_delay_s, 1000),
    site_probe_limit: Number(f.site_probe_limit.value),
    vantage_points: lines(f.vantage_points.value),
    native_host: f.native_host.checked,
    ignored_sites: lines(f.ignored_sites.value),
  };
}

function say(text, kind) {
  result.textContent = text;
  result.className = kind;
}

async function main() {
  await init({ module_or_path: api.runtime.getURL('wasm/gwdoctor_wasm_bg.wasm') });
  const { options } = await api.storage.local.get('options');
  let current = options ?? defaultConfig();
  fill(current);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      current = validateConfig(read(current));
    } catch (e) {
      say(`Not saved — ${e.message ?? e}`, 'error');
      return;
    }
    await api.storage.local.set({ options: current });
    fill(current);
    say('Saved.', 'ok');
  });
  document.getElementById('defaults').addEventListener('click', () => {
    fill(defaultConfig());
    say('Defaults filled in: press Save to keep them.', '');
  });
}

main().catch((e) => say(String(e), 'error'));
