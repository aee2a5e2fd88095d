// Live: SQL live queries over one WebSocket (the JavaScript live client, /js/tidemark-live.js). Each query has an
// editor validated as you type (GraphQL validateLiveQuery: the server's own planner, errors at line and column),
// a result table and a chart. The page renders only at aggMarkEnd, all queries at once, so every query on the page
// always shows the same generation; cells changed in that generation are highlighted (and marked for screen
// readers and without colour by a ● before the value).
import {connect, LiveTable, QueryType} from '/js/tidemark-live.js';
import {graphql, token} from './api.js';
import {h, replace, say} from './dom.js';
import {align, timeChart} from './chart.js';

const STORE = 'tidemark.console.live';
/** Rows drawn above and below a table's visible window. */
const WINDOW_MARGIN = 10;
/** Points per series the chart of an aggregate keeps (one per rendered generation). */
const MAX_POINTS = 300;
const MAX_SERIES = 8;
const CHART_EVERY_MS = 250;

export function start(root) {
  const banner = document.getElementById('connection');
  const generation = h('output', {id: 'live-generation', 'aria-live': 'off'}, '—');
  const msg = h('p', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'live-message'});
  const panels = h('div', {id: 'live-panels'});
  const add = h('button', {type: 'button', id: 'live-add'}, 'Add a query');
  replace(root, h('h2', {text: 'Live'}),
      h('p', {class: 'note'}, 'Live queries over recent.<archive> and latest.<archive> (docs/live-queries.md). The page '
          + 'redraws at each aggMarkEnd: every query below shows the same generation.'),
      h('p', {class: 'generation'}, 'Generation ', generation), msg, panels, add);

  const state = {conn: null, panels: [], stopped: false, renderScheduled: null};

  function status(text, kind) {
    banner.textContent = text;
    banner.className = 'connection ' + (kind || '');
  }

  /** Called from every query's aggMarkEnd: one render per generation, after all queries applied their rows. */
  function generationEnded(g) {
    if (state.renderScheduled === g) return;
    state.renderScheduled = g;
    queueMicrotask(() => {
      state.renderScheduled = null;
      generation.textContent = String(g);
      generation.dataset.generation = String(g);
      for (const p of state.panels) p.render(g);
    });
  }

  function addPanel(sql) {
    const p = panel(sql, state, generationEnded, save);
    state.panels.push(p);
    panels.append(p.el);
    save();
    return p;
  }

  function save() {
    sessionStorage.setItem(STORE, JSON.stringify(state.panels.map(p => p.sql())));
  }

  add.addEventListener('click', () => addPanel('').focus());

  connect({token: token(), listener: {
    connected: info => status(`Live: connected (tenant ${info && info.tenant ? info.tenant : ''}).`, 'ok'),
    reconnected: () => status('Live: reconnected; every query restarted with a new snapshot.', 'ok'),
    disconnected: ev => status(ev.final ? `Live: closed (${ev.code} ${ev.reason || ''}).`
        : `Live: connection lost (${ev.code || ''} ${ev.reason || ''}); reconnecting…`, ev.final ? 'error' : 'warn'),
    connectionError: e => status(`Live: ${e.message}`, 'error'),
  }}).then(conn => {
    if (state.stopped) { conn.close(); return; }
    state.conn = conn;
    status(`Live: connected (tenant ${conn.tenant}).`, 'ok');
    let saved = [];
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || '[]'); } catch (e) { saved = []; }
    if (!saved.length) saved = [''];
    saved.forEach(s => { const p = addPanel(s); if (s.trim()) p.run(); });
  }).catch(e => {
    say(msg, String(e.message || e), 'error');
    status('Live: not connected.', 'error');
  });

  return {stop: () => {
    state.stopped = true;
    state.panels.forEach(p => p.destroy());
    if (state.conn) state.conn.close();
    status('', '');
  }};
}

let panelIds = 0;

/** One query: editor, validation, run/stop, result table, chart. */
function panel(initialSql, state, generationEnded, save) {
  const n = ++panelIds;
  const id = 'live-q' + n;
  const editor = h('textarea', {id: id + '-sql', class: 'sql', rows: 3, cols: 90, spellcheck: 'false',
    'aria-describedby': id + '-validation'});
  editor.value = initialSql;
  const validation = h('div', {id: id + '-validation', class: 'validation', role: 'status', 'aria-live': 'polite'});
  const run = h('button', {type: 'button', class: 'run'}, 'Run');
  const stop = h('button', {type: 'button', class: 'stop', disabled: true}, 'Stop');
  const remove = h('button', {type: 'button', class: 'remove'}, 'Remove');
  const info = h('p', {class: 'query-info'});
  const gen = h('span', {class: 'query-generation'});
  const table = h('table', {class: 'grid live-table'});
  const scroller = h('div', {class: 'table-scroll', tabindex: 0, 'aria-label': `Result of query ${n}`}, table);
  const chartEl = h('div', {class: 'chart'});
  const el = h('section', {class: 'live-query', id, 'aria-label': 'Live query ' + n},
      h('label', {for: editor.id}, `Query ${n} (SQL)`), editor, validation,
      h('div', {class: 'buttons'}, run, stop, remove), info, h('p', {class: 'hint'}, 'Shown: generation ', gen),
      h('div', {class: 'result'}, scroller, chartEl));
  // The window's geometry is read in the scroll handler, never while rendering: a render that read layout after
  // another panel's writes would make the browser lay out the page once per panel.
  let scrollTop = 0;
  let viewHeight = 340;
  scroller.addEventListener('scroll', () => {
    scrollTop = scroller.scrollTop;
    viewHeight = scroller.clientHeight || viewHeight;
    drawWindow();
  }, {passive: true});
  let handle = null;
  let live = null; // LiveTable
  let pending = null; // the changes since the last render, merged
  let view = null; // {order: [keyString], values: Map keyString -> values, changed: Map keyString -> [column] | null}
  let chart = null;
  let series = new Map();
  let lastChart = 0;
  let validateTimer = null;
  let validateSeq = 0;

  editor.addEventListener('input', () => {
    save();
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validate, 250);
  });
  editor.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); start_(); }
  });
  run.addEventListener('click', start_);
  stop.addEventListener('click', stopQuery);
  remove.addEventListener('click', () => {
    destroy();
    state.panels.splice(state.panels.indexOf(api), 1);
    el.remove();
    save();
  });
  if (initialSql.trim()) validate();

  async function validate() {
    const sql = editor.value;
    const seq = ++validateSeq;
    if (!sql.trim()) { replace(validation); return null; }
    try {
      const d = await graphql(`query($s: String!) { validateLiveQuery(sql: $s) { valid
        schema { columns { name type } keyColumns ordered } error { code message line column } } }`, {s: sql});
      if (seq !== validateSeq) return null;
      const v = d.validateLiveQuery;
      validation.className = 'validation ' + (v.valid ? 'ok' : 'error');
      if (v.valid) {
        replace(validation, h('span', {class: 'mark', 'aria-hidden': 'true'}, '✓ '),
            `Valid: columns ${v.schema.columns.map(c => `${c.name} ${c.type}`).join(', ')}; key ${v.schema.keyColumns.join(', ') || '(none)'}.`);
      } else {
        const e = v.error;
        const where = e.line ? ` at line ${e.line}, column ${e.column}` : '';
        replace(validation, h('span', {class: 'mark', 'aria-hidden': 'true'}, '✗ '), `${e.code}${where}: ${e.message}`,
            e.line ? caret(sql, e.line, e.column) : null);
      }
      return v;
    } catch (err) {
      if (seq === validateSeq) { validation.className = 'validation error'; replace(validation, String(err)); }
      return null;
    }
  }

  async function start_() {
    stopQuery();
    const sql = editor.value.trim();
    if (!sql) return;
    if (!state.conn) { info.textContent = 'Not connected.'; return; }
    const v = await validate();
    if (v && !v.valid) { editor.focus(); return; }
    live = new LiveTable({
      onUpdate: (t, change) => { merge(change); if (change.generation !== null) generationEnded(change.generation); },
      onError: (t, e) => { info.textContent = `${e.code}: ${e.detail || e.message}`; info.className = 'query-info error'; },
      onStatus: (t, s) => { info.textContent = s.stale ? `STALE (${s.code}): ${s.message}` : 'OK'; },
    });
    pending = null;
    view = null;
    series = new Map();
    info.textContent = 'Registered; waiting for the snapshot…';
    info.className = 'query-info';
    try {
      handle = state.conn.registerQuery(sql, QueryType.SNAPSHOT_AND_CONTINUOUS, live);
    } catch (e) {
      info.textContent = String(e.message || e);
      info.className = 'query-info error';
      return;
    }
    run.disabled = true;
    stop.disabled = false;
  }

  function stopQuery() {
    if (handle) handle.unregister();
    handle = null;
    live = null;
    run.disabled = false;
    stop.disabled = true;
  }

  function merge(change) {
    if (!pending || change.reset) {
      pending = {reset: change.reset || (pending ? pending.reset : false), changed: new Set(), removed: new Set()};
    }
    for (const k of change.added) { pending.changed.add(k); pending.removed.delete(k); }
    for (const k of change.updated) pending.changed.add(k);
    for (const k of change.removed) { pending.removed.add(k); pending.changed.delete(k); }
  }

  /**
   * Applies what changed since the last render: the rows' order and the cells changed in this generation are kept
   * in memory, and only the rows in the table's visible window are in the DOM (a 1,000-row result that changes
   * completely costs a comparison per row, not a DOM write per cell).
   */
  function render(g) {
    if (!live || !live.schema) return;
    el.dataset.generation = String(g);
    gen.textContent = String(g);
    const change = pending || {reset: false, changed: new Set(), removed: new Set()};
    pending = null;
    if (!view || change.reset) rebuild(); else patch(change);
    drawWindow();
    if (!live.error) {
      info.className = 'query-info';
      info.textContent = `${live.size} row${live.size === 1 ? '' : 's'}`
          + (live.status.stale ? ` — STALE (${live.status.code}): ${live.status.message}` : '');
    }
    chartUpdate();
  }

  function rebuild() {
    const cols = live.schema.columns;
    const tbody = h('tbody');
    view = {order: [...live.rowsByKey.keys()].sort(), values: new Map(), changed: new Map(), tbody, rowPx: 0, drawn: ''};
    for (const [k, t] of live.rowsByKey) view.values.set(k, t.values);
    replace(table, h('thead', {}, h('tr', {}, cols.map(c => h('th', {scope: 'col', 'data-column': c.name},
        c.name, h('span', {class: 'type'}, ' ' + c.type))))), tbody);
  }

  function patch(change) {
    view.changed = new Map();
    if (change.removed.size) {
      view.order = view.order.filter(k => !change.removed.has(k));
      for (const k of change.removed) view.values.delete(k);
    }
    for (const k of change.changed) {
      const t = live.rowsByKey.get(k);
      if (!t) continue;
      const before = view.values.get(k);
      view.values.set(k, t.values);
      if (!before) {
        view.order.push(k);
        view.changed.set(k, null); // a new row: every cell
        continue;
      }
      let cells = null;
      for (let i = 0; i < t.values.length; i++) {
        if (same(t.values[i], before[i])) continue;
        (cells || (cells = [])).push(i);
      }
      if (cells) view.changed.set(k, cells);
    }
  }

  /** Puts the rows of the visible window (plus a margin) in the table, with spacers for the rest. */
  function drawWindow() {
    if (!view) return;
    const n = view.order.length;
    const rowPx = view.rowPx || 30;
    const first = Math.max(0, Math.floor(scrollTop / rowPx) - WINDOW_MARGIN);
    const last = Math.min(n, Math.ceil((scrollTop + viewHeight) / rowPx) + WINDOW_MARGIN);
    const rows = [];
    if (first > 0) rows.push(spacer(first * rowPx));
    for (let i = first; i < last; i++) {
      const k = view.order[i];
      const values = view.values.get(k);
      const marked = view.changed.has(k) ? view.changed.get(k) : undefined;
      rows.push(h('tr', {'data-key': k, 'aria-rowindex': i + 2}, values.map((v, c) => h('td',
          {class: marked === null || (marked && marked.includes(c)) ? 'changed' : null}, show(v)))));
    }
    if (last < n) rows.push(spacer((n - last) * rowPx));
    table.setAttribute('aria-rowcount', n + 1);
    view.tbody.replaceChildren(...rows);
    if (!view.rowPx && last > first) {
      const tr = view.tbody.querySelector('tr[data-key]');
      const px = tr ? tr.getBoundingClientRect().height : 0;
      if (px > 0) view.rowPx = px;
    }
  }

  function spacer(px) {
    const td = h('td', {colspan: live.schema.columns.length});
    td.style.height = px + 'px';
    return h('tr', {class: 'spacer', 'aria-hidden': 'true'}, td);
  }

  /**
   * Adds this generation's points: for an aggregate, the first numeric column of at most MAX_SERIES groups (the first
   * seen), one point per generation; for a row query of recent.<archive>, its rows by rtId. Redraws at most every
   * CHART_EVERY_MS, so the chart costs a few lookups per generation, not a pass over the result.
   */
  function chartUpdate() {
    const cols = live.schema.columns;
    const keys = live.schema.keyColumns;
    const num = cols.findIndex(c => (c.type === 'DOUBLE' || c.type === 'BIGINT') && !keys.includes(c.name));
    if (num < 0) return;
    const rowQuery = keys[0] === 'timestamp';
    const now = Date.now();
    if (!rowQuery) {
      if (series.size < MAX_SERIES) {
        for (const [k, t] of live.rowsByKey) {
          if (series.size >= MAX_SERIES) break;
          if (series.has(k)) continue;
          const label = keys.length ? keys.map(kc => String(t.values[cols.findIndex(c => c.name === kc)])).join(' / ') : cols[num].name;
          series.set(k, {label, points: []});
        }
      }
      for (const [k, s] of series) {
        const t = live.rowsByKey.get(k);
        s.points.push([now / 1000, t ? Number(t.values[num]) : null]);
        if (s.points.length > MAX_POINTS) s.points.shift();
      }
    }
    if (now - lastChart < CHART_EVERY_MS) return;
    lastChart = now;
    if (rowQuery) {
      series = new Map();
      const ts = cols.findIndex(c => c.name === 'timestamp');
      const rid = cols.findIndex(c => c.name === 'rtId');
      for (const t of live.rowsByKey.values()) {
        const label = rid >= 0 ? String(t.values[rid]) : 'value';
        if (!series.has(label)) { if (series.size >= MAX_SERIES) continue; series.set(label, {label, points: []}); }
        series.get(label).points.push([t.values[ts].epochMillis / 1000, Number(t.values[num])]);
      }
    }
    if (!chart) chart = timeChart(chartEl, `${cols[num].name}${rowQuery ? ' by rtId' : ' per group, by generation'}`);
    const list = [...series.values()];
    chart.set(list.map(s => s.label), align(list.map(s => rowQuery ? s.points.sort((a, b) => a[0] - b[0]) : s.points)));
  }

  function destroy() {
    stopQuery();
    if (chart) chart.destroy();
  }

  const api = {el, render, run: start_, destroy, sql: () => editor.value, focus: () => { editor.focus(); return api; }};
  return api;
}

function caret(sql, line, column) {
  const text = sql.split('\n')[line - 1] || '';
  return h('pre', {class: 'caret', 'aria-hidden': 'true'}, text + '\n' + ' '.repeat(Math.max(0, column - 1)) + '^');
}

function same(a, b) {
  if (a === b) return true;
  if (a && b && typeof a === 'object' && typeof a.equals === 'function') return a.equals(b);
  return false;
}

/** A value as text: timestamps in ISO, BigInt exact, null as NULL. */
export function show(v) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'object' && typeof v.toISOString === 'function') return v.toISOString();
  return String(v);
}

