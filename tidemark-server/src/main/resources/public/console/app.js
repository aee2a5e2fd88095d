// The console's shell: sign-in, the tenant and role, and the pages behind #/<page>.
import {graphql, onUnauthenticated, setToken, token} from './api.js';
import {say} from './dom.js';

/** The pages, loaded when first shown (the Live page pulls in the live client, History and Live uPlot). */
const PAGES = {
  archives: () => import('./archives.js'),
  rollups: () => import('./rollups.js'),
  audit: () => import('./audit.js'),
  live: () => import('./live.js'),
  history: () => import('./history.js'),
};
const $ = id => document.getElementById(id);

/** Who is signed in: {tenant, role, actor}; null when nobody is. Pages read it through session(). */
let who = null;
let current = null;

export function session() {
  return who;
}

async function signIn(t) {
  const data = await graphql('{ whoami { tenant role actor } }', {}, t);
  setToken(t);
  who = data.whoami;
  $('who-tenant').textContent = who.tenant;
  $('who-role').textContent = who.role.toLowerCase();
  document.body.dataset.role = who.role;
  $('who').hidden = false;
  $('nav').hidden = false;
  $('sign-in').hidden = true;
  route();
}

function signOut(message) {
  stopPage();
  setToken(null);
  who = null;
  $('who').hidden = true;
  $('nav').hidden = true;
  $('page').replaceChildren();
  $('sign-in').hidden = false;
  say($('sign-in-error'), message || '', 'error');
  $('token').value = '';
  $('token').focus();
}

function stopPage() {
  if (current && current.stop) current.stop();
  current = null;
}

let routed = 0;

async function route() {
  if (!who) return;
  const found = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const name = PAGES[found] ? found : 'archives';
  const seq = ++routed;
  stopPage();
  let page;
  try {
    page = await PAGES[name]();
  } catch (e) {
    say($('connection'), `The ${name} page did not load: ${e.message}`, 'error');
    return;
  }
  if (seq !== routed || !who) return;
  document.querySelectorAll('#nav a').forEach(a => {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  const root = $('page');
  root.replaceChildren();
  root.dataset.page = name;
  current = page.start(root, who) || null;
  document.title = `Tidemark · ${name}`;
}

$('sign-in-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const t = $('token').value.trim();
  say($('sign-in-error'), 'Checking the token…');
  try {
    await signIn(t);
    say($('sign-in-error'), '');
  } catch (e) {
    const msg = e.code === 'UNAUTHENTICATED'
        ? 'UNAUTHENTICATED: the server refused this token (unknown, revoked or mistyped). Check it and try again.'
        : String(e);
    say($('sign-in-error'), msg, 'error');
  }
});
$('sign-out').addEventListener('click', () => signOut('Signed out.'));
window.addEventListener('hashchange', route);
onUnauthenticated(() => signOut('UNAUTHENTICATED: the server no longer accepts this token (revoked?). Sign in again.'));

if (token()) {
  signIn(token()).catch(e => signOut(String(e)));
} else {
  signOut();
}
