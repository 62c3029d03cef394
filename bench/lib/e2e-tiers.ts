/**
 * The tiers of bench/e2e-ingest.ts, started one of two ways: all in the bench's own process (as the
 * fleet's tests run them), or the fleet and each gateway as its own OS process through the
 * `outpost` CLI with enrolment (as a deployment runs them; stack/processes.ts). Either way the
 * devices' credentials go straight into each gateway's credential store, as bench/soak.ts does.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateSigningKeyPair } from '@outpost/protocol';
import { ensureEnrolled, issueCredentials } from '@outpost/protocol/node';
import { FLEET_DB_FILE, startFleet } from '@outpost/fleet';
import { openGatewayCredentials, startGateway, type Gateway } from '@outpost/gateway';
import { RELEASE_PUBLIC_KEY } from '../../stack/model.ts';
import { enrollViaCli, freePort, kill, spawnTier, waitForOutput, type Tier } from '../../stack/processes.ts';

export interface E2eTiers {
  /** The site broker of each gateway. */
  gatewayUrls: string[];
  /** Each device's password at its gateway (device i is on gateway i mod G). */
  passwords: Map<string, string>;
  /** Windows stored in fleet.db so far. */
  stored(): number;
  /** Redeliveries the fleet ignored (known in process only). */
  duplicates(): number | undefined;
  fleetDb: string;
  close(): Promise<void>;
}

/** Issues the credentials of gateway g's devices into its data dir. */
function issueDevices(
  dataDir: string,
  ids: string[],
  g: number,
  gateways: number,
  passwords: Map<string, string>,
): void {
  const creds = openGatewayCredentials(dataDir);
  for (let i = g; i < ids.length; i += gateways) {
    const d = ids[i] as string;
    passwords.set(d, issueCredentials(creds, d, Date.now()).password);
  }
  creds.close();
}

/** `root`: a fresh directory for this run's data dirs. */
export async function inProcessTiers(root: string, ids: string[], gateways: number): Promise<E2eTiers> {
  const keys = generateSigningKeyPair();
  const fleetDir = join(root, 'fleet');
  const fleet = await startFleet({ dataDir: fleetDir, port: 0, enrollPort: 0, publicKeyPem: keys.publicKeyPem });
  const started: Gateway[] = [];
  const passwords = new Map<string, string>();
  const close = async (): Promise<void> => {
    for (const g of started) await g.close().catch(() => undefined);
    await fleet.close().catch(() => undefined);
  };
  try {
    for (let g = 0; g < gateways; g++) {
      const id = `site-${g + 1}`;
      const dataDir = join(root, `gw-${g + 1}`);
      await ensureEnrolled({
        id,
        dataDir,
        enrollUrl: fleet.enrollUrl as string,
        createToken: (x) => fleet.createEnrollToken(x),
      });
      issueDevices(dataDir, ids, g, gateways, passwords);
      started.push(
        await startGateway({
          id,
          dataDir,
          upstreamUrl: fleet.brokerUrl,
          localPort: 0,
          publicKeyPem: keys.publicKeyPem,
          fleetKeyPem: fleet.intentPublicKeyPem,
          reconnectPeriodMs: 200,
        }),
      );
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    gatewayUrls: started.map((g) => g.localUrl),
    passwords,
    stored: () => fleet.stats().telemetryStored,
    duplicates: () => fleet.stats().telemetryDuplicates,
    fleetDb: join(fleetDir, FLEET_DB_FILE),
    close,
  };
}

export async function processTiers(root: string, ids: string[], gateways: number): Promise<E2eTiers> {
  const tiers: Tier[] = [];
  const passwords = new Map<string, string>();
  let reader: Database.Database | undefined;
  const close = async (): Promise<void> => {
    reader?.close();
    // SIGTERM: each tier closes its store as on any orderly stop.
    for (const t of tiers.reverse()) await kill(t, 'SIGTERM');
  };
  try {
    const [port, enrollPort] = [await freePort(), await freePort()];
    const fleetDir = join(root, 'fleet');
    const fleet = spawnTier(
      'fleet',
      [
        'fleet',
        ...['--data-dir', fleetDir, '--port', String(port), '--enroll-port', String(enrollPort)],
        ...['--public-key', RELEASE_PUBLIC_KEY, '--log-level', 'warn'],
      ],
      root,
    );
    tiers.push(fleet);
    await waitForOutput(fleet, /mqtt:\/\//, 60_000);
    const gatewayUrls: string[] = [];
    for (let g = 0; g < gateways; g++) {
      const id = `site-${g + 1}`;
      const dataDir = join(root, `gw-${g + 1}`);
      const enrollUrl = `http://127.0.0.1:${enrollPort}`;
      await enrollViaCli({
        kind: 'gateway',
        id,
        servingDataDir: fleetDir,
        enrollUrl,
        nodeDataDir: dataDir,
        logDir: root,
      });
      issueDevices(dataDir, ids, g, gateways, passwords);
      const local = await freePort();
      const gw = spawnTier(
        `gateway-${g + 1}`,
        [
          'gateway',
          ...['--id', id, '--data-dir', dataDir, '--upstream', `mqtt://127.0.0.1:${port}`, '--port', String(local)],
          ...['--public-key', RELEASE_PUBLIC_KEY, '--log-level', 'warn'],
        ],
        root,
      );
      tiers.push(gw);
      await waitForOutput(gw, /mqtt:\/\//, 60_000);
      gatewayUrls.push(`mqtt://127.0.0.1:${local}`);
    }
    const fleetDb = join(fleetDir, FLEET_DB_FILE);
    const db = new Database(fleetDb, { readonly: true });
    reader = db;
    // The largest rowid, not COUNT(*): a count scans the table, and it is polled in a tight loop
    // (read at most every 10 ms). Nothing is deleted during a run, so rowids count the inserts.
    const count = db.prepare<[], { n: number }>('SELECT COALESCE(MAX(rowid), 0) AS n FROM telemetry');
    let last = { at: 0, n: 0 };
    const stored = (): number => {
      const now = performance.now();
      if (now - last.at >= 10) last = { at: now, n: count.get()?.n ?? 0 };
      return last.n;
    };
    return { gatewayUrls, passwords, stored, duplicates: () => undefined, fleetDb, close };
  } catch (err) {
    await close();
    throw err;
  }
}
