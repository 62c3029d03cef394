// The dashboard's API client: every call carries the operator token kept in sessionStorage.
const KEY = 'outpost.token';

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token.get() ?? ''}` } });
  const body = await res.json();
  if (!res.ok) throw new ApiError(res.status, body.error?.code ?? 'unknown', body.error?.message ?? res.statusText);
  return body;
}

/** A POST with a JSON body; the reply's JSON, or an ApiError with its code. */
export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.get() ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = await res.json();
  if (!res.ok) throw new ApiError(res.status, reply.error?.code ?? 'unknown', reply.error?.message ?? res.statusText);
  return reply;
}

/** Every item of a paginated list, following `nextCursor`. */
export async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/**
 * Reads the server-sent event stream with fetch (EventSource cannot send the token header) and
 * calls `onEvent(type, data)` per event; resolves when the stream ends.
 */
export async function streamEvents(onEvent, signal) {
  const res = await fetch('/api/v1/events', { headers: { authorization: `Bearer ${token.get() ?? ''}` }, signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, 'stream', 'event stream refused');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) continue;
      const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      onEvent(type, data ? JSON.parse(data) : {});
    }
  }
}
