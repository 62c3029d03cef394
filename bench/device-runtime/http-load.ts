import { Agent, request } from 'node:http';

/** One POST over a keep-alive agent; resolves with the status once the body is read. */
function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface LoadResult {
  /** Per-request latency in µs (concurrency 1 only). */
  latencyUs: number[];
  /** Requests per second over the timed part. */
  rps: number;
  failures: number;
}

/**
 * `concurrency` loops each sending `requests / concurrency` POSTs back to back over one keep-alive
 * agent (after `warmup` untimed requests); the bodies cycle through `bodies`.
 */
export async function httpLoad(
  url: string,
  bodies: readonly string[],
  o: { concurrency: number; requests: number; warmup: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const target = new URL(url);
  let k = 0;
  const nextBody = (): string => bodies[k++ % bodies.length] as string;
  for (let i = 0; i < o.warmup; i++) await post(agent, target, nextBody());
  const latencyUs: number[] = [];
  let failures = 0;
  const perLoop = Math.ceil(o.requests / o.concurrency);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      for (let i = 0; i < perLoop; i++) {
        const s = performance.now();
        const status = await post(agent, target, nextBody());
        if (o.concurrency === 1) latencyUs.push((performance.now() - s) * 1000);
        if (status !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { latencyUs, rps: (perLoop * o.concurrency) / seconds, failures };
}
