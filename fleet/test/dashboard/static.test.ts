import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSP } from '../../src/http/api-server.ts';
import { startApiFixture, type ApiFixture } from '../http/api-fixture.ts';

/** Local URLs a file refers to: src/href attributes of HTML, import specifiers and url() of JS and CSS. */
function references(text: string, type: string): string[] {
  const found: string[] = [];
  if (type.includes('html')) for (const m of text.matchAll(/\s(?:src|href)="([^"#]+)"/g)) found.push(m[1] as string);
  if (type.includes('javascript'))
    for (const m of text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)/gm))
      found.push((m[1] ?? m[2]) as string);
  if (type.includes('css')) for (const m of text.matchAll(/url\(["']?([^"')]+)["']?\)/g)) found.push(m[1] as string);
  return found.filter((u) => !/^(https?:|data:|mailto:)/.test(u));
}

describe('the dashboard files, served by the fleet', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    f = await startApiFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('serves the page and everything it refers to (transitively), each with the CSP header', async () => {
    const seen = new Set<string>();
    const queue = [`${f.url}/`];
    while (queue.length > 0) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await fetch(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-security-policy'), url).toBe(CSP);
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      for (const ref of references(text, type)) queue.push(new URL(ref, url).href);
    }
    const paths = [...seen].map((u) => new URL(u).pathname).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        '/',
        '/app.js',
        '/api.js',
        '/charts.js',
        '/pages.js',
        '/pages/drift.js',
        '/pages/quality.js',
        '/pages/performance.js',
        '/pages/alerts.js',
        '/pages/rollouts.js',
        '/line-chart.js',
        '/heatmap.js',
        '/style.css',
        '/vendor/uPlot.esm.js',
      ]),
    );
  });

  it('has no inline script, inline style or inline event handler (the CSP would block them)', async () => {
    const html = await (await fetch(`${f.url}/`)).text();
    expect(html).toMatch(/<script type="module" src="app.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('sends the CSP header on API replies and errors too', async () => {
    for (const path of ['/api/v1/health', '/api/v1/devices', '/no-such-file.js']) {
      const res = await fetch(`${f.url}${path}`);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
    }
  });
});
