// The dashboard's pages: each returns a node built from the operator API's replies.
import { all, api } from './api.js';
import { ago, h, stat, table } from './dom.js';

const version = (m) => (m ? `${m.name} v${m.version}` : '-');
const statusCell = (s) => h('span', { class: `status-${s}` }, s);

export async function overview() {
  const [gateways, devices, models] = await Promise.all([
    all('/api/v1/gateways'),
    all('/api/v1/devices'),
    all('/api/v1/models'),
  ]);
  const online = devices.filter((d) => d.online).length;
  const running = new Map();
  for (const d of devices) if (d.active) running.set(version(d.active), (running.get(version(d.active)) ?? 0) + 1);
  return h(
    'div',
    {},
    h('h2', {}, 'Fleet overview'),
    h(
      'ul',
      { class: 'stats' },
      stat('gateways', gateways.length, 'gateways (sites)'),
      stat('devices', devices.length, 'devices'),
      stat('online', online, 'online'),
      stat('offline', devices.length - online, 'offline'),
      stat('versions', models.length, 'registered versions'),
    ),
    table(
      'Sites',
      ['gateway', 'status', 'online', 'devices', 'last seen', 'assignments'],
      gateways.map((g) => [
        h('a', { href: `#/devices?site=${encodeURIComponent(g.id)}` }, g.id),
        statusCell(g.status),
        g.online ? 'yes' : 'no',
        g.devices.length,
        ago(g.lastSeen),
        g.assignments.map((a) => `${a.name} v${a.version}${a.devices ? ` [${a.devices.join(',')}]` : ''}`).join('; ') ||
          '-',
      ]),
      { 'data-table': 'gateways' },
    ),
    table(
      'Versions running',
      ['model version', 'devices'],
      [...running.entries()].sort().map(([v, n]) => [v, n]),
      { 'data-table': 'running' },
    ),
  );
}

export async function devicesPage(params) {
  const site = params.get('site');
  const devices = await all(`/api/v1/devices${site ? `?site=${encodeURIComponent(site)}` : ''}`);
  return h(
    'div',
    {},
    h('h2', {}, site ? `Devices of ${site}` : 'Devices'),
    h('p', {}, h('span', { 'data-stat': 'device-count' }, devices.length), ' devices'),
    table(
      'Devices',
      ['device', 'gateway', 'state', 'running', 'assigned', 'last seen', 'p50', 'p95', 'errors', 'last error'],
      devices.map((d) => [
        h('a', { href: `#/devices/${encodeURIComponent(d.id)}` }, d.id),
        d.gateway ?? '-',
        statusCell(d.state),
        version(d.active),
        version(d.assigned),
        ago(d.lastSeen),
        d.health.latencyP50Ms === null ? '-' : `${d.health.latencyP50Ms}ms`,
        d.health.latencyP95Ms === null ? '-' : `${d.health.latencyP95Ms}ms`,
        d.health.errorRate === null ? '-' : `${(d.health.errorRate * 100).toFixed(1)}%`,
        d.lastError?.code ?? '',
      ]),
      { 'data-table': 'devices' },
    ),
  );
}

export async function devicePage(id) {
  const d = await api(`/api/v1/devices/${encodeURIComponent(id)}`);
  const rows = [
    ['gateway', d.gateway ?? '-'],
    ['state', statusCell(d.state)],
    ['online', d.online ? 'yes' : 'no'],
    ['last seen', d.lastSeen ? `${d.lastSeen} (${ago(d.lastSeen)})` : 'never'],
    ['running', version(d.active)],
    [
      'assigned',
      d.assigned
        ? `${version(d.assigned)}${d.assigned.override ? ' (device override)' : ''}${d.assigned.rollback ? ' (rollback)' : ''}`
        : '-',
    ],
    ['reported status', d.reportedStatus ?? '-'],
    ['revision', d.revision],
    ['last error', d.lastError ? `${d.lastError.code}: ${d.lastError.message}` : '-'],
    ['windows (health)', h('span', { 'data-stat': 'health-windows' }, d.health.windows)],
    ['rows (health)', h('span', { 'data-stat': 'health-rows' }, d.health.rows)],
    ['latency p50 / p95', `${d.health.latencyP50Ms ?? '-'} ms / ${d.health.latencyP95Ms ?? '-'} ms`],
    ['error rate', d.health.errorRate === null ? '-' : `${(d.health.errorRate * 100).toFixed(2)}%`],
  ];
  return h(
    'div',
    {},
    h('h2', {}, `Device ${d.id}`),
    h(
      'dl',
      {},
      rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    ),
    d.active
      ? h(
          'p',
          {},
          h(
            'a',
            { href: `#/drift?model=${encodeURIComponent(d.active.name)}&device=${encodeURIComponent(d.id)}` },
            'drift of this device',
          ),
        )
      : null,
  );
}

export async function modelsPage() {
  const models = await all('/api/v1/models');
  return h(
    'div',
    {},
    h('h2', {}, 'Models'),
    table(
      'Registered versions',
      ['model', 'version', 'parent', 'registered', 'state', 'metrics', 'assigned at', 'running on'],
      models.map((m) => [
        h('a', { href: `#/drift?model=${encodeURIComponent(m.name)}&version=${m.version}` }, m.name),
        `v${m.version}`,
        m.parentVersion === null ? '-' : `v${m.parentVersion}`,
        m.registeredAt.slice(0, 19).replace('T', ' '),
        m.withdrawnAt === null ? 'active' : 'withdrawn',
        Object.entries(m.metrics)
          .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
          .join(' ') || '-',
        m.assignedAt.join(', ') || '-',
        m.runningOn.length === 0
          ? '-'
          : `${m.runningOn.length} (${m.runningOn.slice(0, 5).join(', ')}${m.runningOn.length > 5 ? ', …' : ''})`,
      ]),
      { 'data-table': 'models' },
    ),
  );
}

export async function auditPage() {
  const root = h('div', {}, h('h2', {}, 'Audit log'));
  const body = h('tbody', {});
  const more = h('button', { type: 'button' }, 'Older entries');
  let cursor = null;
  const load = async () => {
    const page = await api(`/api/v1/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const e of page.items)
      body.append(
        h(
          'tr',
          {},
          [
            e.at.slice(0, 19).replace('T', ' '),
            e.actor,
            e.action,
            e.model ? `${e.model}${e.version ? ` v${e.version}` : ''}` : '-',
            e.target,
            e.reason ?? '',
          ].map((c) => h('td', {}, c)),
        ),
      );
    cursor = page.nextCursor;
    more.hidden = cursor === null;
  };
  more.addEventListener('click', () => void load());
  root.append(
    h(
      'table',
      { 'data-table': 'audit' },
      h('caption', {}, 'Newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['time (UTC)', 'actor', 'action', 'model', 'target', 'reason'].map((x) => h('th', { scope: 'col' }, x)),
        ),
      ),
      body,
    ),
    more,
  );
  await load();
  return root;
}
