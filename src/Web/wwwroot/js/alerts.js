// Recent alerts, one opened with its samples and a form to silence its key or its agent, and the active silences.
import { getJson, send } from './api.js';
import { h, byId, clear, formatTime, formatNumber } from './dom.js';
import { href } from './state.js';

const DURATIONS = [['30m', '30 minutes'], ['1h', '1 hour'], ['4h', '4 hours'], ['24h', '24 hours'], ['7d', '7 days']];

export function createAlerts({ getState }) {
  const table = byId('alerts').tBodies[0];
  const status = byId('alerts-status');
  const panel = byId('alert-detail');
  const silences = byId('silences').tBodies[0];

  async function load() {
    status.textContent = 'Loading…';
    try {
      const body = await getJson('/api/alerts?limit=100');
      clear(table);
      for (const a of body.alerts) {
        const open = h('button', { type: 'button', class: 'linklike' }, a.title);
        open.addEventListener('click', () => show(a.id));
        table.append(h('tr', { 'data-id': a.id },
          h('td', null, h('span', { class: `badge lvl-${a.level}` }, a.level)),
          h('td', null, open),
          h('td', null, a.reason),
          h('td', null, a.agent),
          h('td', { class: 'num' }, formatNumber(a.count)),
          h('td', null, h('time', { datetime: a.last_seen }, formatTime(a.last_seen))),
          h('td', null, h('span', { class: `state state-${a.delivery?.state}` }, a.delivery?.state ?? ''))));
      }
      status.textContent = body.alerts.length ? `${body.alerts.length} recent alerts` : 'No alerts.';
    } catch (e) {
      status.textContent = `Alerts unavailable: ${e.message}`;
    }
    await loadSilences();
  }

  async function show(id) {
    panel.hidden = false;
    panel.replaceChildren(h('p', { class: 'note' }, 'Loading…'));
    let a;
    try {
      a = await getJson(`/api/alerts/${encodeURIComponent(id)}`);
    } catch (e) {
      panel.replaceChildren(h('p', { class: 'note' }, `Alert unavailable: ${e.message}`));
      return;
    }
    const close = h('button', { type: 'button', class: 'close' }, 'Close');
    close.addEventListener('click', hide);
    const state = getState();
    const samples = h('ol', { class: 'samples' }, a.samples.map((s) => h('li', null,
      h('a', { href: href({ ...state, view: 'logs', entry: s.id, q: '', level: '', live: false, range: '7d', from: '', to: '' }), 'data-nav': '' },
        h('time', { datetime: s.time }, formatTime(s.time))),
      ' ', h('span', { class: 'msg' }, s.message))));
    const form = silenceForm(a);
    panel.replaceChildren(
      h('div', { class: 'panel-head' }, h('h3', { id: 'alert-detail-title' }, a.title), close),
      h('dl', { class: 'fields' },
        field('Level', a.level), field('Reason', a.reason), field('Agent', a.agent), field('Key', a.key),
        field('Pattern', a.pattern ?? '—'), field('Count', formatNumber(a.count)),
        field('First seen', formatTime(a.first_seen)), field('Last seen', formatTime(a.last_seen)),
        field('Delivery', `${a.delivery.state}, ${a.delivery.attempts} attempt(s)${a.delivery.path ? ' via ' + a.delivery.path : ''}`)),
      h('p', null, h('a', { href: viewOf(a.link), 'data-nav': '' }, 'Show the entries of this alert')),
      h('h4', null, 'Samples'),
      samples,
      form);
    close.focus();
  }

  function silenceForm(a) {
    const id = `silence-${Math.random().toString(36).slice(2, 8)}`;
    const duration = h('select', { id: `${id}-duration`, name: 'duration' }, DURATIONS.map(([v, label]) => h('option', { value: v }, label)));
    const comment = h('input', { id: `${id}-comment`, name: 'comment', type: 'text', maxlength: 1000 });
    const result = h('p', { class: 'note', role: 'status' });
    const form = h('form', { class: 'silence-form', 'aria-label': 'Silence' },
      h('fieldset', null, h('legend', null, 'Silence'),
        h('label', null, h('input', { type: 'radio', name: 'target', value: 'key', checked: true }), ' this alert\'s key ', h('code', null, a.key)),
        h('label', null, h('input', { type: 'radio', name: 'target', value: 'agent' }), ' every alert of agent ', h('code', null, a.agent))),
      h('label', { class: 'field', for: duration.id }, h('span', null, 'For'), duration),
      h('label', { class: 'field', for: comment.id }, h('span', null, 'Comment'), comment),
      h('button', { type: 'submit', class: 'primary' }, 'Create silence'),
      result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const target = form.querySelector('input[name=target]:checked').value;
      const matcher = target === 'agent' ? { agent: a.agent } : { key: a.key };
      try {
        const s = await send('/api/alerts/silences', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ matcher, duration: duration.value, comment: comment.value }),
        });
        result.textContent = `Silenced until ${formatTime(s.ends_at)} UTC.`;
        await loadSilences();
      } catch (e) {
        result.textContent = `Could not create the silence: ${e.message}`;
      }
    });
    return form;
  }

  async function loadSilences() {
    try {
      const body = await getJson('/api/alerts/silences');
      clear(silences);
      for (const s of body.silences) {
        const end = h('button', { type: 'button', class: 'end-silence' }, 'End');
        end.addEventListener('click', async () => {
          end.disabled = true;
          try {
            await send(`/api/alerts/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
          } catch {
            // already ended: the reload shows what is left
          }
          await loadSilences();
        });
        const m = s.matcher;
        const what = [m.agent && `agent ${m.agent}`, m.key && `key ${m.key}`, m.pattern && `pattern ${m.pattern}`].filter(Boolean).join(', ');
        silences.append(h('tr', { 'data-id': s.id },
          h('td', null, what),
          h('td', null, h('time', { datetime: s.ends_at }, formatTime(s.ends_at))),
          h('td', null, s.comment),
          h('td', null, end)));
      }
      if (!body.silences.length) silences.append(h('tr', null, h('td', { colspan: 4, class: 'note' }, 'No active silences.')));
    } catch (e) {
      clear(silences).append(h('tr', null, h('td', { colspan: 4, class: 'note' }, `Silences unavailable: ${e.message}`)));
    }
  }

  function hide() {
    if (panel.hidden) return false;
    panel.hidden = true;
    clear(panel);
    return true;
  }

  const field = (name, value) => [h('dt', null, name), h('dd', null, value ?? '')];

  // The alert's link names the configured public URL; its query (agent, q, from, to) is the view, opened here.
  function viewOf(link) {
    try {
      return `./${new URL(link).search}`;
    } catch {
      return './';
    }
  }

  return { load, hide };
}
