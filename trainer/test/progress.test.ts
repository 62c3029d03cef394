import { describe, expect, it } from 'vitest';
import { progressSink } from '../src/cli/progress.ts';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = {
    isTTY,
    columns: 100,
    text: '',
    write(chunk: string) {
      s.text += chunk;
      return true;
    },
  };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('progressSink', () => {
  it('draws one bar in place on a terminal and ends it at n/n', () => {
    const out = fakeStream(true);
    let t = 0;
    const p = progressSink(out, () => t);
    p('cv gbdt (5 folds)…');
    t = 1500;
    p('tuning gbdt: 1/4 rmse 43834');
    p('tuning gbdt: 2/4 rmse 43462');
    p('tuning gbdt: 4/4 rmse 43448');
    p('chosen: gbdt');
    const lines = out.text.split('\n');
    expect(lines[0]).toBe('[   0.0 s] cv gbdt (5 folds)…');
    // three redraws of the same line, the last one full
    expect((lines[1]?.match(/\r/g) ?? []).length).toBe(3);
    expect(lines[1]).toContain('[########################] tuning gbdt: 4/4');
    expect(lines[1]).toContain('[######..................] tuning gbdt: 1/4');
    expect(lines[2]).toBe('[   1.5 s] chosen: gbdt');
  });

  it('prints plain timestamped lines when the output is not a terminal', () => {
    const out = fakeStream(false);
    const p = progressSink(out, () => 0);
    p('tuning gbdt: 1/4 rmse 43834');
    p.done();
    expect(out.text).toBe('[   0.0 s] tuning gbdt: 1/4 rmse 43834\n');
  });
});
