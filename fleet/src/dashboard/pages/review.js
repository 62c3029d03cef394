// The review queue page (docs/MONITORING.md "Review queue"): low-confidence predictions devices
// forwarded with their inputs; a reviewer labels one and the label becomes ground truth.
import { ApiError, all, token } from '../api.js';
import { fixed, h, stat } from '../dom.js';

async function postLabel(body) {
  const res = await fetch('/api/v1/review/label', {
    method: 'POST',
    headers: { authorization: `Bearer ${token.get() ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = await res.json();
  if (!res.ok) throw new ApiError(res.status, reply.error?.code ?? 'unknown', reply.error?.message ?? res.statusText);
  return reply;
}

/** A number when the reviewer typed one (class index, value), else the text (class name). */
const labelValue = (text) => {
  const t = text.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
};

const inputsText = (inputs) =>
  Object.entries(inputs)
    .map(([k, v]) => `${k} = ${v === null ? 'missing' : v}`)
    .join(', ');

function labelForm(item, onDone) {
  const input = h('input', {
    name: 'label',
    required: true,
    'aria-label': `label for ${item.predictionId}`,
    size: 8,
  });
  const status = h('span', { role: 'status', class: 'form-status' });
  const form = h(
    'form',
    {
      class: 'review-label',
      'data-prediction': item.predictionId,
      onsubmit: async (e) => {
        e.preventDefault();
        status.textContent = 'saving…';
        try {
          const r = await postLabel({
            device: item.device,
            predictionId: item.predictionId,
            label: labelValue(input.value),
          });
          status.textContent = r.outcome;
          onDone();
        } catch (err) {
          status.textContent = err instanceof ApiError ? `${err.code}: ${err.message}` : String(err);
          status.setAttribute('class', 'error');
        }
      },
    },
    input,
    h('button', { type: 'submit' }, 'Label'),
    status,
  );
  return form;
}

export async function reviewPage(params) {
  const model = params.get('model');
  const q = model ? `&model=${encodeURIComponent(model)}` : '';
  const [pending, labelled] = await Promise.all([
    all(`/api/v1/review?state=pending${q}`),
    all(`/api/v1/review?state=labelled${q}`),
  ]);
  // Re-rendered through the router, so the figures come from the API again.
  const rerender = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const rows = pending.map((i) =>
    h(
      'tr',
      { 'data-review': `${i.device}/${i.predictionId}` },
      h('td', {}, i.device),
      h('td', {}, h('code', {}, i.predictionId)),
      h('td', {}, `${i.model} v${i.version}`),
      h('td', {}, inputsText(i.inputs)),
      h('td', { class: 'num' }, fixed(i.prediction, 4)),
      h('td', { class: 'num' }, fixed(i.confidence, 3)),
      h('td', {}, i.reason),
      h('td', {}, labelForm(i, rerender)),
    ),
  );
  return h(
    'div',
    {},
    h('h2', {}, 'Review queue'),
    h(
      'p',
      {},
      'Predictions devices were unsure of, with the inputs they saw. A label given here is ground truth for that prediction: the model’s performance counts it.',
    ),
    h(
      'ul',
      { class: 'stats' },
      stat('review-pending', pending.length, 'waiting for a label'),
      stat('review-labelled', labelled.length, 'labelled'),
    ),
    pending.length === 0
      ? h('p', { 'data-empty': 'review' }, 'Nothing waits for review.')
      : h(
          'table',
          { 'data-table': 'review' },
          h('caption', {}, 'Oldest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['device', 'prediction id', 'model', 'inputs', 'prediction', 'confidence', 'reason', 'label'].map((x) =>
                h('th', { scope: 'col' }, x),
              ),
            ),
          ),
          h('tbody', {}, rows),
        ),
  );
}
