// The Outpost fleet dashboard: login with an operator token, hash-routed pages, live updates
// from the API's event stream. Plain ES modules, no build step.
import { ApiError, api, streamEvents, token } from './api.js';
import { h } from './dom.js';
import { auditPage, devicePage, devicesPage, modelsPage, overview } from './pages.js';
import { alertsPage } from './pages/alerts.js';
import { driftPage } from './pages/drift.js';
import { performancePage } from './pages/performance.js';
import { qualityPage } from './pages/quality.js';
import { rolloutsPage } from './pages/rollouts.js';
import { reviewPage } from './pages/review.js';
import { retrainPage } from './pages/retrain.js';

const $ = (id) => document.getElementById(id);

function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = (path || '/').split('/').filter(Boolean);
  if (parts[0] === 'devices' && parts[1])
    return { nav: '#/devices', render: () => devicePage(decodeURIComponent(parts[1])) };
  if (parts[0] === 'devices') return { nav: '#/devices', render: () => devicesPage(params) };
  if (parts[0] === 'models') return { nav: '#/models', render: () => modelsPage() };
  if (parts[0] === 'drift') return { nav: '#/drift', render: () => driftPage(params) };
  if (parts[0] === 'quality') return { nav: '#/quality', render: () => qualityPage(params) };
  if (parts[0] === 'performance') return { nav: '#/performance', render: () => performancePage(params) };
  if (parts[0] === 'alerts') return { nav: '#/alerts', render: () => alertsPage(params) };
  if (parts[0] === 'rollouts') return { nav: '#/rollouts', render: () => rolloutsPage(params) };
  if (parts[0] === 'audit') return { nav: '#/audit', render: () => auditPage() };
  if (parts[0] === 'review') return { nav: '#/review', render: () => reviewPage(params) };
  if (parts[0] === 'retrain') return { nav: '#/retrain', render: () => retrainPage(params) };
  return { nav: '#/', render: () => overview() };
}

/** Marks a page rendered: `data-ready` for tests, and a performance mark for the first one (bench/dashboard-render.ts). */
function markReady(value) {
  document.body.dataset.ready = value;
  if (performance.getEntriesByName('outpost-first-render').length === 0) performance.mark('outpost-first-render');
}

let rendering = 0;
async function render() {
  const r = route();
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.getAttribute('href') === r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const mine = ++rendering;
  try {
    const node = await r.render();
    if (mine !== rendering) return;
    $('page').replaceChildren(node);
    markReady(String(mine));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin('The token was refused; log in again.');
    $('page').replaceChildren(
      h('p', { class: 'error', role: 'alert' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)),
    );
    markReady(String(mine));
  }
}

function showLogin(message = '') {
  token.clear();
  stopLive();
  $('login').hidden = false;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('live').hidden = true;
  $('page').replaceChildren();
  $('login-error').textContent = message;
  markReady('login');
}

let live;
let pending;
function stopLive() {
  live?.abort();
  live = undefined;
}
function startLive() {
  stopLive();
  const controller = new AbortController();
  live = controller;
  const status = $('live');
  status.hidden = false;
  status.textContent = 'live';
  streamEvents((type) => {
    status.textContent = `live · last event: ${type} at ${new Date().toLocaleTimeString()}`;
    // At most one re-render a second however many events arrive (a rollout sends one per device).
    if (pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      void render();
    }, 1000);
  }, controller.signal)
    .catch(() => undefined)
    .finally(() => {
      if (live !== controller) return;
      status.textContent = 'reconnecting…';
      setTimeout(() => live === controller && startLive(), 3000);
    });
}

async function start() {
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  startLive();
  await render();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  token.set($('token').value.trim());
  try {
    await api('/api/v1/devices?limit=1');
  } catch (err) {
    return showLogin(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
  }
  $('token').value = '';
  await start();
});
$('logout').addEventListener('click', () => showLogin());
window.addEventListener('hashchange', () => {
  if (token.get()) void render();
});

if (token.get()) void start();
else showLogin();
