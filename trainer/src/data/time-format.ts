/**
 * Timestamps parsed, never compared as text: `DD/MM/YYYY` sorted as text puts the 31st of every
 * month after the 1st of the next. A time column is read under the spec's `split.format`:
 *
 * - `iso` (the default): ISO 8601 — `2004-03-10`, `2004-03-10T18:00`, `2004-03-10 18:00:00.5Z`,
 *   with an optional `Z` or `±hh:mm` offset (no offset: read as UTC, which keeps the order);
 * - `epoch-s` / `epoch-ms`: seconds or milliseconds since 1970-01-01 UTC;
 * - a pattern of `YYYY`, `MM`, `DD`, `HH`, `mm`, `ss`, `SSS` and literal characters, such as
 *   `DD/MM/YYYY`, `MM/DD/YYYY`, `YYYY-MM-DD HH:mm:ss`, `DD/MM/YYYY HH:mm` or `DD/MM/YYYY HH.mm.ss`.
 *   Month, day, hour, minute and second take one or two digits.
 *
 * With `split.time_column` the date cell and the time cell are joined by one space before parsing
 * (`10/03/2004` + `18.00.00` under `DD/MM/YYYY HH.mm.ss`). A numeric time column with no format is
 * used as its numbers. A value that does not parse, or names a day that does not exist, is a coded
 * error with file, line and column — at `explore` as at `train`.
 */

export const EPOCH_FORMATS = ['epoch-s', 'epoch-ms'] as const;

/** A parser from text to milliseconds since 1970-01-01 UTC (undefined: does not parse). */
export type TimeParser = (text: string) => number | undefined;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > daysInMonth) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return Number.isFinite(t) ? t : undefined;
}

const fraction = (digits: string | undefined): number => (digits ? Number(`0.${digits}`) * 1000 : 0);

function parseIso(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const n = (k: number): number => (m[k] === undefined ? 0 : Number(m[k]));
  const t = utc(n(1), n(2), n(3), n(4), n(5), n(6), fraction(m[7]));
  if (t === undefined) return undefined;
  const zone = m[8];
  if (!zone || zone === 'Z') return t;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) as RegExpExecArray;
  const offset = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
  return z[1] === '+' ? t - offset : t + offset;
}

const TOKENS: Record<string, string> = {
  YYYY: '(\\d{4})',
  SSS: '(\\d{1,9})',
  MM: '(\\d{1,2})',
  DD: '(\\d{1,2})',
  HH: '(\\d{1,2})',
  mm: '(\\d{1,2})',
  ss: '(\\d{1,2})',
};

/** True when `format` is `iso`, an epoch unit, or a pattern with at least YYYY, MM and DD. */
export function isTimeFormat(format: string): boolean {
  if (format === 'iso' || (EPOCH_FORMATS as readonly string[]).includes(format)) return true;
  const fields = patternFields(format);
  return ['YYYY', 'MM', 'DD'].every((t) => fields.includes(t)) && new Set(fields).size === fields.length;
}

function patternFields(format: string): string[] {
  const fields: string[] = [];
  for (let i = 0; i < format.length;) {
    const token = Object.keys(TOKENS).find((t) => format.startsWith(t, i));
    if (token) {
      fields.push(token);
      i += token.length;
    } else i++;
  }
  return fields;
}

function patternParser(format: string): TimeParser {
  let source = '';
  const fields: string[] = [];
  for (let i = 0; i < format.length;) {
    const token = Object.keys(TOKENS).find((t) => format.startsWith(t, i));
    if (token) {
      source += TOKENS[token] as string;
      fields.push(token);
      i += token.length;
    } else {
      source += (format[i] as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    }
  }
  const re = new RegExp(`^${source}$`);
  return (text) => {
    const m = re.exec(text);
    if (!m) return undefined;
    const get = (t: string): string | undefined => {
      const k = fields.indexOf(t);
      return k < 0 ? undefined : m[k + 1];
    };
    const n = (t: string): number => Number(get(t) ?? 0);
    return utc(n('YYYY'), n('MM'), n('DD'), n('HH'), n('mm'), n('ss'), fraction(get('SSS')));
  };
}

/** The parser for a spec `format` (default ISO 8601). */
export function timeParser(format = 'iso'): TimeParser {
  if (format === 'iso') return parseIso;
  if (format === 'epoch-s' || format === 'epoch-ms') {
    const scale = format === 'epoch-s' ? 1000 : 1;
    return (text) => {
      if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return undefined;
      const t = Number(text) * scale;
      return Number.isFinite(t) ? t : undefined;
    };
  }
  return patternParser(format);
}
