import { errorDefinition } from '@outpost/protocol';
import { predictBodies, type Boundary } from './boundaries.ts';

/** Statuses a refused /predict body may get; anything else (a 500 above all) is a crash. */
const REFUSALS = new Set([400, 413, 415]);

/** POST /predict over real loopback HTTP with fuzzed bodies (`url` is read per case: the device may restart). */
export function predictBoundary(url: () => string): Boundary<Uint8Array> {
  return {
    name: 'HTTP POST /predict body',
    input: predictBodies,
    async run(body) {
      const res = await fetch(`${url()}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const reply = (await res.json()) as { predictions?: unknown[]; error?: { code?: string } };
      if (res.status === 200) {
        if (!Array.isArray(reply.predictions) || reply.predictions.length === 0)
          throw new Error(`200 without predictions: ${JSON.stringify(reply)}`);
        return { accepted: true };
      }
      const code = reply.error?.code;
      if (!REFUSALS.has(res.status) || code === undefined || errorDefinition(code) === undefined)
        throw new Error(`status ${res.status} with ${JSON.stringify(reply).slice(0, 300)}`);
      return { accepted: false, code };
    },
  };
}
