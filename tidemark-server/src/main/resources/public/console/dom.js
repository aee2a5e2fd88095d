// Small DOM helpers: elements are built with h(), never from HTML strings (no injection, CSP-clean).

/**
 * Creates an element. attrs: plain attributes, plus `class`, `on<Event>` listeners, `text`, and boolean
 * attributes (true sets, false/null omits). Children: nodes, strings or arrays of them; null is skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A labelled control: <label for=id>text</label> control. */
export function field(label, control, hint) {
  return h('div', {class: 'field'}, h('label', {for: control.id}, label), control,
      hint ? h('span', {class: 'hint'}, hint) : null);
}

/** An ISO instant shown in UTC without the milliseconds when they are zero; '—' for null. */
export function fmtInstant(iso) {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.0+Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}

/** Seconds as a short human duration: 42 s, 3 min 5 s, 2 h 4 min, 3 d 2 h. */
export function fmtSeconds(s) {
  if (s === null || s === undefined) return '—';
  const neg = s < 0; s = Math.abs(Math.round(s));
  const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
  const out = d ? `${d} d ${hh} h` : hh ? `${hh} h ${m} min` : m ? `${m} min ${sec} s` : `${sec} s`;
  return neg ? '−' + out : out;
}

/** A modal confirmation: resolves true when the user confirms. body: nodes. */
export function confirmDialog(title, body, confirmLabel) {
  return new Promise(resolve => {
    const dlg = h('dialog', {class: 'confirm', 'aria-labelledby': 'dlg-title'},
        h('form', {method: 'dialog'},
            h('h3', {id: 'dlg-title', text: title}),
            h('div', {class: 'dlg-body'}, body),
            h('div', {class: 'buttons'},
                h('button', {value: 'cancel', type: 'submit', class: 'dlg-cancel', text: 'Cancel'}),
                h('button', {value: 'ok', type: 'submit', class: 'dlg-ok danger', text: confirmLabel}))));
    dlg.addEventListener('close', () => { resolve(dlg.returnValue === 'ok'); dlg.remove(); });
    document.body.append(dlg);
    dlg.showModal();
    dlg.querySelector('.dlg-cancel').focus();
  });
}

/** Shows a message (or clears it with null) in a status element; kind 'error' or 'ok'. */
export function say(el, text, kind = 'ok') {
  el.textContent = text || '';
  el.className = 'message ' + (text ? kind : '');
}
