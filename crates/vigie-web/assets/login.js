// The login screen: user name and password, posted to /api/v1/auth/login;
// the server sets an HttpOnly session cookie and answers the CSRF token.

import { api } from './api.js';
import { errorBox, h } from './dom.js';

export function loginPage(message, onLoggedIn) {
  const user = h('input', { name: 'username', id: 'login-user', autocomplete: 'username', required: true, value: 'admin' });
  const pass = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('div', { class: 'login-status', 'aria-live': 'polite' },
    message ? h('p', { class: 'notice' }, message) : null);
  const button = h('button', { type: 'submit' }, 'Log in');
  const form = h('form', {
    class: 'login',
    onsubmit: async (e) => {
      e.preventDefault();
      button.disabled = true;
      try {
        const s = await api('POST', '/api/v1/auth/login', { username: user.value, password: pass.value }, { quiet401: true });
        pass.value = '';
        onLoggedIn(s);
      } catch (err) {
        status.replaceChildren(errorBox(err, 'Login failed'));
        pass.select();
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h1', {}, 'vigie'),
  h('p', { class: 'muted' }, 'Log in to see events, alerts and rules.'),
  h('label', { for: 'login-user' }, 'User name'), user,
  h('label', { for: 'login-password' }, 'Password'), pass,
  button, status);
  setTimeout(() => pass.focus(), 0);
  return h('div', { class: 'login-wrap' }, form);
}
