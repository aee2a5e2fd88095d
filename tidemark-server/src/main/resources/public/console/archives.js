// Archives: the tenant's archives with columns, status, retention, sample count and time span, and their rollup;
// create, activate, disable, delete (admin, delete with a confirmation).
import {graphql} from './api.js';
import {confirmDialog, field, fmtInstant, h, replace, say} from './dom.js';
import {adminButton, isAdmin, roleNote, ADMIN_ONLY} from './admin.js';

const LIST = `{ archives { name kind status columns { name type } retention maxLateness
  retentionStatus { horizon blocked blockedBy { rollup reason } }
  samples { count countEstimated earliest latest }
  rollup { source bucket status } } }`;
const TYPES = ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'];

export function start(root, who) {
  const msg = h('p', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'archives-message'});
  const table = h('table', {class: 'grid', id: 'archives-table'});
  const error = e => say(msg, String(e), 'error');
  replace(root, h('h2', {text: 'Archives'}), roleNote(who), msg, createForm(who, reload, error), table);

  async function reload() {
    try {
      const data = await graphql(LIST);
      render(data.archives);
    } catch (e) {
      error(e);
    }
  }

  function render(list) {
    const head = h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Status', 'Columns', 'Samples', 'Retention', 'Filled by', 'Actions']
        .map(t => h('th', {scope: 'col', text: t}))));
    const rows = list.map(a => h('tr', {'data-archive': a.name},
        h('th', {scope: 'row', text: a.name}),
        h('td', {text: a.kind.toLowerCase()}),
        h('td', {class: 'status status-' + a.status, text: a.status}),
        h('td', {class: 'columns'}, a.columns.map(c => h('span', {class: 'col'}, h('span', {text: c.name}),
            h('span', {class: 'type', text: ' ' + c.type})))),
        h('td', {class: 'samples'}, samples(a.samples)),
        h('td', {}, retention(a)),
        h('td', {text: a.rollup ? `${a.rollup.bucket} rollup of ${a.rollup.source}` : '—'}),
        h('td', {class: 'actions'}, actions(a))));
    replace(table, h('caption', {text: `${list.length} archive${list.length === 1 ? '' : 's'}`}), head,
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 8, text: 'No archives yet.'}))));
  }

  function samples(s) {
    const count = (s.countEstimated ? '≈ ' : '') + s.count.toLocaleString('en');
    const title = s.countEstimated ? 'estimated by the store (counted exactly up to 100,000 rows)' : null;
    if (!s.latest) return h('span', {text: count, title});
    return [h('span', {text: count, title}), h('div', {class: 'hint'}, `latest ${fmtInstant(s.latest)}`),
      h('div', {class: 'hint'}, `since ${fmtInstant(s.earliest)}`)];
  }

  function retention(a) {
    if (!a.retention) return 'forever';
    const s = a.retentionStatus;
    return [a.retention, s ? h('div', {class: 'hint'}, `horizon ${fmtInstant(s.horizon)}`) : null,
      s && s.blocked ? h('div', {class: 'warn'}, '⚠ blocked by ' + s.blockedBy.map(b => `${b.rollup} (${b.reason})`)
          .join(', ')) : null];
  }

  function actions(a) {
    const out = [];
    const act = (label, mutation) => adminButton(who, label, async () => {
      await graphql(`mutation($n: String!) { ${mutation}(name: $n) { status } }`, {n: a.name});
      say(msg, `${a.name}: ${label.toLowerCase()} done.`);
      await reload();
    }, error);
    if (a.status !== 'ACTIVATED') out.push(act('Activate', 'activateArchive'));
    if (a.status === 'ACTIVATED') out.push(act('Disable', 'disableArchive'));
    out.push(adminButton(who, 'Delete', async () => {
      const ok = await confirmDialog(`Delete archive ${a.name}?`, [
        h('p', {}, `This drops the archive ${a.name} and all its rows. It cannot be undone.`),
        h('p', {}, 'The server refuses (IN_USE) while a rollup reads it.')], `Delete ${a.name}`);
      if (!ok) return;
      await graphql('mutation($n: String!) { deleteArchive(name: $n) }', {n: a.name});
      say(msg, `${a.name}: deleted.`);
      await reload();
    }, error, {class: 'action danger'}));
    return out;
  }

  reload();
  const timer = setInterval(reload, 5000);
  return {stop: () => clearInterval(timer)};
}

function createForm(who, reload, error) {
  const admin = isAdmin(who);
  const name = h('input', {id: 'new-archive-name', required: true, pattern: '[A-Za-z_][A-Za-z0-9_]*', size: 20});
  const cols = h('input', {id: 'new-archive-columns', required: true, size: 40, placeholder: 'temp DOUBLE, power DOUBLE'});
  const ret = h('input', {id: 'new-archive-retention', size: 10, placeholder: 'P30D'});
  const out = h('p', {class: 'message', role: 'status'});
  const submit = h('button', {type: 'submit', disabled: !admin, title: admin ? null : ADMIN_ONLY}, 'Create archive');
  const form = h('form', {class: 'inline-form', id: 'create-archive'},
      h('h3', {text: 'New archive'}),
      field('Name', name), field('Columns', cols, `name TYPE, … (types: ${TYPES.join(', ')})`),
      field('Retention', ret, 'ISO-8601, empty = forever'), submit, out);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    let columns;
    try {
      columns = parseColumns(cols.value);
    } catch (e) {
      say(out, e.message, 'error');
      cols.focus();
      return;
    }
    try {
      const input = {name: name.value.trim(), columns};
      if (ret.value.trim()) input.retention = ret.value.trim();
      await graphql('mutation($i: CreateArchiveInput!) { createArchive(input: $i) { name status } }', {i: input});
      say(out, `Archive ${input.name} created (CREATED): activate it to accept samples.`);
      form.reset();
      await reload();
    } catch (e) {
      say(out, String(e), 'error');
    }
  });
  return form;
}

/** "temp DOUBLE, power DOUBLE" → [{name, type}]; an error names the entry at fault. */
export function parseColumns(text) {
  const parts = text.split(',').map(s => s.trim()).filter(Boolean);
  if (!parts.length) throw new Error('Columns: give at least one, as "name TYPE".');
  return parts.map((p, i) => {
    const m = p.match(/^(\S+)\s+(\S+)$/);
    const type = m && m[2].toUpperCase();
    if (!m || !TYPES.includes(type)) {
      throw new Error(`Columns: entry ${i + 1} "${p}" is not "name TYPE" with TYPE one of ${TYPES.join(', ')}.`);
    }
    return {name: m[1], type};
  });
}
