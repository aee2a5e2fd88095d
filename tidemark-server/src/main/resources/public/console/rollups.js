// Rollups: for one archive, the tree of rollups derived from it with status, watermark, lag, stale ranges,
// failures and the last error; freeze / unfreeze / retry / process / rewind (admin).
import {graphql} from './api.js';
import {field, fmtInstant, fmtSeconds, h, replace, say} from './dom.js';
import {adminButton, roleNote} from './admin.js';
import {durationSeconds, floorToBucket, parseBucket} from './buckets.js';

const FIELDS = `name source bucket status frozen watermark lagSeconds consecutiveFailures maxFailures lastError
  lastSuccessAt watermarkLag oldestStaleAgeSeconds staleRanges { from to recordedAt }
  aggregations { function column as }`;
const SORTS = {
  tree: null,
  lag: (a, b) => (b.lagSeconds ?? Infinity) - (a.lagSeconds ?? Infinity),
  failures: (a, b) => b.consecutiveFailures - a.consecutiveFailures,
  name: (a, b) => a.name.localeCompare(b.name),
};

export function start(root, who) {
  const msg = h('p', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'rollups-message'});
  const pick = h('select', {id: 'rollups-archive'});
  const sort = h('select', {id: 'rollups-sort'}, Object.keys(SORTS).map(k => h('option', {value: k, text: k})));
  const table = h('table', {class: 'grid', id: 'rollups-table'});
  const error = e => say(msg, String(e), 'error');
  replace(root, h('h2', {text: 'Rollups'}), roleNote(who),
      h('div', {class: 'toolbar'}, field('Archive', pick), field('Sort by', sort)), msg, table,
      createRollupForm(who, () => pick.value, reload, error));
  let rollups = [];

  async function loadArchives() {
    const data = await graphql('{ archives { name kind } }');
    const raw = data.archives.filter(a => a.kind === 'RAW').map(a => a.name);
    const keep = pick.value || sessionStorage.getItem('tidemark.console.archive');
    replace(pick, raw.map(n => h('option', {value: n, text: n, selected: n === keep})));
  }

  async function reload() {
    if (!pick.value) {
      replace(table, h('caption', {text: 'No raw archive yet: create one on the Archives page.'}));
      return;
    }
    try {
      const data = await graphql(`query($a: String!) { rollupsFor(archive: $a) { ${FIELDS} } }`, {a: pick.value});
      rollups = data.rollupsFor;
      render();
    } catch (e) {
      error(e);
    }
  }

  function render() {
    const depth = {};
    depth[pick.value] = 0;
    rollups.forEach(r => { depth[r.name] = (depth[r.source] ?? 0) + 1; });
    const order = SORTS[sort.value] ? [...rollups].sort(SORTS[sort.value]) : rollups;
    const head = h('thead', {}, h('tr', {}, ['Rollup', 'Bucket', 'State', 'Watermark', 'Lag', 'Stale ranges',
      'Failures', 'Last error', 'Actions'].map(t => h('th', {scope: 'col', text: t,
      'aria-sort': t === 'Lag' && sort.value === 'lag' || t === 'Failures' && sort.value === 'failures'
          || t === 'Rollup' && sort.value === 'name' ? 'descending' : null}))));
    const body = order.map(r => row(r, depth[r.name]));
    replace(table, h('caption', {}, `${rollups.length} rollup${rollups.length === 1 ? '' : 's'} of ${pick.value}`
        + (sort.value === 'tree' ? ', as a tree (indented under their source)' : `, sorted by ${sort.value}`)),
    head, h('tbody', {}, body.length ? body : h('tr', {}, h('td', {colspan: 9, text: 'No rollups of this archive yet.'}))));
  }

  function row(r, depth) {
    const state = health(r);
    return h('tr', {'data-rollup': r.name, class: 'health-' + state.level},
        h('th', {scope: 'row', class: 'tree depth-' + Math.min(depth, 6)},
            depth > 1 ? h('span', {class: 'branch', 'aria-hidden': 'true'}, '└ ') : null, r.name,
            h('div', {class: 'hint'}, r.aggregations.map(a => `${a.function}(${a.column ?? '*'}) AS ${a.as}`).join(', '))),
        h('td', {text: r.bucket}),
        h('td', {class: 'state'}, h('span', {class: 'badge badge-' + state.level, text: state.label}),
            h('div', {class: 'hint'}, r.status + (r.frozen ? ', frozen' : ''))),
        h('td', {class: 'watermark', text: fmtInstant(r.watermark)}),
        h('td', {class: 'lag', 'data-lag-seconds': r.lagSeconds ?? ''}, fmtSeconds(r.lagSeconds)),
        h('td', {class: 'stale'}, r.staleRanges.length ? [
          h('strong', {}, `${r.staleRanges.length} pending`),
          h('ul', {class: 'ranges'}, r.staleRanges.slice(0, 5).map(s =>
              h('li', {text: `${fmtInstant(s.from)} → ${fmtInstant(s.to)}`}))),
          r.staleRanges.length > 5 ? h('div', {class: 'hint'}, `… ${r.staleRanges.length - 5} more`) : null,
          h('div', {class: 'hint'}, `oldest ${fmtSeconds(r.oldestStaleAgeSeconds)} old`)] : 'none'),
        h('td', {class: 'failures'}, `${r.consecutiveFailures} / ${r.maxFailures}`),
        h('td', {class: 'last-error'}, r.lastError || '—',
            r.lastSuccessAt ? h('div', {class: 'hint'}, 'last success ' + fmtInstant(r.lastSuccessAt)) : null),
        h('td', {class: 'actions'}, actions(r)));
  }

  function actions(r) {
    const mutate = (label, m) => adminButton(who, label, async () => {
      await graphql(`mutation($n: String!) { ${m}(name: $n) { name } }`, {n: r.name});
      say(msg, `${r.name}: ${label.toLowerCase()} done.`);
      await reload();
    }, error);
    const out = [];
    if (r.status === 'CREATED' || r.status === 'DISABLED') out.push(mutate('Activate', 'activateRollup'));
    if (r.status === 'ACTIVATED') out.push(mutate('Disable', 'disableRollup'));
    out.push(r.frozen ? mutate('Unfreeze', 'unfreezeRollup') : mutate('Freeze', 'freezeRollup'));
    if (r.status === 'FAILED') out.push(mutate('Retry', 'retryRollup'));
    out.push(adminButton(who, 'Process', async () => {
      const d = await graphql('mutation($n: String!) { processRollup(name: $n) { bucketsCommitted rollup { watermark } } }',
          {n: r.name});
      const p = d.processRollup;
      say(msg, `${r.name}: processed, ${p.bucketsCommitted} bucket(s) committed, watermark ${fmtInstant(p.rollup.watermark)}.`);
      await reload();
    }, error));
    out.push(adminButton(who, 'Rewind…', () => rewind(r), error, {'data-action': 'rewind'}));
    return out;
  }

  async function rewind(r) {
    if (!r.watermark) {
      say(msg, `${r.name}: no watermark yet, nothing to rewind (the server refuses it too).`, 'error');
      return;
    }
    const to = await rewindDialog(r, rollups);
    if (!to) return;
    const d = await graphql('mutation($n: String!, $t: Instant!) { rewindRollupWatermark(rollupRtId: $n, toBucketEnd: $t) { watermark } }',
        {n: r.name, t: to});
    say(msg, `${r.name}: rewound to ${fmtInstant(to)}; the buckets from there are re-aggregated from the source (watermark now ${fmtInstant(d.rewindRollupWatermark.watermark)}).`);
    await reload();
  }

  pick.addEventListener('change', () => { sessionStorage.setItem('tidemark.console.archive', pick.value); reload(); });
  sort.addEventListener('change', render);
  loadArchives().then(reload).catch(error);
  const timer = setInterval(reload, 2000);
  return {stop: () => clearInterval(timer)};
}

/** OK / LAGGING / STALE / FROZEN / FAILED, in words (colour only repeats it). */
export function health(r) {
  if (r.status === 'FAILED') return {level: 'bad', label: 'FAILED'};
  if (r.consecutiveFailures > 0) return {level: 'bad', label: `FAILING (${r.consecutiveFailures})`};
  if (r.frozen) return {level: 'warn', label: 'FROZEN'};
  if (r.status !== 'ACTIVATED') return {level: 'idle', label: r.status};
  const allowed = 2 * parseBucket(r.bucket).seconds + (durationSeconds(r.watermarkLag) || 0) + 30;
  if (r.lagSeconds !== null && r.lagSeconds > allowed) return {level: 'warn', label: 'LAGGING'};
  if (r.staleRanges.length) return {level: 'warn', label: 'STALE'};
  if (r.lagSeconds === null) return {level: 'idle', label: 'NO DATA YET'};
  return {level: 'ok', label: 'CAUGHT UP'};
}

/** Asks for the bucket end and shows where the rewind truncates to; resolves to the ISO instant or null. */
function rewindDialog(r, all) {
  return new Promise(resolve => {
    const wm = Date.parse(r.watermark);
    const input = h('input', {id: 'rewind-to', size: 30, required: true,
      value: new Date(floorToBucket(r.bucket, wm - 1)).toISOString()});
    const preview = h('div', {id: 'rewind-preview', role: 'status', 'aria-live': 'polite'});
    const ok = h('button', {type: 'submit', value: 'ok', class: 'danger', id: 'rewind-confirm'}, 'Rewind');
    const dlg = h('dialog', {class: 'confirm', 'aria-labelledby': 'rewind-title'},
        h('form', {method: 'dialog'},
            h('h3', {id: 'rewind-title', text: `Rewind ${r.name}`}),
            h('p', {}, `Watermark now: ${fmtInstant(r.watermark)} (bucket ${r.bucket}). Rewinding deletes nothing at once: the `
                + 'buckets from the new watermark on are re-aggregated from the source as it is now.'),
            field('Rewind to (bucket end, UTC, ISO-8601)', input), preview,
            h('div', {class: 'buttons'}, h('button', {type: 'submit', value: 'cancel', text: 'Cancel'}), ok)));
    let target = null;
    const update = () => {
      const ms = Date.parse(input.value.trim());
      target = null;
      if (Number.isNaN(ms)) {
        replace(preview, h('p', {class: 'error'}, 'Not an instant: write e.g. 2025-01-01T10:00:00Z.'));
      } else {
        const floored = floorToBucket(r.bucket, ms);
        if (floored >= wm) {
          replace(preview, h('p', {class: 'error'}, `Truncates to ${fmtInstant(new Date(floored).toISOString())}, `
              + 'which is not before the watermark: the server refuses to move a watermark forward.'));
        } else {
          target = new Date(floored).toISOString();
          const cascade = dependants(r, all).filter(d => d.watermark && Date.parse(d.watermark) > floored);
          replace(preview, h('p', {}, 'Truncates to ', h('strong', {id: 'rewind-truncates-to', text: fmtInstant(target)}),
              floored !== ms ? ` (floored to a ${r.bucket} boundary)` : ' (a bucket boundary)',
              `: ${fmtSeconds((wm - floored) / 1000)} of buckets are re-aggregated.`),
          cascade.length ? h('p', {}, 'Dependent rollups past it are rewound too: ' + cascade.map(d => d.name).join(', ') + '.') : null);
        }
      }
      ok.disabled = target === null;
    };
    input.addEventListener('input', update);
    update();
    dlg.addEventListener('close', () => { resolve(dlg.returnValue === 'ok' ? target : null); dlg.remove(); });
    document.body.append(dlg);
    dlg.showModal();
    input.focus();
  });
}

function dependants(r, all) {
  const out = [];
  const names = new Set([r.name]);
  for (const x of all) {
    if (names.has(x.source)) { names.add(x.name); out.push(x); }
  }
  return out;
}

function createRollupForm(who, archive, reload, error) {
  const admin = who.role === 'ADMIN';
  const name = h('input', {id: 'new-rollup-name', required: true, size: 16});
  const source = h('input', {id: 'new-rollup-source', size: 16, placeholder: 'the archive above'});
  const bucket = h('input', {id: 'new-rollup-bucket', required: true, size: 18, placeholder: 'PT1M or DAY@Europe/Vienna'});
  const aggs = h('input', {id: 'new-rollup-aggregations', required: true, size: 44,
    placeholder: 'AVG(temp) AS temp_avg, COUNT(*) AS n'});
  const lag = h('input', {id: 'new-rollup-lag', size: 8, placeholder: 'PT5M'});
  const out = h('p', {class: 'message', role: 'status'});
  const form = h('form', {class: 'inline-form', id: 'create-rollup'}, h('h3', {text: 'New rollup'}),
      field('Name', name), field('Source', source, 'an archive or rollup; empty = the archive above'),
      field('Bucket', bucket), field('Aggregations', aggs, 'FUNCTION(column) AS name, …'),
      field('Watermark lag', lag, 'default PT5M'),
      h('button', {type: 'submit', disabled: !admin, title: admin ? null : 'admin only'}, 'Create and activate'), out);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      const aggregations = aggs.value.split(',').map(s => s.trim()).filter(Boolean).map(parseAggregation);
      const [unit, zone] = bucket.value.trim().split('@');
      const input = {name: name.value.trim(), source: source.value.trim() || archive(), bucket: unit, aggregations};
      if (zone) input.timeZone = zone;
      if (lag.value.trim()) input.watermarkLag = lag.value.trim();
      await graphql('mutation($i: CreateRollupArchiveInput!) { createRollupArchive(input: $i) { name } }', {i: input});
      await graphql('mutation($n: String!) { activateRollup(name: $n) { status } }', {n: input.name});
      say(out, `Rollup ${input.name} created and activated.`);
      form.reset();
      await reload();
    } catch (e) {
      say(out, String(e), 'error');
    }
  });
  return form;
}

function parseAggregation(text, i) {
  const m = /^(\w+)\s*\(\s*(\*|[\w]+)\s*\)\s+AS\s+(\w+)$/i.exec(text);
  if (!m) throw new Error(`Aggregations: entry ${i + 1} "${text}" is not FUNCTION(column) AS name.`);
  return {function: m[1].toUpperCase(), column: m[2] === '*' ? null : m[2], as: m[3]};
}
