// The application shell: session check, login screen, header (user, log
// out, time range) and hash routing between the pages.

import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { errorBox, h, mount } from './dom.js';
import { loginPage } from './login.js';
import { overviewPage } from './overview.js';
import { alertsPage } from './alerts.js';
import { searchPage } from './search.js';
import { rulesPage } from './rules.js';
import { rangeKey, setRange } from './time.js';

const PAGES = { overview: overviewPage, alerts: alertsPage, search: searchPage, rules: rulesPage };

const session = { user: null, role: null };
let renderToken = 0;

/** The page and its parameters from the hash: #/search?q=x -> ['search', {q: 'x'}]. */
export function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [name, query] = hash.split('?');
  const params = Object.fromEntries(new URLSearchParams(query || ''));
  return [PAGES[name] ? name : 'overview', params];
}

/** Goes to a page with parameters. */
export function go(name, params) {
  const q = new URLSearchParams(params || {}).toString();
  const target = `#/${name}${q ? `?${q}` : ''}`;
  if (location.hash === target) render();
  else location.hash = target;
}

export function currentUser() { return session.user; }

function showLogin(message) {
  session.user = null;
  setCsrf(null);
  document.getElementById('top').classList.add('hidden');
  const main = document.getElementById('main');
  mount(main, loginPage(message, (s) => {
    startSession(s);
    render();
  }));
}

function startSession(s) {
  session.user = s.user;
  session.role = s.role;
  setCsrf(s.csrf_token);
  document.getElementById('top').classList.remove('hidden');
  document.getElementById('user').textContent = `${s.user} (${s.role})`;
}

async function render() {
  if (!session.user) return;
  const [name, params] = route();
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === name);
  }
  document.title = `vigie · ${name}`;
  const main = document.getElementById('main');
  const token = ++renderToken;
  const page = h('div', { class: 'page', 'data-page': name });
  mount(main, page);
  try {
    await PAGES[name](page, params, { stale: () => token !== renderToken });
  } catch (e) {
    if (token === renderToken) page.appendChild(errorBox(e));
  }
}

async function logout() {
  try {
    await api('POST', '/api/v1/auth/logout');
    showLogin('You are logged out.');
  } catch (e) {
    const main = document.getElementById('main');
    main.prepend(errorBox(e, 'Logging out failed'));
  }
}

async function start() {
  setUnauthorizedHandler((message) => showLogin(`Your session ended${message ? ` (${message})` : ''}: log in again.`));
  const select = document.getElementById('range');
  select.value = rangeKey();
  select.addEventListener('change', () => { setRange(select.value); render(); });
  document.getElementById('refresh').addEventListener('click', () => render());
  document.getElementById('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', render);
  let s;
  try {
    s = await api('GET', '/api/v1/auth/session', undefined, { quiet401: true });
  } catch (e) {
    if (e.status === 401) {
      showLogin(e.message === 'not logged in' ? null : e.message);
    } else {
      mount(document.getElementById('main'), errorBox(e, 'Cannot check the session'));
    }
    return;
  }
  startSession(s);
  render();
}

start();
