// The result list: compact rows newest first, loaded a page at a time as the reader scrolls, at most WINDOW rows
// in the page at once (older ones through the pager), so millions of matches never freeze the page.
import { getJson, isAbort } from './api.js';
import { h, byId, clear, formatTime, formatNumber, highlighted, rangesOf, searchRegex } from './dom.js';
import { filters, query, href } from './state.js';

const PAGE = 100;
const WINDOW = 1000;

export function createResults({ onEntryChange }) {
  const scroller = byId('scroller');
  const list = byId('results');
  const pinned = byId('pinned');
  const status = byId('results-status');
  const newer = byId('page-newer');
  const older = byId('page-older');
  let state = null;
  let windowStart = 0;
  let loaded = 0;
  let total = null;
  let more = false;
  let loading = false;
  let generation = 0;
  let controller = null;
  let ids = new Set();
  let liveRegex = null;
  let frozenNow = 0;

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadPage();
  }, { root: scroller, rootMargin: '400px' });
  observer.observe(byId('sentinel'));
  // The observer reports crossings only; a jump to the bottom between two of its checks is caught here.
  scroller.addEventListener('scroll', () => {
    if (scroller.scrollTop + scroller.clientHeight > scroller.scrollHeight - 400) loadPage();
  }, { passive: true });

  newer.addEventListener('click', () => jump(Math.max(0, windowStart - WINDOW)));
  older.addEventListener('click', () => jump(windowStart + WINDOW));

  function reset(next) {
    state = next;
    liveRegex = searchRegex(state.q);
    frozenNow = Date.now();
    jump(0);
    showPinned();
  }

  function jump(start) {
    generation++;
    controller?.abort();
    windowStart = start;
    loaded = 0;
    total = null;
    more = true;
    loading = false;
    ids = new Set();
    clear(list);
    scroller.scrollTop = 0;
    updateStatus();
    loadPage();
  }

  async function loadPage() {
    if (loading || !more || loaded >= WINDOW || !state) return;
    loading = true;
    const mine = generation;
    controller = new AbortController();
    const params = { ...filters(state, { withQuery: false, now: frozenNow }), limit: PAGE, offset: windowStart + loaded };
    try {
      let entries;
      if (state.q) {
        const body = await getJson(`/api/logs/search${query({ q: state.q, ...params })}`, controller.signal);
        entries = body.results;
      } else {
        const body = await getJson(`/api/logs${query(params)}`, controller.signal);
        entries = body.logs;
        total = body.total;
      }
      if (mine !== generation) return;
      more = entries.length === PAGE && (total === null || windowStart + loaded + entries.length < total);
      loaded += entries.length;
      list.append(...entries.filter((e) => !ids.has(e.id)).map((e) => row(e, e._highlights)));
      entries.forEach((e) => ids.add(e.id));
      updateStatus();
      expandLinked();
    } catch (e) {
      if (isAbort(e) || mine !== generation) return;
      more = false;
      status.textContent = `Query failed: ${e.message}`;
    } finally {
      if (mine === generation) loading = false;
    }
    // A short page may leave the sentinel in view: keep going until it is not or nothing is left.
    if (mine === generation) requestAnimationFrame(() => {
      const box = scroller.getBoundingClientRect();
      const s = byId('sentinel').getBoundingClientRect();
      if (s.top < box.bottom + 400) loadPage();
    });
  }

  function updateStatus() {
    const first = loaded ? windowStart + 1 : windowStart;
    const last = windowStart + loaded;
    if (loading && !loaded) status.textContent = 'Loading…';
    if (total !== null) {
      status.textContent = total === 0 ? 'No entries match.' : `Showing ${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(total)}`;
    } else if (state?.q) {
      status.textContent = loaded === 0 && !more ? 'No entries match.' : `Showing matches ${formatNumber(first)}–${formatNumber(last)}${more ? '+' : ''}`;
    } else {
      status.textContent = 'Loading…';
    }
    newer.hidden = windowStart === 0;
    older.hidden = !(loaded >= WINDOW && more);
  }

  function row(entry, highlights) {
    const ranges = (highlights ?? rangesOf(liveRegex, entry.message)).filter((r) => (r.field ?? 'message') === 'message');
    const message = entry.message ?? '';
    const firstLine = message.split('\n', 1)[0];
    const head = h('button', { type: 'button', class: 'row-head', 'aria-expanded': 'false' },
      h('time', { class: 'ts', datetime: entry.timestamp }, formatTime(entry.timestamp)),
      h('span', { class: `badge lvl-${entry.level}` }, entry.level),
      h('span', { class: 'agent' }, entry.agent),
      h('span', { class: 'msg' }, highlighted(firstLine, ranges)));
    const li = h('li', { class: 'row', 'data-id': entry.id, 'data-level': entry.level }, head);
    head.addEventListener('click', () => toggle(li, entry, ranges));
    return li;
  }

  function toggle(li, entry, ranges) {
    const open = li.classList.contains('open');
    collapseAll();
    if (!open) {
      expand(li, entry, ranges);
      onEntryChange(entry.id);
    } else {
      onEntryChange('');
    }
  }

  function expand(li, entry, ranges) {
    li.classList.add('open');
    li.querySelector('.row-head').setAttribute('aria-expanded', 'true');
    li.append(detail(entry, ranges));
  }

  function collapseAll() {
    for (const li of document.querySelectorAll('.rows .row.open')) {
      li.classList.remove('open');
      li.querySelector('.row-head').setAttribute('aria-expanded', 'false');
      li.querySelector('.detail')?.remove();
    }
    clear(pinned);
  }

  function detail(entry, ranges) {
    const link = new URL(href({ ...state, entry: entry.id, live: false }), location.href).href;
    const copy = h('button', { type: 'button', class: 'copy-link' }, 'Copy link');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(link);
        copy.textContent = 'Link copied';
      } catch {
        copy.textContent = 'Copy the link beside';
      }
    });
    const context = h('ol', { class: 'context-lines', 'aria-label': 'Context' }, h('li', { class: 'note' }, 'Loading context…'));
    const box = h('div', { class: 'detail' },
      h('pre', { class: 'full-msg' }, highlighted(entry.message ?? '', ranges)),
      h('dl', { class: 'fields' },
        field('Time', entry.timestamp), field('Level', entry.level), field('Agent', entry.agent),
        field('Source', entry.source), field('ID', entry.id)),
      h('h3', null, 'Metadata'),
      h('pre', { class: 'json' }, JSON.stringify(entry.metadata ?? {}, null, 2)),
      h('p', { class: 'actions' }, copy, ' ', h('a', { class: 'permalink', href: link }, 'Link to this entry')),
      h('h3', null, 'Context (same source and agent, newest first)'),
      context);
    loadContext(entry.id, context);
    return box;
  }

  const field = (name, value) => [h('dt', null, name), h('dd', null, value ?? '')];

  async function loadContext(id, target) {
    try {
      const body = await getJson(`/api/logs/context${query({ id, before: 5, after: 5 })}`);
      const line = (e, isTarget) => h('li', { class: isTarget ? 'ctx target' : 'ctx', 'aria-current': isTarget ? 'true' : null, 'data-id': e.id },
        h('time', { class: 'ts', datetime: e.timestamp }, formatTime(e.timestamp)), ' ',
        h('span', { class: `badge lvl-${e.level}` }, e.level), ' ',
        h('span', { class: 'msg' }, e.message));
      target.replaceChildren(...body.after.map((e) => line(e, false)), line(body.target, true), ...body.before.map((e) => line(e, false)));
    } catch (e) {
      target.replaceChildren(h('li', { class: 'note' }, `Context unavailable: ${e.message}`));
    }
  }

  /** The entry the URL names, opened where it is in the list, or above it when it is not. */
  function expandLinked() {
    const id = state?.entry;
    if (!id || document.querySelector('.rows .row.open')) return;
    const li = [...list.children].find((r) => r.dataset.id === id);
    if (li) {
      clear(pinned);
      li.querySelector('.row-head').click();
      li.scrollIntoView({ block: 'nearest' });
    }
  }

  async function showPinned() {
    clear(pinned);
    const id = state.entry;
    if (!id) return;
    try {
      const body = await getJson(`/api/logs/context${query({ id, before: 0, after: 0 })}`);
      if (state.entry !== id || [...list.children].some((r) => r.dataset.id === id)) return;
      const li = row(body.target, null);
      pinned.append(li);
      expand(li, body.target, []);
    } catch {
      pinned.append(h('li', { class: 'note' }, 'The linked entry no longer exists.'));
    }
  }

  /** Live entries go on top; a reader scrolled down keeps seeing the same rows at the same place. */
  function prepend(entries) {
    const fresh = entries.filter((e) => !ids.has(e.id));
    if (!fresh.length) return;
    const anchor = scroller.scrollTop > 0 ? firstVisibleRow() : null;
    const before = anchor?.getBoundingClientRect().top;
    fresh.forEach((e) => ids.add(e.id));
    list.prepend(...fresh.reverse().map((e) => row(e, null)));
    while (list.children.length > WINDOW * 2) list.lastElementChild.remove();
    if (anchor) scroller.scrollTop += anchor.getBoundingClientRect().top - before;
    if (total !== null) total += fresh.length;
    loaded += fresh.length;
    updateStatus();
  }

  function firstVisibleRow() {
    const top = scroller.getBoundingClientRect().top;
    for (const li of list.children) {
      if (li.getBoundingClientRect().bottom > top) return li;
    }
    return null;
  }

  return { reset, prepend, collapseAll };
}
