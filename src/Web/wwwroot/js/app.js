// Wires the page: the URL is the state; every control writes the URL (pushState) and render() reads it back.
import { getJson } from './api.js';
import { authFetch, keyedDownloads } from './auth.js';
import { h, byId, formatNumber } from './dom.js';
import { parse, href, filters, query, toggleLevel } from './state.js';
import { createResults } from './results.js';
import { createHistogram } from './histogram.js';
import { createLive } from './live.js';
import { loadPatterns } from './patterns.js';
import { createAlerts } from './alerts.js';

let state = parse(location.search);
let shown = null; // the state last rendered, to redo only what changed

const results = createResults({ onEntryChange: (id) => navigate({ entry: id }, { replace: true, quiet: true }) });
const histogram = createHistogram({ onZoom: (from, to) => navigate({ from, to, range: '', entry: '' }) });
const live = createLive({ onEntries: (entries) => { results.prepend(entries); scheduleTotals(); } });
const alerts = createAlerts({ getState: () => state });

function navigate(patch, { replace = false, quiet = false } = {}) {
  state = { ...state, ...patch };
  const url = href(state);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  if (!quiet) {
    render();
  } else {
    // Already on screen (a row opened or closed): render() must not redo it later.
    if (shown) shown = { ...shown, ...patch };
    updateLinks();
  }
}

window.addEventListener('popstate', () => {
  state = parse(location.search);
  render();
});

// Query bar.
const form = byId('query');
const agentSelect = byId('agent');
const search = byId('q');
const fromInput = byId('from');
const toInput = byId('to');

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const patch = { agent: agentSelect.value, q: search.value.trim(), entry: '' };
  const from = fromLocal(fromInput.value);
  const to = fromLocal(toInput.value);
  const customChanged = (from || to) && (from !== state.from || to !== state.to);
  if (customChanged) Object.assign(patch, { from, to, range: '' });
  navigate(patch);
});
agentSelect.addEventListener('change', () => navigate({ agent: agentSelect.value, entry: '' }));
for (const button of form.querySelectorAll('[data-level]')) {
  button.addEventListener('click', () => navigate({ level: toggleLevel(state, button.dataset.level), entry: '' }));
}
for (const button of form.querySelectorAll('[data-range]')) {
  button.addEventListener('click', () => navigate({ range: button.dataset.range, from: '', to: '', entry: '' }));
}

// datetime-local holds no zone; the UI speaks UTC throughout.
const toLocal = (iso) => (iso ? iso.slice(0, 19) : '');
const fromLocal = (value) => (value ? new Date(`${value.length === 16 ? value + ':00' : value}Z`).toISOString() : '');

// Tabs and in-page links navigate without reloading.
document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-view], a[data-nav]');
  if (!a || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const target = a.dataset.view ? { ...state, view: a.dataset.view, entry: '' } : parse(new URL(a.href).search);
  navigate(target);
});

keyedDownloads('.export a');
byId('live-toggle').addEventListener('click', () => navigate({ live: !state.live }, { replace: true }));

// Keyboard: '/' focuses the search, Esc closes what is open.
document.addEventListener('keydown', (event) => {
  const typing = event.target.closest('input, textarea, select, [contenteditable]');
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    search.focus();
    search.select();
  } else if (event.key === 'Escape') {
    if (alerts.hide()) return;
    if (typing === search) return;
    if (document.querySelector('.rows .row.open') || state.entry) {
      results.collapseAll();
      navigate({ entry: '' }, { replace: true, quiet: true });
    }
  }
});

function render() {
  const previous = shown;
  shown = { ...state };
  syncControls();
  updateLinks();
  for (const view of ['logs', 'patterns', 'alerts']) {
    byId(`view-${view}`).hidden = state.view !== view;
    const tab = byId(`tab-${view}`);
    if (state.view === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  form.hidden = state.view === 'alerts';
  document.title = state.q ? `${state.q} — LogAggregator` : 'LogAggregator';

  if (state.view !== 'logs') {
    live.stop();
    refreshTotals();
    if (state.view === 'patterns') loadPatterns(state);
    else alerts.load();
    return;
  }

  const same = previous && previous.view === 'logs' &&
    ['agent', 'level', 'q', 'range', 'from', 'to'].every((k) => previous[k] === state[k]);
  if (!same) {
    results.reset(state);
    histogram.load(state);
    refreshTotals();
  } else if (previous.entry !== state.entry) {
    results.reset(state);
  }
  const liveAllowed = !state.to;
  byId('live-toggle').disabled = !liveAllowed;
  if (state.live && liveAllowed) {
    if (!same || !live.active()) live.start(state);
  } else {
    live.stop();
  }
}

function syncControls() {
  search.value = state.q;
  if ([...agentSelect.options].every((o) => o.value !== state.agent)) {
    agentSelect.append(h('option', { value: state.agent }, state.agent));
  }
  agentSelect.value = state.agent;
  const levels = state.level.split(',');
  for (const b of form.querySelectorAll('[data-level]')) b.setAttribute('aria-pressed', String(levels.includes(b.dataset.level)));
  for (const b of form.querySelectorAll('[data-range]')) b.setAttribute('aria-pressed', String(state.range === b.dataset.range));
  fromInput.value = toLocal(state.from);
  toInput.value = toLocal(state.to);
  if (state.from || state.to) byId('custom-range').open = true;
}

function updateLinks() {
  const params = filters(state);
  byId('export-ndjson').href = `/api/logs/export${query({ format: 'ndjson', ...params })}`;
  byId('export-csv').href = `/api/logs/export${query({ format: 'csv', ...params })}`;
  byId('tab-logs').href = href({ ...state, view: 'logs', entry: '' });
  byId('tab-patterns').href = href({ ...state, view: 'patterns', entry: '' });
  byId('tab-alerts').href = href({ ...state, view: 'alerts', entry: '' });
}

// Header: health and totals, kept current.
async function refreshHealth() {
  const dot = byId('health-dot');
  const text = byId('health-text');
  try {
    const response = await authFetch('/health', { headers: { Accept: 'application/json' } });
    const body = await response.json();
    dot.className = `dot ${body.status === 'healthy' ? 'ok' : 'degraded'}`;
    text.textContent = body.status === 'healthy' ? 'Healthy' : `Degraded${body.reason ? ': ' + body.reason : ''}`;
  } catch {
    dot.className = 'dot down';
    text.textContent = 'Server unreachable';
  }
}

let agentsKnown = '';
/**
 * Logs: every stored entry. Errors and agents: those of the selected range (GET /api/stats with start_time and
 * end_time counts only the range; a server without that answers with every entry's counts, shown the same way).
 */
async function refreshTotals() {
  const { start_time, end_time } = filters(state, { withQuery: false });
  try {
    const [all, range] = await Promise.all([getJson('/api/stats'), getJson(`/api/stats${query({ start_time, end_time })}`)]);
    byId('total-logs').textContent = formatNumber(all.total_logs);
    const levels = range.by_level ?? {};
    byId('total-errors').textContent = formatNumber((levels.ERROR ?? 0) + (levels.CRITICAL ?? 0) + (levels.FATAL ?? 0));
    const agents = Object.entries(range.by_agent ?? {}).sort((a, b) => a[0].localeCompare(b[0]));
    byId('total-agents').textContent = formatNumber(agents.length);
    const signature = JSON.stringify(agents);
    if (signature !== agentsKnown) {
      agentsKnown = signature;
      agentSelect.replaceChildren(h('option', { value: '' }, 'All agents'),
        ...agents.map(([name, count]) => h('option', { value: name }, `${name} (${formatNumber(count)})`)));
      syncControls();
    }
  } catch {
    // the health dot says why
  }
}

let totalsTimer = null;
function scheduleTotals() {
  if (totalsTimer) return;
  totalsTimer = setTimeout(() => {
    totalsTimer = null;
    refreshTotals();
    if (state.view === 'logs') histogram.load(state);
  }, 2000);
}

setInterval(() => { refreshHealth(); refreshTotals(); }, 15000);
refreshHealth();
render();

