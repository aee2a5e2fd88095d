// History: an archive's values over a time range and a set of rtIds, read with GraphQL streamData from the
// archive itself or the rollup whose bucket fits the range (raw for minutes, 1-minute for hours, 1-hour for
// months …), drawn with uPlot.
import {graphql} from './api.js';
import {field, fmtSeconds, h, replace, say} from './dom.js';
import {parseBucket} from './buckets.js';
import {align, timeChart} from './chart.js';

/** Points per rtId a chart should show at most; the source is the finest whose buckets give at most this many. */
export const MAX_POINTS = 1500;
/** Raw rows are read for ranges up to this long (seconds). */
export const RAW_UP_TO = 3600;
/** Most rows one chart reads (pages of 1,000). */
const MAX_ROWS = 50000;
const RANGES = {'15 minutes': 900, '1 hour': 3600, '6 hours': 21600, '24 hours': 86400, '7 days': 604800,
  '30 days': 2592000, '1 year': 31557600};
const PREFERRED = ['AVG', 'LAST', 'MAX', 'MIN', 'FIRST', 'SUM', 'COUNT'];

export function start(root) {
  const archive = h('select', {id: 'history-archive'});
  const column = h('select', {id: 'history-column'});
  const rtIds = h('input', {id: 'history-rtids', size: 30, placeholder: 's1, s2 (empty: all, at most 8 drawn)'});
  const range = h('select', {id: 'history-range'}, Object.keys(RANGES).map(k => h('option', {value: RANGES[k], text: 'last ' + k,
    selected: k === '1 hour'})), h('option', {value: 'custom', text: 'from … to …'}));
  const from = h('input', {id: 'history-from', size: 22, placeholder: '2025-01-01T00:00:00Z'});
  const to = h('input', {id: 'history-to', size: 22, placeholder: '2025-01-02T00:00:00Z'});
  const source = h('select', {id: 'history-source'}, h('option', {value: '', text: 'automatic'}));
  const msg = h('p', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'history-message'});
  const picked = h('p', {id: 'history-picked', class: 'note'});
  const chartEl = h('div', {class: 'chart', id: 'history-chart'});
  const form = h('form', {class: 'toolbar', id: 'history-form'}, field('Archive', archive), field('Column', column),
      field('rtIds', rtIds), field('Range', range), field('From (UTC)', from), field('To (UTC)', to),
      field('Read from', source), h('button', {type: 'submit'}, 'Draw'));
  replace(root, h('h2', {text: 'History'}), form, msg, picked, chartEl);
  const custom = () => { from.parentElement.hidden = to.parentElement.hidden = range.value !== 'custom'; };
  range.addEventListener('change', custom);
  custom();
  const chart = timeChart(chartEl, 'History');
  let archives = [];
  let rollups = [];

  async function loadArchives() {
    archives = (await graphql('{ archives { name kind columns { name type } } }')).archives;
    replace(archive, archives.filter(a => a.kind === 'RAW').map(a => h('option', {value: a.name, text: a.name})));
    await loadArchive();
  }

  async function loadArchive() {
    const a = archives.find(x => x.name === archive.value);
    if (!a) return;
    replace(column, a.columns.filter(c => c.type === 'DOUBLE' || c.type === 'BIGINT')
        .map(c => h('option', {value: c.name, text: c.name})));
    rollups = (await graphql(`query($a: String!) { rollupsFor(archive: $a) { name source bucket status
      aggregations { function column as } } }`, {a: a.name})).rollupsFor;
    replace(source, h('option', {value: '', text: 'automatic'}), h('option', {value: a.name, text: a.name + ' (raw)'}),
        rollups.map(r => h('option', {value: r.name, text: `${r.name} (${r.bucket})`})));
  }

  async function draw() {
    const [fromMs, toMs] = window_();
    if (fromMs === null) return;
    const choice = source.value ? explicit(source.value) : pickSource(archive.value, column.value, rollups, (toMs - fromMs) / 1000);
    if (!choice) {
      say(msg, `No source has the column ${column.value}.`, 'error');
      return;
    }
    const span = (toMs - fromMs) / 1000;
    picked.textContent = choice.rollup
        ? `Reading ${choice.archive} (bucket ${choice.rollup.bucket}, ${choice.label}): about ${Math.ceil(span / choice.bucketSeconds)} points per rtId over ${fmtSeconds(span)}.`
        : `Reading the raw archive ${choice.archive} (${choice.label}) over ${fmtSeconds(span)}.`;
    picked.dataset.source = choice.archive;
    say(msg, 'Reading…');
    const ids = rtIds.value.split(',').map(s => s.trim()).filter(Boolean);
    try {
      const rows = await read(choice.archive, ids, new Date(fromMs).toISOString(), new Date(toMs).toISOString());
      const by = new Map();
      for (const r of rows.rows) {
        const v = r.values[choice.column];
        if (v === null || v === undefined) continue;
        if (!by.has(r.rtId)) { if (by.size >= 8) continue; by.set(r.rtId, []); }
        by.get(r.rtId).push([Date.parse(r.timestamp) / 1000, Number(v)]);
      }
      const names = [...by.keys()];
      chart.set(names.map(n => `${n} ${choice.column}`), align([...by.values()]));
      say(msg, `${rows.rows.length} rows${rows.truncated ? ` (stopped at ${MAX_ROWS}: narrow the range or the rtIds)` : ''}, ${names.length} rtId(s) drawn.`);
      chartEl.dataset.rows = rows.rows.length;
    } catch (e) {
      say(msg, String(e), 'error');
    }
  }

  function explicit(name) {
    if (name === archive.value) return {archive: name, column: column.value, label: column.value, bucketSeconds: 0};
    const r = rollups.find(x => x.name === name);
    return r && forRollup(r, column.value);
  }

  function window_() {
    if (range.value !== 'custom') {
      const now = Date.now();
      return [now - range.value * 1000, now];
    }
    const f = Date.parse(from.value.trim()), t = Date.parse(to.value.trim());
    if (Number.isNaN(f) || Number.isNaN(t) || f >= t) {
      say(msg, 'From and To: two instants, From before To (e.g. 2025-01-01T00:00:00Z).', 'error');
      return [null, null];
    }
    return [f, t];
  }

  archive.addEventListener('change', () => loadArchive().catch(e => say(msg, String(e), 'error')));
  form.addEventListener('submit', ev => { ev.preventDefault(); draw(); });
  loadArchives().catch(e => say(msg, String(e), 'error'));
  return {stop: () => chart.destroy()};
}

/** The aggregation of rollup r over raw column c that a chart shows (AVG first), as a source; null if none. */
function forRollup(r, c) {
  const aggs = r.aggregations.filter(a => a.column === c);
  aggs.sort((a, b) => PREFERRED.indexOf(a.function) - PREFERRED.indexOf(b.function));
  if (!aggs.length) return null;
  const a = aggs[0];
  return {archive: r.name, rollup: r, column: a.as, label: `${a.function}(${c}) AS ${a.as}`,
    bucketSeconds: parseBucket(r.bucket).seconds};
}

/**
 * The source for a range: the raw archive up to RAW_UP_TO, else the finest activated rollup with an aggregation
 * of the column whose buckets give at most MAX_POINTS points; the coarsest one when all give more.
 * Rollups of rollups count: their aggregation of the source rollup's column is traced back to the raw column.
 */
export function pickSource(archive, c, rollups, spanSeconds) {
  if (spanSeconds <= RAW_UP_TO) return {archive, column: c, label: c, bucketSeconds: 0};
  const candidates = rollups.filter(r => r.status === 'ACTIVATED').map(r => forRollup(r, rawColumnOf(r, c, rollups)))
      .filter(Boolean).sort((a, b) => a.bucketSeconds - b.bucketSeconds);
  if (!candidates.length) return {archive, column: c, label: c, bucketSeconds: 0};
  return candidates.find(s => spanSeconds / s.bucketSeconds <= MAX_POINTS) || candidates[candidates.length - 1];
}

/** The column of rollup r's source that stands for raw column c (c itself over the raw archive). */
function rawColumnOf(r, c, rollups) {
  const src = rollups.find(x => x.name === r.source);
  if (!src) return c;
  const inner = forRollup(src, rawColumnOf(src, c, rollups));
  return inner ? inner.column : c;
}

async function read(archive, rtIds, from, to) {
  const rows = [];
  let after = null;
  while (rows.length < MAX_ROWS) {
    const d = await graphql(`query($a: String!, $ids: [String!], $f: Instant!, $t: Instant!, $after: ID) {
      streamData(archive: $a, rtIds: $ids, from: $f, to: $t, limit: 1000, after: $after) { timestamp rtId values cursor } }`,
    {a: archive, ids: rtIds.length ? rtIds : null, f: from, t: to, after});
    rows.push(...d.streamData);
    if (d.streamData.length < 1000) return {rows, truncated: false};
    after = d.streamData[d.streamData.length - 1].cursor;
  }
  return {rows, truncated: true};
}
