// Admin-only actions: a button every role sees, disabled with the reason for readers and writers. A click that
// reaches the server anyway gets the server's answer (FORBIDDEN) shown like any other error.
import {h} from './dom.js';

export const ADMIN_ONLY = 'admin only: this token is a reader or writer token';

/** True when the signed-in token may run admin mutations. */
export function isAdmin(who) {
  return who && who.role === 'ADMIN';
}

/** A button for an admin action; run() is awaited and its error shown through onError. */
export function adminButton(who, label, run, onError, attrs = {}) {
  const admin = isAdmin(who);
  const b = h('button', Object.assign({type: 'button', class: 'action', 'data-action': label.toLowerCase(),
    disabled: !admin, title: admin ? null : ADMIN_ONLY, 'aria-disabled': admin ? null : 'true'}, attrs), label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await run();
    } catch (e) {
      onError(e);
    } finally {
      b.disabled = !admin;
    }
  });
  return b;
}

/** The line under a page's heading telling a reader or writer why the actions are disabled. */
export function roleNote(who) {
  if (isAdmin(who)) return null;
  return h('p', {class: 'note role-note'}, `You are signed in with a ${who.role.toLowerCase()} token: you can look at `
      + 'everything, and the actions (create, activate, disable, delete, freeze, rewind …) are disabled: they need '
      + 'an admin token.');
}
