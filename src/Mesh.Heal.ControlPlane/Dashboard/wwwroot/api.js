// The control plane's API as the page uses it: every call carries the pasted token.
const TOKEN_KEY = 'meshheal.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => (value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY)),
};

export function headers(extra = {}) {
  const t = token.get();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** An HTTP failure, with the API's own message when it sent one. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** What an HTTP status means to the operator, in words. */
export function explain(status, message) {
  switch (status) {
    case 401: return `401 not signed in: the token is missing or not known to the control plane${message ? ` (${message})` : ''}`;
    case 403: return `403 not allowed: this token may not do that${message ? ` (${message})` : ''}`;
    case 404: return `404 not found${message ? `: ${message}` : ''}`;
    default: return `${status || 'network'} error${message ? `: ${message}` : ''}`;
  }
}

async function failure(response) {
  let message = response.statusText;
  try {
    const text = await response.text();
    try {
      message = JSON.parse(text).message ?? text;
    } catch {
      message = text || message;
    }
  } catch {
    // the body could not be read; the status says enough
  }
  return new ApiError(response.status, message);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: headers({ Accept: 'application/json' }), cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return response.json();
}

export async function post(path) {
  const response = await fetch(path, { method: 'POST', headers: headers({ Accept: 'application/json' }) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** Splits server-sent-event text into complete frames; returns [frames, rest]. */
export function parseFrames(buffer) {
  const frames = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  let start = 0;
  let end;
  while ((end = text.indexOf('\n\n', start)) >= 0) {
    const frame = { event: 'message', data: [] };
    for (const line of text.slice(start, end).split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data.push(value);
    }
    if (frame.data.length > 0) frames.push({ event: frame.event, data: frame.data.join('\n') });
    start = end + 2;
  }
  return [frames, text.slice(start)];
}

/**
 * Reads /v1/events with fetch() (EventSource cannot send the token) until it ends or `signal` aborts.
 * Calls onOpen once the server accepted, onEvent(kind, json) per event; throws ApiError on a refused connection.
 */
export async function readEvents(signal, onOpen, onEvent) {
  const response = await fetch('/v1/events', { headers: headers({ Accept: 'text/event-stream' }), cache: 'no-store', signal });
  if (!response.ok || !response.body) throw await failure(response);
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    let frames;
    [frames, buffer] = parseFrames(buffer + value);
    for (const frame of frames) {
      let data;
      try {
        data = JSON.parse(frame.data);
      } catch {
        continue;
      }
      onEvent(frame.event, data);
    }
  }
}
