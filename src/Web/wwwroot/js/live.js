// Live mode: entries stream in over /api/logs/tail with the query's filters; paused, they wait and are counted.
import { byId } from './dom.js';
import { query } from './state.js';
import { isAbort } from './api.js';
import { authFetch } from './auth.js';

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
    const controller = new AbortController();
    source = controller;
    stream(`/api/logs/tail${query(params)}`, controller, state);
  }

  // Server-Sent Events read with fetch rather than EventSource, which cannot send the API key header.
  async function stream(url, controller, state) {
    while (source === controller) {
      try {
        const response = await authFetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal: controller.signal });
        if (!response.ok) throw new Error(`live tail answered ${response.status}`);
        // 'connected' once the server has answered: from then on every committed entry that matches reaches us.
        toggle.classList.remove('broken');
        toggle.classList.add('connected');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            // Dropped for falling behind: start over (the list above is still right).
            if (onEvent(block) === 'dropped') {
              start(state);
              return;
            }
          }
        }
      } catch (e) {
        if (isAbort(e)) return;
      }
      if (source !== controller) return;
      // Ended or failed (the server restarting): show it, and reconnect as EventSource would.
      toggle.classList.remove('connected');
      toggle.classList.add('broken');
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }

  function onEvent(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (type !== 'log') return type;
    let entry;
    try {
      entry = JSON.parse(data.join('\n'));
    } catch {
      return type;
    }
    if (paused) {
      held.push(entry);
      showPending();
    } else {
      queue([entry]);
    }
    return type;
  }

  function stop() {
    source?.abort();
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
