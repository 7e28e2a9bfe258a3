// Live mode: entries stream in over /api/logs/tail with the query's filters; paused, they wait and are counted.
import { byId } from './dom.js';
import { query } from './state.js';

export function createLive({ onEntries }) {
  const toggle = byId('live-toggle');
  const pauseButton = byId('live-pause');
  const pending = byId('live-pending');
  let source = null;
  let paused = false;
  let held = [];
  let queued = [];
  let scheduled = false;

  pauseButton.addEventListener('click', () => (paused ? resume() : pause()));

  function start(state) {
    stop();
    toggle.setAttribute('aria-pressed', 'true');
    pauseButton.hidden = false;
    const params = {};
    if (state.agent) params.agent = state.agent;
    if (state.level) params.level = state.level;
    if (state.q) params.q = state.q;
    source = new EventSource(`/api/logs/tail${query(params)}`);
    // 'connected' once the server has answered: from then on every committed entry that matches reaches us.
    source.addEventListener('open', () => toggle.classList.replace('broken', 'connected') || toggle.classList.add('connected'));
    source.addEventListener('error', () => { toggle.classList.remove('connected'); toggle.classList.add('broken'); });
    source.addEventListener('log', (event) => {
      let entry;
      try {
        entry = JSON.parse(event.data);
      } catch {
        return;
      }
      if (paused) {
        held.push(entry);
        showPending();
      } else {
        queue([entry]);
      }
    });
    // Dropped for falling behind: start over (the list above is still right).
    source.addEventListener('dropped', () => start(state));
  }

  function stop() {
    source?.close();
    source = null;
    toggle.classList.remove('connected', 'broken');
    paused = false;
    held = [];
    toggle.setAttribute('aria-pressed', 'false');
    pauseButton.hidden = true;
    pauseButton.textContent = 'Pause';
    showPending();
  }

  function pause() {
    paused = true;
    pauseButton.textContent = 'Resume';
    showPending();
  }

  function resume() {
    paused = false;
    pauseButton.textContent = 'Pause';
    const entries = held;
    held = [];
    showPending();
    queue(entries);
  }

  // One DOM update per frame however fast entries arrive.
  function queue(entries) {
    queued.push(...entries);
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      const batch = queued;
      queued = [];
      if (batch.length) onEntries(batch);
    });
  }

  function showPending() {
    pending.textContent = paused ? `${held.length} new while paused` : '';
  }

  return { start, stop, active: () => source !== null };
}
