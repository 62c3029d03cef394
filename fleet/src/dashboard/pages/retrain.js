// Retraining runs (docs/MONITORING.md "Retraining"): champion vs challenger, newest first — what
// started each run, both scores on the held-out window, the margin asked and the decision.
import { api } from '../api.js';
import { h, table } from '../dom.js';

const score = (s) =>
  s === undefined ? '-' : Math.abs(s.value) >= 100 ? Math.round(s.value) : Number(s.value.toPrecision(4));
const pct = (x) => (x === undefined || x === null ? '-' : `${Number((x * 100).toFixed(2))}%`);

function triggerText(t) {
  if (t.kind === 'manual') return `manual (${t.actor})`;
  if (t.kind === 'alert') return `alert ${t.metric}`;
  return `${t.count} new labels`;
}

function decision(r) {
  if (r.outcome === 'promoted')
    return `promoted: v${r.registeredVersion}${r.campaignId ? `, canary ${r.campaignId}` : r.campaignError ? ` (no canary: ${r.campaignError.code})` : ''}`;
  if (r.outcome === 'failed') return `failed: ${r.error?.code ?? ''}`;
  return r.outcome;
}

export async function retrainPage(params) {
  const model = params.get('model');
  const { items } = await api(`/api/v1/retrain-runs?limit=200${model ? `&model=${encodeURIComponent(model)}` : ''}`);
  const root = h('div', {}, h('h2', {}, model ? `Retraining runs of ${model}` : 'Retraining runs'));
  if (items.length === 0) {
    root.append(
      h(
        'p',
        { 'data-empty': 'retrain' },
        'No retraining run yet: outpost retrain <model> --fresh <file> --keys <dir>.',
      ),
    );
    return root;
  }
  root.append(
    table(
      'Newest first; scores on the newest labelled window, which neither model trained on',
      [
        'started (UTC)',
        'model',
        'champion',
        'trigger',
        'metric',
        'champion score',
        'challenger score',
        'improvement',
        'margin',
        'decision',
      ],
      items.map((r) => [
        r.startedAt.slice(0, 19).replace('T', ' '),
        r.model,
        `v${r.championVersion}`,
        triggerText(r.trigger),
        r.metric ?? '-',
        score(r.champion),
        score(r.challenger),
        pct(r.improvement),
        pct(r.margin),
        decision(r),
      ]),
      { 'data-table': 'retrain' },
    ),
  );
  return root;
}
