// The error summary as a table; each pattern links to the search that finds its entries.
import { getJson } from './api.js';
import { h, byId, clear, formatNumber } from './dom.js';
import { bounds, href } from './state.js';

const PLACEHOLDER = /<(num|hex|uuid|email|ip|str)>/g;

/** A masked pattern ("timeout after <num> ms") as a regex finding the messages it stands for. */
export function patternRegex(pattern) {
  return pattern
    .split(PLACEHOLDER)
    .map((part, i) => (i % 2 === 1 ? '.*?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
}

export async function loadPatterns(state) {
  const table = byId('patterns').tBodies[0];
  const status = byId('patterns-status');
  const { start } = bounds(state);
  const hours = Math.min(24 * 366, Math.max(1 / 60, (Date.now() - (start ?? Date.now() - 86400e3)) / 3600e3));
  status.textContent = 'Loading…';
  try {
    const body = await getJson(`/api/errors/summary?hours=${hours.toFixed(4)}`);
    clear(table);
    for (const p of body.top_errors) {
      const link = href({ ...state, view: 'logs', q: patternRegex(p.pattern), level: '', entry: '', live: false });
      table.append(h('tr', null,
        h('td', { class: 'pattern' }, h('a', { href: link, 'data-nav': '' }, p.pattern)),
        h('td', { class: 'num' }, formatNumber(p.count)),
        h('td', null, (p.agents ?? []).join(', ')),
        h('td', { class: 'sample' }, p.sample ?? '')));
    }
    status.textContent = `${formatNumber(body.total_errors)} errors in the last ${formatHours(body.time_range_hours)}` +
      (body.top_errors.length ? '' : ' — no patterns.');
  } catch (e) {
    status.textContent = `Error summary unavailable: ${e.message}`;
  }
}

function formatHours(hours) {
  if (hours < 1) return `${Math.round(hours * 60)} minutes`;
  if (hours <= 48) return `${Math.round(hours * 10) / 10} hours`;
  return `${Math.round(hours / 24)} days`;
}
