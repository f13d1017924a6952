// hotswap dashboard. Everything it shows arrives over one event stream (fetch + SSE framing,
// so the token travels in the Authorization header and never in a URL); the graph and the
// module list are fetched again only when an event says they changed. No polling.
import { createGraphView } from './graph.js';
import { createHistoryView } from './history.js';

const TOKEN_KEY = 'hotswap.token';
const FEED_LIMIT = 60;
const $ = (id) => document.getElementById(id);

// --- token: one-time URL fragment → session storage, fragment removed from the address bar
function takeToken() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();
const state = { status: null, stats: null, modules: [], lastSeq: 0, entries: new Map(), streamOk: false };

class AuthError extends Error {}

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  if (response.status === 401) throw new AuthError('token rejected');
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.text ?? `HTTP ${response.status}`);
  return body;
}

// --- small DOM helpers (text only: nothing from the server is ever parsed as HTML)
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    // through the CSSOM: the page's CSP (style-src 'self') refuses style attributes
    else if (k === 'style') for (const [prop, value] of Object.entries(v)) node.style.setProperty(prop, value);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const fmtNum = (v) => (v >= 100 ? String(Math.round(v)) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtMs = (v) => (v == null ? '–' : v >= 100 ? `${Math.round(v)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
const fmtClock = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
function fmtDuration(seconds) {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
/**
 * `a, b and 5 more`: a reload of everything would otherwise list every module. `total`: how many
 * there were in all, when an event names only some (its updatedCount, rerunCount).
 */
function shortList(items, max = 2, total = items.length) {
  const all = Math.max(total ?? 0, items.length);
  if (all <= max + 1 && items.length === all) return items.join(', ');
  const shown = Math.min(max, items.length);
  return `${items.slice(0, shown).join(', ')} and ${all - shown} more`;
}
function toast(message) {
  const el = $('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}

// --- status and stats
const STATE_TEXT = { running: 'Running', reloading: 'Reloading…', degraded: 'Last reload failed', fatal: 'FATAL: no good version running', unknown: 'Connecting…' };

function renderStatus(status) {
  state.status = status;
  let label = STATE_TEXT[status.state] ?? status.state;
  if (status.state === 'degraded' && status.lastReload?.status !== 'failed') label = 'Degraded';
  $('status').dataset.state = status.state;
  $('status-text').textContent = status.enabled ? label : `${label} · hot reload off`;
  $('status').title = status.problems.join('\n');
  $('meta').textContent = `pid ${status.pid} · up ${fmtDuration(status.uptime)} · ${status.project}`;
  const waiting = notStarted();
  if (waiting) $('status-text').textContent = 'Not started: waiting for a fix';
  $('error-serving').textContent = waiting
    ? 'the app has not started yet: it is waiting for a fix'
    : status.state === 'fatal'
      ? 'no good version is running: fix and save, or restart'
      : 'the last good version keeps serving';
  renderError(status.error);
}

function renderStats(stats) {
  state.stats = stats;
  const set = (id, value, sub) => {
    $(`stat-${id}`).textContent = value;
    if (sub !== undefined) $(`stat-${id}-sub`).textContent = sub;
  };
  set('reloads', String(stats.reloads), stats.skipped ? `${stats.skipped} without changes` : 'transactions');
  set('succeeded', String(stats.succeeded), stats.reloads ? `${Math.round((stats.succeeded / Math.max(1, stats.succeeded + stats.failed)) * 100)}% of attempts` : '');
  set('failed', String(stats.failed), stats.failed ? (notStarted() ? 'the app has not started yet' : 'old code kept serving') : 'none');
  $('stat-failed').classList.toggle('bad', stats.failed > 0);
  set('modules', String(stats.modules), `${stats.versions.alive} versions alive`);
  const total = stats.phases.total;
  $('stat-p50').replaceChildren(...(total.count ? [`${fmtNum(total.p50)} / ${fmtNum(total.p95)}`, h('span', { class: 'unit', text: 'ms' })] : ['–']));
  $('stat-p50-sub').textContent = total.count ? `total, over ${total.count} reload${total.count === 1 ? '' : 's'}` : 'no reload yet';
  $('stat-p50-sub').title = total.count ? ['stage', 'validate', 'commit', 'dispose'].map((p) => `${p}: p50 ${fmtMs(stats.phases[p].p50)}, p95 ${fmtMs(stats.phases[p].p95)}`).join('\n') : '';
  const lookups = stats.cache.memoryHits + stats.cache.diskHits + stats.cache.misses;
  set('cache', lookups ? `${Math.round(stats.cache.hitRate * 100)}%` : '–', `${stats.cache.memoryHits + stats.cache.diskHits} hits · ${stats.cache.misses} misses`);
  const plugins = stats.providers?.plugins;
  if (plugins && typeof plugins === 'object') {
    const parts = Object.entries(plugins).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${v} ${k}`);
    if (parts.length) $('stat-modules-sub').textContent = `plugins: ${parts.slice(0, 3).join(' · ')}`;
  }
}

function frameNode(frame) {
  const pre = h('pre', { class: 'frame' });
  for (const line of frame.split('\n')) {
    const marked = line.startsWith('>') || /^\s+\|\s*\^/.test(line);
    pre.append(marked ? h('span', { class: 'hl', text: line }) : line, '\n');
  }
  return pre;
}

function renderError(error) {
  $('error-panel').hidden = !error;
  if (!error) return;
  $('error-code').textContent = error.code;
  $('error-where').textContent = error.location ? `${error.location.file}:${error.location.line}:${error.location.column}` : '';
  $('error-text').textContent = error.text;
  $('error-frame').replaceWith(Object.assign(error.frame ? frameNode(error.frame) : h('pre', { class: 'frame', hidden: true }), { id: 'error-frame' }));
  $('error-hint').textContent = error.hint ? `Hint: ${notStarted() ? withoutServingClaim(error.hint) : error.hint}` : '';
}

/** The app failed to start and has not started since: no version of it serves. */
function notStarted() {
  return state.status?.problems.some((p) => p.includes('has not started yet')) ?? false;
}

/** Hints are written for a running app; before the first start "the last good version keeps serving" is untrue. */
function withoutServingClaim(hint) {
  return hint.replace(/;?\s*the (?:last good|previous) version keeps serving\.?/, '; the app starts once it loads without errors.');
}

// --- live feed
function phasesNode(t) {
  const parts = ['stage', 'validate', 'commit', 'dispose'];
  const sum = parts.reduce((s, p) => s + t[p], 0);
  // a reload that failed early has no phase split, only how long it took to fail
  if (sum === 0) return h('div', { class: 'phases' }, h('div', { class: 'phase-legend' }, h('span', {}, h('b', { text: `total ${fmtMs(t.total)}` }))));
  return h(
    'div',
    { class: 'phases' },
    h('div', { class: 'phase-bar', title: 'stage · validate · commit · dispose' }, parts.map((p) => h('span', { class: `p-${p}`, style: { width: `${(t[p] / sum) * 100}%` } }))),
    h('div', { class: 'phase-legend' }, parts.map((p) => h('span', {}, h('i', { class: `p-${p}` }), `${p} ${fmtMs(t[p])}`)), h('span', {}, h('b', { text: `total ${fmtMs(t.total)}` }))),
  );
}

function entryNode(type, d, at) {
  const kind = type === 'reload:start' ? 'pending' : type.startsWith('reload:') ? type.slice(7) : 'event';
  const badge = { pending: 'reloading', committed: 'committed', failed: 'failed', skipped: 'no change', declined: 'declined' }[kind] ?? type;
  const files = shortList(d.files ?? []) || 'all modules';
  if (kind === 'event') return eventNode(type, d, at);
  const li = h(
    'li',
    { class: `entry ${kind}`, 'data-id': d.id ?? '' },
    h('div', { class: 'entry-head' }, h('span', { class: 'badge', text: badge }), d.id !== undefined ? h('span', { class: 'entry-id', text: `#${d.id}` }) : null, h('span', { class: 'entry-files', title: (d.files ?? []).join('\n'), text: files }), h('time', { text: fmtClock(at) })),
  );
  if (kind === 'committed') {
    // Events name the first few modules and count them all (updatedCount, rerunCount).
    const updated = shortList(d.updated.map((u) => `${u.path}@v${u.version}`), 4, d.updatedCount);
    const rerun = shortList(d.rerun.map((r) => r.path), 4, d.rerunCount);
    li.append(h('div', { class: 'entry-detail' }, 'updated ', h('span', { class: 'mono', text: updated || '—' }), d.rerun.length ? ` · re-ran ${rerun} (state reset)` : ''));
    li.append(phasesNode(d.timings));
  } else if (kind === 'failed') {
    const e = d.error;
    const where = e.location ? `${e.location.file}:${e.location.line}:${e.location.column}` : '';
    li.append(h('div', { class: 'error-line' }, h('code', { text: e.code }), where ? h('span', { class: 'where', text: `${where} ` }) : null, e.text));
    if (e.frame) li.append(frameNode(e.frame));
    li.append(phasesNode(d.timings));
  } else if (kind === 'declined') {
    li.append(h('div', { class: 'entry-detail', text: `${d.module} declined hot updates: restart the process to apply this change` }));
  }
  return li;
}

/** A provider's event (the plugin host's): one compact line, in the words its provider chose. */
function eventNode(type, d, at) {
  const name = type.slice(type.indexOf(':') + 1); // `plugins:plugin:reloaded` → `plugin:reloaded`
  const tone = /failed|error|timeout/.test(name) ? 'bad' : /reloaded|loaded|enabled/.test(name) ? 'ok' : '';
  const text = typeof d.detail?.text === 'string' ? d.detail.text : `${name} ${JSON.stringify(d.detail ?? d)}`;
  return h(
    'li',
    { class: `entry event ${tone}`.trim(), 'data-type': type },
    h('div', { class: 'entry-head' }, h('span', { class: 'badge', text: name.slice(0, name.indexOf(':')) || name }), h('span', { class: 'event-text', title: text, text }), h('time', { text: fmtClock(at) })),
  );
}

function addFeedEvent(type, data, at) {
  if (type === 'file' || type === 'error') return; // file events are folded into their reload; runtime errors show in status
  if (type === 'versions:recorded' || type === 'versions:stable') return; // routine: the history tab shows them
  const feed = $('feed');
  const node = entryNode(type, data, at);
  const existing = data.id !== undefined ? state.entries.get(data.id) : undefined;
  if (existing?.isConnected) existing.replaceWith(node);
  else feed.prepend(node);
  if (data.id !== undefined) state.entries.set(data.id, node);
  while (feed.children.length > FEED_LIMIT) feed.lastElementChild.remove();
  $('feed-empty').hidden = feed.children.length > 0;
  $('feed-count').textContent = `${feed.children.length} shown`;
}

// --- modules and graph
let graphView;
let historyView;
let refreshQueued = null;

function refreshModules() {
  // coalesce a burst of reload events into one fetch
  refreshQueued ??= Promise.resolve().then(async () => {
    refreshQueued = null;
    const [graph, { modules }, leaks] = await Promise.all([api('/api/graph'), api('/api/modules'), api('/api/leaks')]);
    state.modules = modules;
    renderLeaks(leaks);
    graphView.render(graph);
    renderModules(modules, graph);
    showModuleInfo(graphView.selected);
  }).catch(onError);
  return refreshQueued;
}

// --- leaks: replaced versions not collected, released resources still alive (GET /api/leaks)
function renderLeaks(leaks) {
  const items = [
    ...leaks.versions.map((v) => h('li', { class: 'entry', text: `${v.module}@v${v.version} still reachable ${fmtDuration(v.replacedForMs / 1000)} after it was replaced` })),
    ...leaks.resources.map((r) => h('li', { class: 'entry', title: r.stack ?? '', text: `${r.label} of ${r.module}@v${r.version} alive ${fmtDuration(r.releasedForMs / 1000)} after its release` })),
  ];
  $('leaks').replaceChildren(...items);
  $('leaks-panel').hidden = items.length === 0;
}

function renderModules(modules, graph) {
  $('modules-count').textContent = String(modules.length);
  const recent = new Set(graph.nodes.filter((n) => n.changed || n.rerun).map((n) => n.id));
  $('modules').replaceChildren(
    ...modules.map((m) =>
      h(
        'tr',
        { class: recent.has(m.path) ? 'recent' : '' },
        h('td', {}, m.path, m.error ? h('span', { class: 'err', text: m.error }) : null),
        h('td', { class: 'num', text: m.version == null ? '–' : `v${m.version}` }),
        h('td', { class: 'num', text: String(m.imports.length) }),
        h('td', { class: 'num', text: String(m.importers.length) }),
        h('td', { class: 'num', text: m.lastReloadAt ? fmtClock(m.lastReloadAt) : '–' }),
        h('td', {}, h('button', { class: 'btn small', type: 'button', text: 'Reload', onclick: () => reload({ module: m.path }) })),
      ),
    ),
  );
}

function showModuleInfo(id) {
  const box = $('graph-info');
  const m = id && state.modules.find((x) => x.path === id);
  if (!m) {
    box.replaceChildren(h('span', { class: 'muted', text: 'Click a module to see what it imports and what imports it. Scroll to zoom, drag to pan.' }));
    return;
  }
  const list = (items) => (items.length ? items.join(', ') : '—');
  box.replaceChildren(
    h('h3', {}, m.path, h('span', { class: 'muted', text: m.version == null ? 'not loaded' : `v${m.version}` }), h('button', { class: 'btn small', type: 'button', text: 'Reload module', onclick: () => reload({ module: m.path }) })),
    h(
      'dl',
      {},
      h('dt', { text: 'imports' }), h('dd', { text: list(m.imports) }),
      h('dt', { text: 'imported by' }), h('dd', { text: list(m.importers) }),
      h('dt', { text: 'last reload' }), h('dd', { text: m.lastReloadAt ? fmtClock(m.lastReloadAt) : '—' }),
      m.error ? [h('dt', { text: 'error' }), h('dd', { text: m.error })] : [],
    ),
  );
}

// --- actions
async function reload(body = {}) {
  const button = $('reload-all');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const { result } = await api('/api/reload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (result.status === 'skipped') toast(`Reload #${result.id}: nothing to do (${result.reason})`);
    return result;
  } catch (error) {
    onError(error);
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Re-running every module resets their state: ask first, and say what happened after. */
async function confirmReloadAll() {
  const dialog = $('confirm-reload');
  dialog.returnValue = '';
  dialog.showModal();
  await new Promise((resolve) => dialog.addEventListener('close', resolve, { once: true }));
  if (dialog.returnValue !== 'confirm') return;
  const result = await reload({});
  if (result?.status === 'committed') toast(`Re-ran ${result.updated.length} modules: state not kept in import.meta.hot.data was reset`);
}

function onError(error) {
  if (error instanceof AuthError) return showAuth('The token was rejected: the process was probably restarted and has a new one. Open the new link it printed:');
  toast(error.message);
}

function showAuth(reason) {
  if (reason) $('auth-reason').textContent = reason;
  $('auth').hidden = false;
  $('status').dataset.state = 'unknown';
  $('status-text').textContent = 'Not signed in';
  $('reload-all').disabled = true;
}

// --- event stream
function handle(type, data, id) {
  if (id !== undefined) state.lastSeq = Math.max(state.lastSeq, Number(id));
  switch (type) {
    case 'hello':
      renderStatus(data.status);
      renderStats(data.stats);
      refreshModules();
      return;
    case 'status':
      return renderStatus(data);
    case 'stats':
      return renderStats(data);
    default:
      addFeedEvent(type, data, data.at ?? Date.now());
      if (type === 'reload:committed' || type === 'reload:failed' || type === 'file') refreshModules();
      if (type === 'reload:committed' || type.startsWith('versions:')) historyView.changed();
  }
}

async function* sseEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let id;
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = v;
        else if (field === 'id') id = v;
        else if (field === 'data') data.push(v);
      }
      if (data.length) yield { event, id, data: JSON.parse(data.join('\n')) };
    }
  }
}

function setLive(live) {
  state.streamOk = live;
  $('live').dataset.live = String(live);
  $('live').textContent = live ? 'live' : 'reconnecting…';
  $('reload-all').disabled = !live;
}

async function connect() {
  let delay = 500;
  for (;;) {
    try {
      const headers = { authorization: `Bearer ${token}` };
      if (state.lastSeq) headers['last-event-id'] = String(state.lastSeq);
      const response = await fetch('/api/events', { headers });
      if (response.status === 401) return showAuth('The token was rejected: the process was probably restarted and has a new one. Open the new link it printed:');
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      setLive(true);
      delay = 500;
      for await (const { event, id, data } of sseEvents(response.body)) handle(event, data, id);
    } catch {
      // the process went away or restarted: try again, a little slower each time
    }
    setLive(false);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 5000);
  }
}

// --- tabs
function selectTab(name) {
  for (const tab of ['graph', 'modules', 'history']) {
    $(`tab-${tab}`).setAttribute('aria-selected', String(tab === name));
    $(`view-${tab}`).hidden = tab !== name;
  }
  $('legend').hidden = name !== 'graph';
  if (name === 'graph') graphView.fit();
  if (name === 'history') historyView.show();
  else historyView.hide();
}

async function start() {
  graphView = createGraphView($('graph'), { onSelect: showModuleInfo });
  $('tab-graph').addEventListener('click', () => selectTab('graph'));
  $('tab-modules').addEventListener('click', () => selectTab('modules'));
  historyView = createHistoryView($('view-history'), { api, h, toast });
  $('tab-history').addEventListener('click', () => selectTab('history'));
  $('graph-fit').addEventListener('click', () => graphView.fit({ all: true }));
  $('reload-all').addEventListener('click', () => void confirmReloadAll());
  if (!token) return showAuth();
  try {
    // the recent past first, then the stream from where it ends
    const { events } = await api(`/api/events/recent?limit=${FEED_LIMIT}`);
    for (const e of events) {
      state.lastSeq = Math.max(state.lastSeq, e.seq);
      addFeedEvent(e.type, e.data, e.at);
    }
  } catch (error) {
    if (error instanceof AuthError) return onError(error);
  }
  connect();
}

start();
