// The rollouts page: campaigns (GET /api/v1/campaigns), and for the chosen one its progress per
// wave, each wave's gates with value and limit, and its transitions from the audit log.
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { statusCell } from './common.js';

const DONE = new Set(['converged', 'installed', 'active', 'done', 'passed']);
const when = (iso) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');
const num = (x) => (x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : Number(x).toFixed(4));

function progressBar(done, total) {
  const bar = h('progress', { max: total || 1, value: done }, `${done}/${total}`);
  return h('span', {}, bar, ` ${done}/${total}`);
}

function waveTable(status) {
  return table(
    'Progress per wave',
    ['wave', 'state', 'devices done', 'started', 'ended', 'device states'],
    status.waves.map((w) => {
      const done = w.devices.filter((d) => DONE.has(d.state)).length;
      const states = {};
      for (const d of w.devices) states[d.state] = (states[d.state] ?? 0) + 1;
      return [
        w.index + 1,
        statusCell(w.state),
        progressBar(done, w.devices.length),
        when(w.startedAt),
        when(w.endedAt),
        Object.entries(states)
          .map(([s, n]) => `${s} ${n}`)
          .join(', '),
      ];
    }),
    { 'data-table': 'waves' },
  );
}

function gateTable(status) {
  const rows = status.waves.flatMap((w) =>
    (w.gates ?? []).map((g) => [
      w.index + 1,
      g.gate,
      h('span', { class: g.passed ? 'status-ok' : 'status-failed' }, g.passed ? 'passed' : 'failed'),
      num(g.value),
      num(g.limit),
      g.note ?? '',
    ]),
  );
  return table('Gates', ['wave', 'gate', 'result', 'value', 'limit', 'note'], rows, { 'data-table': 'gates' });
}

async function historyTable(status) {
  const page = await api(`/api/v1/audit?model=${encodeURIComponent(status.model)}&limit=1000`);
  const entries = page.items.filter((e) => e.target === status.id);
  return table(
    'History (newest first)',
    ['time (UTC)', 'actor', 'action', 'from → to', 'reason'],
    entries.map((e) => [
      when(e.at),
      e.actor,
      e.action,
      e.details?.from ? `${e.details.from} → ${e.details.to}` : '-',
      e.reason ?? '',
    ]),
    { 'data-table': 'history' },
  );
}

export async function rolloutsPage(params) {
  const { items } = await api('/api/v1/campaigns');
  const root = h('div', {}, h('h2', {}, 'Rollouts'));
  if (items.length === 0) {
    root.append(h('p', {}, 'No campaign yet (outpost rollout start).'));
    return root;
  }
  const chosen = params.get('id') ?? items[0].id;
  root.append(
    table(
      'Campaigns, newest first',
      ['campaign', 'model', 'state', 'wave', 'created', 'by'],
      items.map((c) => [
        h(
          'a',
          { href: `#/rollouts?id=${encodeURIComponent(c.id)}`, 'aria-current': c.id === chosen || undefined },
          c.id,
        ),
        `${c.model} v${c.version}`,
        statusCell(c.state),
        `${(c.current ?? 0) + 1}/${c.waves?.length ?? '-'}`,
        when(c.createdAt),
        c.createdBy ?? '-',
      ]),
      { 'data-table': 'campaigns' },
    ),
  );
  const status = await api(`/api/v1/campaigns/${encodeURIComponent(chosen)}`);
  root.append(
    h(
      'h3',
      {},
      `${status.id}: ${status.model} v${status.version}, `,
      h('span', { 'data-stat': 'campaign-state' }, status.state),
    ),
    h('p', {}, status.reason ?? ''),
    waveTable(status),
    gateTable(status),
    await historyTable(status),
  );
  return root;
}
