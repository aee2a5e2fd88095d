// Audit trail: newest first, filtered by subject (an archive or rollup), kind and time range, paged with the
// server's nextBefore cursor.
import {graphql} from './api.js';
import {field, fmtInstant, h, replace, say} from './dom.js';

const KINDS = ['ARCHIVE_CREATED', 'ARCHIVE_ACTIVATED', 'ARCHIVE_DISABLED', 'ARCHIVE_DELETED', 'ROLLUP_CREATED',
  'ROLLUP_ACTIVATED', 'ROLLUP_DISABLED', 'ROLLUP_FROZEN', 'ROLLUP_UNFROZEN', 'ROLLUP_FAILURE', 'ROLLUP_FAILED_ALERT',
  'ROLLUP_RETRIED', 'ROLLUP_REWOUND', 'ROLLUP_RUN', 'LATE_REAGGREGATION', 'LATE_SKIPPED', 'ARCHIVE_CONFIGURED',
  'RETENTION_RUN', 'RETENTION_BLOCKED', 'RETENTION_UNBLOCKED', 'LOG_REJECTED'];
const QUERY = `query($s: String, $k: [AuditKind!], $from: Instant, $to: Instant, $first: Int, $before: ID) {
  auditTrail(subject: $s, kinds: $k, from: $from, to: $to, first: $first, before: $before) {
    entries { id at kind subject actor message } nextBefore } }`;

export function start(root) {
  const subject = h('select', {id: 'audit-subject'}, h('option', {value: '', text: 'any'}));
  const kind = h('select', {id: 'audit-kind'}, h('option', {value: '', text: 'any'}),
      KINDS.map(k => h('option', {value: k, text: k})));
  const from = h('input', {id: 'audit-from', size: 22, placeholder: '2025-01-01T00:00:00Z'});
  const to = h('input', {id: 'audit-to', size: 22, placeholder: 'now'});
  const size = h('select', {id: 'audit-size'}, [20, 50, 200].map(n => h('option', {value: n, text: n, selected: n === 50})));
  const msg = h('p', {class: 'message', role: 'status', 'aria-live': 'polite', id: 'audit-message'});
  const table = h('table', {class: 'grid', id: 'audit-table'});
  const newer = h('button', {type: 'button', id: 'audit-newest', disabled: true}, '« Newest');
  const older = h('button', {type: 'button', id: 'audit-older', disabled: true}, 'Older »');
  const pageNo = h('span', {id: 'audit-page'});
  const form = h('form', {class: 'toolbar', id: 'audit-filters'}, field('Subject', subject), field('Kind', kind),
      field('From (UTC)', from), field('To (UTC)', to), field('Per page', size), h('button', {type: 'submit'}, 'Apply'));
  replace(root, h('h2', {text: 'Audit trail'}), form, msg, table, h('div', {class: 'pager'}, newer, pageNo, older));
  let cursors = [null];

  async function load() {
    const vars = {s: subject.value || null, k: kind.value ? [kind.value] : null, first: +size.value,
      before: cursors[cursors.length - 1], from: null, to: null};
    for (const [key, el] of [['from', from], ['to', to]]) {
      const v = el.value.trim();
      if (!v) continue;
      if (Number.isNaN(Date.parse(v))) {
        say(msg, `${key === 'from' ? 'From' : 'To'}: "${v}" is not an instant; write e.g. 2025-01-01T00:00:00Z.`, 'error');
        el.focus();
        return;
      }
      vars[key] = new Date(Date.parse(v)).toISOString();
    }
    try {
      const page = (await graphql(QUERY, vars)).auditTrail;
      say(msg, '');
      render(page);
    } catch (e) {
      say(msg, String(e), 'error');
    }
  }

  function render(page) {
    const head = h('thead', {}, h('tr', {}, ['When (UTC)', 'Kind', 'Subject', 'Actor', 'Message']
        .map(t => h('th', {scope: 'col', text: t}))));
    const rows = page.entries.map(e => h('tr', {'data-kind': e.kind},
        h('td', {class: 'nowrap', text: fmtInstant(e.at)}), h('td', {text: e.kind}), h('td', {text: e.subject}),
        h('td', {text: e.actor}), h('td', {text: e.message})));
    replace(table, h('caption', {text: `${page.entries.length} entries`}), head,
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 5, text: 'No entries match.'}))));
    older.disabled = !page.nextBefore;
    older.dataset.next = page.nextBefore || '';
    newer.disabled = cursors.length === 1;
    pageNo.textContent = `page ${cursors.length}`;
  }

  form.addEventListener('submit', ev => { ev.preventDefault(); cursors = [null]; load(); });
  older.addEventListener('click', () => { cursors.push(older.dataset.next); load(); });
  newer.addEventListener('click', () => { cursors = [null]; load(); });
  graphql('{ archives { name rollup { name } } }').then(d => {
    subject.append(...d.archives.map(a => h('option', {value: a.name, text: a.name + (a.rollup ? ' (rollup)' : '')})));
  }).catch(e => say(msg, String(e), 'error'));
  load();
  return null;
}
