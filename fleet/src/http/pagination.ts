import { ApiErrorCodes, fleetError } from '../errors.ts';

/**
 * Long lists come in pages (docs/OPERATIONS.md "Dashboard and API"): `limit` items and an opaque
 * `nextCursor` that names the last item's sort key, so a page stays right when items are added
 * before it was asked for. The cursor is base64url JSON; callers must treat it as opaque.
 */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64url');
}

/** The key a cursor names; throws OUTPOST_ERR_API_REQUEST_INVALID for anything the API did not issue. */
export function decodeCursor(cursor: string): string | number {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown };
    if (typeof v.k === 'string' || (typeof v.k === 'number' && Number.isFinite(v.k))) return v.k;
  } catch {
    // reported below
  }
  throw fleetError(ApiErrorCodes.API_REQUEST_INVALID, 'cursor is not one this API issued', {
    issues: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}

/** One page of `items` in ascending order of `key` (a string sort key), after `cursor`. */
export function paginate<T>(
  items: readonly T[],
  key: (item: T) => string,
  limit: number,
  cursor: string | undefined,
): Page<T> {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const after = cursor === undefined ? undefined : String(decodeCursor(cursor));
  const rest = after === undefined ? sorted : sorted.filter((i) => key(i) > after);
  const pageItems = rest.slice(0, limit);
  const last = pageItems.at(-1);
  return { items: pageItems, nextCursor: rest.length > limit && last ? encodeCursor(key(last)) : null };
}
