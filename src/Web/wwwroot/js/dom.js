// Builds elements. Every value from a log or the API goes in as text (a text node or an attribute value set through
// the DOM), never as markup, so a message holding <script> or onerror= is shown as those characters.

/** h('li', {class: 'row', onclick: f}, child, 'text', [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const byId = (id) => document.getElementById(id);

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** 2026-12-02T16:27:52.1234567Z → "2026-12-02 16:27:52.123" (UTC, as the API gives it). */
export function formatTime(iso) {
  if (typeof iso !== 'string') return '';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3] ?? ''}` : iso;
}

export const formatNumber = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');

/**
 * The text with the given [start, end) ranges wrapped in <mark>; ranges are UTF-16 offsets, as both .NET and
 * JavaScript count them. Overlapping or out-of-range ranges are clipped.
 */
export function highlighted(text, ranges) {
  const frag = document.createDocumentFragment();
  const sorted = [...(ranges ?? [])].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  let at = 0;
  for (const r of sorted) {
    const start = Math.max(r.start, at);
    const end = Math.min(r.end, text.length);
    if (end <= start) continue;
    if (start > at) frag.append(document.createTextNode(text.slice(at, start)));
    frag.append(h('mark', null, text.slice(start, end)));
    at = end;
  }
  if (at < text.length) frag.append(document.createTextNode(text.slice(at)));
  return frag;
}

/** The search as a JavaScript regex (for entries the live tail brings, which carry no highlights); literal if invalid. */
export function searchRegex(q) {
  if (!q) return null;
  try {
    return new RegExp(q, 'gi');
  } catch {
    return new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi');
  }
}

export function rangesOf(regex, text) {
  const ranges = [];
  if (!regex) return ranges;
  regex.lastIndex = 0;
  for (let m; ranges.length < 20 && (m = regex.exec(text)); ) {
    if (m[0].length === 0) {
      regex.lastIndex++;
      continue;
    }
    ranges.push({ start: m.index, end: m.index + m[0].length });
  }
  return ranges;
}
