// The whole query lives in the URL: parse() reads it, href() writes it, so a link reproduces the view.

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'FATAL'];
export const PRESETS = { '15m': 15 * 60, '1h': 3600, '24h': 24 * 3600, '7d': 7 * 24 * 3600 };
const VIEWS = ['logs', 'patterns', 'alerts'];
const DEFAULTS = { view: 'logs', agent: '', level: '', q: '', range: '24h', from: '', to: '', entry: '', live: false };

export function parse(search) {
  const p = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  const view = p.get('view');
  if (VIEWS.includes(view)) state.view = view;
  state.agent = p.get('agent') ?? '';
  state.level = levelSet((p.get('level') ?? '').toUpperCase().split(','));
  state.q = p.get('q') ?? '';
  state.from = validTime(p.get('from'));
  state.to = validTime(p.get('to'));
  const range = p.get('range');
  state.range = state.from || state.to ? '' : range in PRESETS ? range : DEFAULTS.range;
  state.entry = p.get('entry') ?? '';
  state.live = p.get('live') === '1';
  return state;
}

/** Levels as the API takes them: known ones, each once, in severity order, comma-separated ('' for all). */
export function levelSet(levels) {
  return LEVELS.filter((l) => levels.includes(l)).join(',');
}

/** The state's level with <level> added, or removed if it was there. */
export function toggleLevel(state, level) {
  const current = state.level ? state.level.split(',') : [];
  return levelSet(current.includes(level) ? current.filter((l) => l !== level) : [...current, level]);
}

function validTime(value) {
  if (!value) return '';
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

/** The query string of a state (defaults left out), with a leading '?', or './' for the default view. */
export function href(state) {
  const p = new URLSearchParams();
  if (state.view !== 'logs') p.set('view', state.view);
  if (state.agent) p.set('agent', state.agent);
  if (state.level) p.set('level', state.level);
  if (state.q) p.set('q', state.q);
  if (state.from || state.to) {
    if (state.from) p.set('from', state.from);
    if (state.to) p.set('to', state.to);
  } else if (state.range && state.range !== DEFAULTS.range) {
    p.set('range', state.range);
  }
  if (state.entry) p.set('entry', state.entry);
  if (state.live) p.set('live', '1');
  const text = p.toString();
  return text ? `?${text}` : './';
}

/** Start and end of the state's range in ms; a preset ends now and is sent open-ended. */
export function bounds(state, now = Date.now()) {
  if (state.from || state.to) {
    const start = state.from ? Date.parse(state.from) : null;
    const end = state.to ? Date.parse(state.to) : null;
    return { start, end, open: end === null };
  }
  return { start: now - PRESETS[state.range] * 1000, end: null, open: true };
}

/** The API's filter parameters for a state: agent, level, start_time, end_time (and q for the searches). */
export function filters(state, { withQuery = true, now = Date.now() } = {}) {
  const { start, end } = bounds(state, now);
  const params = {};
  if (state.agent) params.agent = state.agent;
  if (state.level) params.level = state.level;
  if (start !== null) params.start_time = new Date(start).toISOString();
  if (end !== null) params.end_time = new Date(end).toISOString();
  if (withQuery && state.q) params.q = state.q;
  return params;
}

export function query(params) {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== '' && value != null) p.set(key, String(value));
  }
  const text = p.toString();
  return text ? `?${text}` : '';
}
