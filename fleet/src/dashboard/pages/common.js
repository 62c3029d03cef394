// Pieces the monitoring pages share: a status cell, a model picker, and the model list.
import { all } from '../api.js';
import { h } from '../dom.js';

export const statusCell = (s) => h('span', { class: `status-${s}` }, s);

/** Model names registered, and the one the page shows (`?model=`, else the first). */
export async function modelChoice(params) {
  const models = await all('/api/v1/models');
  const names = [...new Set(models.map((m) => m.name))];
  return { names, model: params.get('model') ?? names[0] };
}

/** A form with a model select (and more fields) that navigates to `#/<page>?model=…&…` on change. */
export function pickerForm(page, fields) {
  const form = h(
    'form',
    { id: `${page}-form` },
    fields.flatMap((f) => [
      h('label', { for: `${page}-${f.name}` }, f.label),
      h(
        'select',
        { id: `${page}-${f.name}`, name: f.name },
        f.options.map((o) => h('option', { value: o, selected: o === f.value }, o)),
      ),
    ]),
  );
  form.addEventListener('change', () => {
    const q = new URLSearchParams();
    for (const f of fields) q.set(f.name, form.elements[f.name].value);
    location.hash = `#/${page}?${q}`;
  });
  return form;
}
