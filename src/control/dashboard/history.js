// hotswap dashboard: the history view. Versions per module with trigger, state, result and
// timings; a diff between any two versions (A and B), or of one version against its parent;
// a rollback button that asks before it writes. Fetched when the tab opens and again when a
// versions event or a committed reload arrives while it is open.

const fmtMs = (v) => (v == null ? '–' : v >= 100 ? `${Math.round(v)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
const fmtClock = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function diffClass(line) {
  if (line.startsWith('+++') || line.startsWith('---')) return 'head';
  if (line.startsWith('@@')) return 'hunk';
  return line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : '';
}

/** `root` is the tab panel; `api`, `h` and `toast` are the dashboard's own helpers. */
export function createHistoryView(root, { api, h, toast }) {
  const state = { module: '', versions: [], modules: [], a: null, b: null, visible: false, unavailable: null };
  const list = h('tbody');
  const select = h('select', { id: 'history-module', 'aria-label': 'Module', onchange: () => ((state.module = select.value), refresh()) });
  const diffBox = h('div', { class: 'history-diff', id: 'history-diff' }, h('p', { class: 'muted', text: 'Pick A and B to compare two versions, or "Diff" to see a version against its parent.' }));
  const confirmBox = h('div', { class: 'history-confirm', id: 'history-confirm', hidden: true, role: 'alertdialog', 'aria-modal': 'true' });
  const compare = h('button', { class: 'btn small', type: 'button', id: 'history-compare', text: 'Compare A → B', disabled: true, onclick: () => showDiff(state.b, state.a) });
  const note = h('p', { class: 'muted history-note' });
  root.replaceChildren(
    h('div', { class: 'history-tools' }, h('label', { text: 'Module ' }, select), compare, note),
    h('div', { class: 'table-wrap' }, h('table', { class: 'modules history' }, h('thead', {}, h('tr', {}, ...['A', 'B', 'Version', 'Trigger', 'State', 'When', 'Total', 'SHA-256', 'Parent', ''].map((t) => h('th', { text: t })))), list)),
    confirmBox,
    diffBox,
  );

  async function refresh() {
    const query = state.module ? `?module=${encodeURIComponent(state.module)}&limit=200` : '?limit=200';
    let body;
    try {
      body = await api(`/api/history${query}`);
    } catch (error) {
      state.unavailable = error.message;
      note.textContent = `History is off: ${error.message}`;
      list.replaceChildren();
      return;
    }
    state.versions = body.versions;
    state.modules = body.modules;
    note.textContent = `${body.versions.length} version(s)`;
    const options = [h('option', { value: '', text: 'all modules' }), ...body.modules.map((m) => h('option', { value: m, text: m }))];
    select.replaceChildren(...options);
    select.value = state.module;
    render();
  }

  function render() {
    list.replaceChildren(...state.versions.map(rowNode));
    compare.disabled = !(state.a && state.b && state.a !== state.b);
  }

  function pick(slot, id) {
    state[slot] = id;
    render();
  }

  function rowNode(v) {
    const canRoll = v.result === 'committed' && v.hash && !v.running;
    return h(
      'tr',
      { class: `${v.running ? 'running' : ''} ${v.state}`, 'data-id': String(v.id) },
      h('td', {}, h('input', { type: 'radio', name: 'history-a', 'aria-label': `A: #${v.id}`, checked: state.a === v.id, disabled: !v.hash, onchange: () => pick('a', v.id) })),
      h('td', {}, h('input', { type: 'radio', name: 'history-b', 'aria-label': `B: #${v.id}`, checked: state.b === v.id, disabled: !v.hash, onchange: () => pick('b', v.id) })),
      h('td', {}, h('code', { text: `${v.module}@${v.seq}` }), h('span', { class: 'muted', text: ` #${v.id}` }), v.running ? h('span', { class: 'badge running', text: 'running' }) : null),
      h('td', {}, h('span', { class: `badge trigger-${v.trigger}`, text: v.trigger }), v.reason ? h('div', { class: 'muted reason', text: v.reason }) : null),
      h('td', {}, h('span', { class: `badge state-${v.state}`, text: v.state }), v.error ? h('div', { class: 'err', text: `${v.error.code}: ${v.error.text}` }) : null),
      h('td', { class: 'num', text: fmtClock(v.createdAt) }),
      h('td', { class: 'num', text: fmtMs(v.timings?.total) }),
      h('td', {}, h('code', { class: 'hash', title: v.hash ?? '', text: v.hash ? v.hash.slice(0, 12) : '—' })),
      h('td', { class: 'num', text: v.parentId == null ? '—' : `#${v.parentId}` }),
      h(
        'td',
        { class: 'actions' },
        v.hash ? h('button', { class: 'btn small', type: 'button', text: 'Diff', onclick: () => showDiff(v.id) }) : null,
        canRoll ? h('button', { class: 'btn small danger', type: 'button', text: 'Roll back', 'data-rollback': String(v.id), onclick: () => askRollback(v) }) : null,
      ),
    );
  }

  async function showDiff(id, against) {
    try {
      const body = await api(`/api/versions/${id}${against ? `?against=${against}` : ''}`);
      const title = `${body.against ? `${body.against.module}@${body.against.seq}` : '(nothing)'} → ${body.version.module}@${body.version.seq}`;
      const lines = (body.diff || ' (identical)\n').split('\n').map((line) => h('span', { class: diffClass(line), text: `${line}\n` }));
      diffBox.replaceChildren(h('h3', { text: `Diff ${title}` }), h('pre', { class: 'frame diff' }, ...lines));
    } catch (error) {
      toast(error.message);
    }
  }

  function askRollback(v) {
    confirmBox.hidden = false;
    confirmBox.replaceChildren(
      h('p', {}, 'Roll back ', h('code', { text: `${v.module}` }), ` to version @${v.seq} (#${v.id})? The file on disk and the running code both change; the reload is validated first.`),
      h(
        'div',
        { class: 'history-confirm-buttons' },
        h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => (confirmBox.hidden = true) }),
        h('button', { class: 'btn primary danger', type: 'button', id: 'history-confirm-rollback', text: `Roll back to @${v.seq}`, onclick: () => rollback(v) }),
      ),
    );
  }

  async function rollback(v) {
    confirmBox.hidden = true;
    try {
      const { outcome } = await api('/api/rollback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: v.id, reason: 'dashboard' }) });
      if (outcome.status === 'failed') toast(`Rollback failed: ${outcome.error?.text ?? 'unknown error'}; nothing changed`);
      else toast(`Rolled back ${v.module} to @${v.seq}`);
    } catch (error) {
      toast(error.message);
    }
    await refresh();
  }

  return {
    show() {
      state.visible = true;
      return refresh();
    },
    hide() {
      state.visible = false;
    },
    /** A version was recorded or changed state, or a reload committed. */
    changed() {
      if (state.visible) void refresh();
    },
  };
}
