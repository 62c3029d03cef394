import { describe, expect, it } from 'vitest';
import { CSV_ERROR, isOutpostError, parseCsv } from '../src/index.ts';

describe('parseCsv', () => {
  it('reads quoted fields, escaped quotes, CRLF and embedded newlines', () => {
    const t = parseCsv('a,b,c\r\n1,"x, y",3\r\n4,"he said ""hi""","multi\nline"\n\n');
    expect(t.header).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      ['1', 'x, y', '3'],
      ['4', 'he said "hi"', 'multi\nline'],
    ]);
    expect(t.lines).toEqual([2, 3]);
  });
  it('names the line of a ragged row', () => {
    try {
      parseCsv('a,b\n1,2\n3\n', 'f.csv');
      expect.unreachable();
    } catch (err) {
      expect(isOutpostError(err, CSV_ERROR)).toBe(true);
      expect((err as { details: { line: number } }).details.line).toBe(3);
    }
  });
  it('refuses an empty file and an unterminated quote, with the code and where', () => {
    expect(() => parseCsv('', 'e.csv')).toThrow(
      expect.objectContaining({ code: CSV_ERROR, details: { source: 'e.csv', line: 1 } }),
    );
    // The quote opens on line 3 (column 2) and the text ends inside it.
    expect(() => parseCsv('a,b\n1,2\n3,"x\n4\n', 'q.csv')).toThrow(
      expect.objectContaining({ code: CSV_ERROR, details: { source: 'q.csv', line: 3, column: 2 } }),
    );
  });
});
