// The histogram of the range, stacked by level (uPlot). Dragging across it zooms the time range; clicking a level
// in its legend hides or shows that level's bars.
import uPlot from '../lib/uplot/uPlot.esm.js';
import { getJson, isAbort } from './api.js';
import { byId } from './dom.js';
import { LEVELS, bounds, filters, query } from './state.js';

const STEPS = { minute: 60, hour: 3600, day: 86400 };
// The stack's order, drawn top first: uPlot paints series in order, so each later (lower) one covers the one before.
const COLORS = { DEBUG: '#8b95a1', INFO: '#3b82f6', WARNING: '#f59e0b', ERROR: '#ef4444', CRITICAL: '#c026d3', FATAL: '#7f1d1d' };

export function intervalFor(seconds) {
  if (seconds <= 6 * 3600) return 'minute';
  if (seconds <= 10 * 24 * 3600) return 'hour';
  return 'day';
}

export function createHistogram({ onZoom }) {
  const container = byId('histogram');
  const note = byId('histogram-note');
  let plot = null;
  let raw = [];
  let xs = [];
  let xRange = [0, 1];
  let controller = null;

  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  function stacked() {
    const shown = LEVELS.map((_, i) => plot ? plot.series[i + 1].show : true);
    return [xs, ...LEVELS.map((_, i) => xs.map((__, j) => {
      let sum = 0;
      for (let k = i; k < LEVELS.length; k++) if (shown[k]) sum += raw[k][j];
      return sum;
    }))];
  }

  function build() {
    plot?.destroy();
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid'), width: 1 } };
    plot = new uPlot({
      width: Math.max(container.clientWidth, 200),
      height: plotHeight(),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: { x: { time: true, range: () => xRange }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [{ ...axis, values: (u, splits) => timeLabels(splits) }, { ...axis, size: 48 }],
      legend: { live: true },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      series: [
        { label: 'UTC', value: (u, v) => (v == null ? '' : new Date(v * 1e3).toISOString().slice(0, 16).replace('T', ' ')) },
        ...LEVELS.map((level, i) => ({
          label: level,
          fill: COLORS[level],
          stroke: COLORS[level],
          width: 0,
          paths: uPlot.paths.bars({ size: [0.9, 64], align: 1 }),
          points: { show: false },
          // Hovered: the bucket's count; otherwise the level's total over the range.
          value: (u, v, si, di) => String(di == null ? raw[i].reduce((a, b) => a + b, 0) : raw[i][di] ?? 0),
        })),
      ],
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 3) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onZoom(new Date(from * 1000).toISOString(), new Date(to * 1000).toISOString());
        }],
        setSeries: [(u) => {
          u.setData(stacked());
          markLegend(u);
        }],
      },
    }, stacked(), container);
    markLegend(plot, true);
  }

  // uPlot's legend toggles on click only; each level's entry also takes the keyboard and says whether it is shown.
  function markLegend(u, first = false) {
    const rows = u.root.querySelectorAll('.u-legend tr.u-series');
    rows.forEach((row, i) => {
      if (i === 0) return;
      const label = row.querySelector('th');
      label.setAttribute('aria-pressed', String(u.series[i].show));
      if (!first) return;
      label.setAttribute('role', 'button');
      label.tabIndex = 0;
      label.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' && event.key !== ' ') return;
        event.preventDefault();
        label.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      });
    });
  }

  async function load(state) {
    controller?.abort();
    controller = new AbortController();
    const now = Date.now();
    const { start, end } = bounds(state, now);
    const endMs = end ?? now;
    const startMs = start ?? endMs - 24 * 3600 * 1000;
    const interval = intervalFor((endMs - startMs) / 1000);
    const step = STEPS[interval];
    const params = { interval, ...filters(state, { withQuery: false, now }) };
    note.textContent = state.q ? 'The chart counts every entry of the range and filters; the search applies to the list below.' : '';
    let body;
    try {
      body = await getJson(`/api/logs/histogram${query(params)}`, controller.signal);
    } catch (e) {
      if (!isAbort(e)) note.textContent = `Histogram unavailable: ${e.message}`;
      return;
    }
    const first = Math.floor(startMs / 1000 / step) * step;
    const last = Math.floor((endMs / 1000 - 1e-3) / step) * step;
    xs = [];
    for (let t = first; t <= last; t += step) xs.push(t);
    const index = new Map(xs.map((t, i) => [t, i]));
    raw = LEVELS.map(() => new Array(xs.length).fill(0));
    for (const bucket of body.buckets) {
      const i = index.get(Math.floor(Date.parse(bucket.time) / 1000));
      for (const [level, count] of Object.entries(bucket.by_level ?? {})) {
        const k = LEVELS.indexOf(level);
        if (i !== undefined && k >= 0) raw[k][i] = count;
      }
    }
    xRange = [startMs / 1000, endMs / 1000];
    if (!plot) build();
    else plot.setData(stacked());
  }

  const plotHeight = () => (innerWidth <= 700 ? 110 : 130);

  // 24-hour UTC labels: "16:30", with the date where the day changes or the range spans days.
  function timeLabels(splits) {
    const span = xRange[1] - xRange[0];
    let lastDay = '';
    return splits.map((v) => {
      const iso = new Date(v * 1e3).toISOString();
      const day = iso.slice(5, 10);
      const time = span > 3 * 60 ? iso.slice(11, 16) : iso.slice(11, 19);
      const label = span > 4 * 86400 ? day : day !== lastDay && lastDay !== '' ? `${day} ${time}` : time;
      lastDay = day;
      return label;
    });
  }

  let width = 0;
  new ResizeObserver(() => {
    if (plot && container.clientWidth > 0 && container.clientWidth !== width) {
      width = container.clientWidth;
      plot.setSize({ width, height: plotHeight() });
    }
  }).observe(container);
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => plot && build());

  return { load };
}
