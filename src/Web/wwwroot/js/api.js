// The public HTTP API, nothing else.
import { authFetch } from './auth.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJson(path, signal) {
  return send(path, { signal, headers: { Accept: 'application/json' } });
}

export async function send(path, init = {}) {
  const response = await authFetch(path, init);
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const problem = await response.json();
      detail = problem.detail ?? problem.title ?? detail;
    } catch {
      // not a problem body
    }
    throw new ApiError(response.status, detail);
  }
  return response.status === 204 ? null : response.json();
}

export const isAbort = (e) => e?.name === 'AbortError';
