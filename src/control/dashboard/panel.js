// hotswap embeddable panel: a collapsible bottom-right status panel for a host's own web UI.
//
//   <script src="http://127.0.0.1:PORT/panel.js" data-token="READ_TOKEN" async></script>
//
// data-token is the read-only token from .hotswap/panel-token (it can read status, stats and
// events, never reload); the page's origin must be listed in control.allowOrigins. Optional:
// data-collapsed="true" starts it collapsed. Everything lives in a shadow root, so the host's
// CSS cannot break the panel and the panel's CSS cannot leak into the host.
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const base = new URL(script.src).origin;
  const token = script.dataset.token || '';
  const STORE = 'hotswap.panel.collapsed';

  const host = document.createElement('div');
  host.id = 'hotswap-panel';
  host.setAttribute('data-state', 'unknown');
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `
<style>
  :host { all: initial; }
  .wrap { position: fixed; right: 16px; bottom: 16px; z-index: 2147483000; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text);
    --bg: #ffffff; --text: #1f2328; --muted: #656d76; --border: #e1e4e8; --green: #15803d; --amber: #b45309; --red: #c81e1e; --soft: #f3f4f6; --accent: #4f46e5; }
  @media (prefers-color-scheme: dark) { .wrap { --bg: #161b22; --text: #e6edf3; --muted: #8d96a0; --border: #2d333b; --green: #3fb950; --amber: #d29922; --red: #f85149; --soft: #1c2230; --accent: #818cf8; } }
  .card { background: var(--bg); border: 1px solid var(--border); border-radius: 12px; box-shadow: 0 8px 24px rgb(0 0 0 / 18%); width: 272px; overflow: hidden; }
  .head { display: flex; align-items: center; gap: 8px; padding: 9px 12px; cursor: pointer; user-select: none; border: 0; background: none; width: 100%; font: inherit; color: inherit; text-align: left; }
  .dot { width: 9px; height: 9px; border-radius: 50%; background: var(--muted); flex: none; }
  [data-state="running"] .dot { background: var(--green); box-shadow: 0 0 0 3px color-mix(in srgb, var(--green) 25%, transparent); }
  [data-state="reloading"] .dot { background: var(--amber); }
  [data-state="degraded"] .dot { background: var(--red); box-shadow: 0 0 0 3px color-mix(in srgb, var(--red) 25%, transparent); }
  .title { font-weight: 700; }
  .state { color: var(--muted); flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .chev { color: var(--muted); transition: transform .15s; }
  .collapsed .chev { transform: rotate(180deg); }
  .collapsed .card { width: auto; border-radius: 999px; }
  .collapsed .body { display: none; }
  .collapsed .state { flex: none; }
  .body { border-top: 1px solid var(--border); padding: 10px 12px 12px; display: grid; gap: 8px; }
  .stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 6px; }
  .stat { background: var(--soft); border-radius: 8px; padding: 6px 8px; }
  .stat b { display: block; font-size: 16px; font-variant-numeric: tabular-nums; }
  .stat span { color: var(--muted); font-size: 11px; }
  .stat.bad b { color: var(--red); }
  .row { color: var(--muted); font-size: 12px; display: flex; justify-content: space-between; gap: 8px; }
  .row span:last-child { color: var(--text); font-variant-numeric: tabular-nums; text-align: right; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .err { color: var(--red); font-size: 12px; background: color-mix(in srgb, var(--red) 10%, transparent); border-radius: 8px; padding: 6px 8px; overflow-wrap: anywhere; }
  .err code { font: 600 11px ui-monospace, Menlo, monospace; display: block; }
  .recent { list-style: none; margin: 0; padding: 0; display: grid; gap: 3px; }
  .recent:empty::before { content: 'no reloads yet: save a file'; color: var(--muted); font-size: 12px; }
  .recent li { display: grid; grid-template-columns: 14px minmax(0, 1fr) auto; gap: 6px; align-items: baseline; font-size: 12px; }
  .recent .mark { font-weight: 700; }
  .recent .ok .mark { color: var(--green); }
  .recent .bad .mark { color: var(--red); }
  .recent .file { font: 11.5px ui-monospace, Menlo, monospace; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; direction: rtl; text-align: left; }
  .recent .res { color: var(--muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
  .recent .bad .res { color: var(--red); }
  a { color: var(--accent); font-size: 12px; text-decoration: none; }
  a:hover { text-decoration: underline; }
</style>
<div class="wrap" part="panel">
  <div class="card">
    <button class="head" type="button" aria-expanded="true"><span class="dot"></span><span class="title">hotswap</span><span class="state">connecting…</span><span class="chev">▾</span></button>
    <div class="body">
      <div class="stats">
        <div class="stat"><b data-k="reloads">–</b><span>reloads</span></div>
        <div class="stat" data-k-box="failed"><b data-k="failed">–</b><span>failed</span></div>
        <div class="stat"><b data-k="modules">–</b><span>modules</span></div>
      </div>
      <div class="row"><span>last reload</span><span data-k="last">–</span></div>
      <ol class="recent" data-k="recent" aria-label="Last reloads"></ol>
      <div class="row"><span>p50 / p95</span><span data-k="pct">–</span></div>
      <div class="err" hidden><code data-k="code"></code><span data-k="error"></span></div>
      <a href="${base}/" target="_blank" rel="noopener noreferrer">Open dashboard ↗</a>
    </div>
  </div>
</div>`;
  const wrap = root.querySelector('.wrap');
  const head = root.querySelector('.head');
  const q = (k) => root.querySelector(`[data-k="${k}"]`);
  const ms = (v) => (v >= 100 ? `${Math.round(v)}` : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const TEXT = { running: 'running', reloading: 'reloading…', degraded: 'last reload failed', unknown: 'offline' };

  const setCollapsed = (collapsed) => {
    wrap.classList.toggle('collapsed', collapsed);
    head.setAttribute('aria-expanded', String(!collapsed));
    try { sessionStorage.setItem(STORE, collapsed ? '1' : '0'); } catch {}
  };
  let stored = null;
  try { stored = sessionStorage.getItem(STORE); } catch {}
  setCollapsed(stored === null ? script.dataset.collapsed === 'true' : stored === '1');
  head.addEventListener('click', () => setCollapsed(!wrap.classList.contains('collapsed')));

  function setState(s) {
    wrap.dataset.state = s;
    host.dataset.state = s;
    root.querySelector('.state').textContent = TEXT[s] || s;
  }
  function status(st) {
    setState(st.state);
    const last = st.lastReload;
    q('last').textContent = last ? `#${last.id} ${last.status}${last.total ? ` · ${ms(last.total)} ms` : ''}` : '–';
    const err = root.querySelector('.err');
    err.hidden = !st.error;
    if (st.error) {
      q('code').textContent = `${st.error.code}${st.error.location ? ` ${st.error.location.file}:${st.error.location.line}` : ''}`;
      q('error').textContent = st.error.text;
    }
  }
  function stats(s) {
    q('reloads').textContent = String(s.reloads);
    q('failed').textContent = String(s.failed);
    q('modules').textContent = String(s.modules);
    root.querySelector('[data-k-box="failed"]').classList.toggle('bad', s.failed > 0);
    host.dataset.reloads = String(s.reloads);
    const t = s.phases.total;
    q('pct').textContent = t.count ? `${ms(t.p50)} / ${ms(t.p95)} ms` : '–';
  }

  // the last reloads, newest first: which file, and what came of it
  const RECENT = 5;
  const seen = new Set();
  function addReload(type, d) {
    const kind = type.slice('reload:'.length);
    if ((kind !== 'committed' && kind !== 'failed' && kind !== 'declined') || seen.has(d.id)) return;
    seen.add(d.id);
    const files = kind === 'committed' && d.updated?.length ? d.updated.map((u) => `${u.path}@v${u.version}`) : d.files?.length ? d.files : ['all modules'];
    const file = files.length > 1 ? `${files[0]} +${files.length - 1}` : files[0];
    const result = kind === 'committed' ? `${d.timings ? `${ms(d.timings.total)} ms` : 'ok'}` : kind === 'failed' ? (d.error?.code ?? 'failed') : 'declined: restart';
    const li = document.createElement('li');
    li.className = kind === 'committed' ? 'ok' : 'bad';
    li.dataset.status = kind;
    li.title = `#${d.id} ${kind}: ${files.join(', ')}${d.error ? `\n${d.error.text}` : ''}`;
    for (const [cls, text] of [['mark', kind === 'committed' ? '✓' : '✗'], ['file', file], ['res', result]]) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = cls === 'file' ? `\u2066${text}\u2069` : text;
      li.append(span);
    }
    const list = q('recent');
    list.prepend(li);
    while (list.children.length > RECENT) list.lastElementChild.remove();
  }
  async function loadRecent() {
    try {
      const response = await fetch(`${base}/api/events/recent?limit=100`, { headers: { authorization: `Bearer ${token}` } });
      if (!response.ok) return;
      const { events } = await response.json();
      for (const e of events) if (e.type.startsWith('reload:')) addReload(e.type, e.data);
    } catch {
      // the live stream still fills the list
    }
  }

  async function run() {
    let delay = 1000;
    for (;;) {
      try {
        const response = await fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${token}` } });
        if (response.status === 401 || response.status === 403) {
          setState('unknown');
          root.querySelector('.state').textContent = response.status === 401 ? 'token rejected' : 'origin not allowed';
          return;
        }
        if (!response.ok || !response.body) throw new Error(String(response.status));
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            if (!event || !data) continue;
            const payload = JSON.parse(data);
            if (event === 'hello') { status(payload.status); stats(payload.stats); await loadRecent(); }
            else if (event.startsWith('reload:') && event !== 'reload:start') addReload(event, payload);
            else if (event === 'status') status(payload);
            else if (event === 'stats') stats(payload);
            else if (event === 'reload:start') setState('reloading');
          }
        }
      } catch {
        // control server gone (the process restarted?): retry below
      }
      setState('unknown');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }

  const mount = () => document.body.append(host);
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
  run();
})();
