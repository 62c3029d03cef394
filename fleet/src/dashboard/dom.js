// Small DOM helpers: elements are built with textContent only (no HTML strings from data).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An accessible table: caption, header cells with scope, one row per item. Cells may be nodes; numbers align right. */
export function table(caption, headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', { scope: 'col' }, x)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c) => h('td', typeof c === 'number' ? { class: 'num' } : {}, c)),
        ),
      ),
    ),
  );
}

/** A figure with a data attribute tests read: `<li><strong data-stat="name">value</strong> label</li>`. */
export function stat(name, value, label) {
  return h('li', {}, h('strong', { 'data-stat': name }, value), label);
}

export const ago = (iso) => {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

export const fixed = (x, digits = 4) => (x === null || x === undefined ? '-' : Number(x).toFixed(digits));
