// The alerts page: firing, acknowledged and resolved alerts (GET /api/v1/alerts), newest first,
// with an Acknowledge button on firing ones for operator and admin tokens (POST …/acknowledge;
// GET /api/v1/me says which role the page's token has).
import { api, post } from '../api.js';
import { h, stat, table } from '../dom.js';
import { pickerForm, statusCell } from './common.js';

const FILTERS = ['open', 'firing', 'acknowledged', 'resolved', 'all'];
const STATES = { open: 'pending,firing,acknowledged', all: '' };
const count = (page) => `${page.items.length}${page.nextCursor ? '+' : ''}`;

export async function alertsPage(params) {
  const filter = params.get('state') ?? 'open';
  const states = STATES[filter] ?? filter;
  const root = h('div', {}, h('h2', {}, 'Alerts'));
  root.append(pickerForm('alerts', [{ name: 'state', label: 'Show', options: FILTERS, value: filter }]));
  const [me, page, counts] = await Promise.all([
    api('/api/v1/me'),
    api(`/api/v1/alerts?limit=200${states ? `&state=${states}` : ''}`),
    Promise.all(['firing', 'acknowledged', 'resolved'].map((s) => api(`/api/v1/alerts?limit=1000&state=${s}`))),
  ]);
  const message = h('p', { class: 'error', role: 'alert', id: 'alerts-error' });
  const ack = (alert) => {
    const button = h('button', { type: 'button', 'data-ack': alert.id }, 'Acknowledge');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await post(`/api/v1/alerts/${encodeURIComponent(alert.id)}/acknowledge`, {});
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (err) {
        message.textContent = `${err.code}: ${err.message}`;
        button.disabled = false;
      }
    });
    return button;
  };
  root.append(
    h(
      'ul',
      { class: 'stats' },
      stat('alerts-firing', count(counts[0]), 'firing'),
      stat('alerts-acknowledged', count(counts[1]), 'acknowledged'),
      stat('alerts-resolved', count(counts[2]), 'resolved'),
    ),
    message,
    table(
      filter === 'all' ? 'Every alert, newest first' : `Alerts (${filter}), newest first`,
      ['since (UTC)', 'state', 'severity', 'model', 'subject', 'summary', ''],
      page.items.map((a) => [
        a.since.slice(0, 19).replace('T', ' '),
        statusCell(a.state),
        a.severity,
        `${a.model} v${a.version}`,
        a.subject ?? '-',
        a.summary,
        a.state === 'firing' && me.role !== 'viewer' ? ack(a) : a.acknowledgedBy ? `by ${a.acknowledgedBy}` : '',
      ]),
      { 'data-table': 'alerts' },
    ),
  );
  if (page.nextCursor) root.append(h('p', {}, 'More alerts than shown: narrow the filter.'));
  return root;
}
