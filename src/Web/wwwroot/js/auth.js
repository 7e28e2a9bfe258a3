// API keys: when the server answers 401 (or 403 for a key without the scope), a small dialog asks for a key once,
// keeps it in sessionStorage (gone when the tab closes), and every request sends it as X-API-Key. A refused key
// asks again. Keys never go into a URL: proxies and logs keep URLs.
import { byId } from './dom.js';

const STORAGE = 'logaggregator.api-key';
const MESSAGES = {
  needed: 'This server needs an API key with the read scope. It is kept in this browser tab until you close it.',
  wrong: 'That key was not accepted. Enter an API key with the read scope.',
  scope: 'Your key lacks the scope this needs (silences need admin). Enter a key that has it.',
};

let asking = null;
let declined = false;

const storedKey = () => sessionStorage.getItem(STORAGE);

/** init with the stored key, if any, as X-API-Key. */
function withKey(init) {
  const key = storedKey();
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set('X-API-Key', key);
  return { ...init, headers };
}

/** fetch, asking for a key and sending the request again while the server refuses it and the user gives one. */
export async function authFetch(path, init = {}) {
  for (;;) {
    const sent = storedKey();
    const response = await fetch(path, withKey(init));
    if (response.status !== 401 && response.status !== 403) return response;
    // Another request may have got a new key meanwhile: try that before asking.
    if (storedKey() !== sent) continue;
    const reason = response.status === 403 ? 'scope' : sent ? 'wrong' : 'needed';
    if (declined && reason !== 'scope') return response;
    const key = await askForKey(reason);
    if (!key) return response;
  }
}

/** One dialog however many requests were refused at once; resolves to the key given, or null if dismissed. */
function askForKey(reason) {
  asking ??= new Promise((resolve) => {
    const dialog = byId('key-dialog');
    const input = byId('key-input');
    byId('key-message').textContent = MESSAGES[reason];
    input.value = '';
    dialog.returnValue = '';
    dialog.addEventListener('close', () => {
      const key = dialog.returnValue === 'use' ? input.value.trim() : '';
      input.value = '';
      if (key) sessionStorage.setItem(STORAGE, key);
      else declined = true;
      asking = null;
      resolve(key || null);
    }, { once: true });
    dialog.showModal();
    input.focus();
  });
  return asking;
}

/**
 * Export links: a plain link cannot carry a header, so with a key the file is fetched with it and handed to the
 * browser as a download. Without a key the link works as it always did.
 */
export function keyedDownloads(selector) {
  document.addEventListener('click', async (event) => {
    const a = event.target.closest(selector);
    if (!a || !storedKey() || event.button !== 0) return;
    event.preventDefault();
    const response = await authFetch(a.href);
    if (!response.ok) return;
    const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'logs';
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  });
}
