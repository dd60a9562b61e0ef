// Alerts: groups as Alertmanager shows them (GET /api/v2/alerts/groups,
// with its filters), a silence form prefilled from an alert's labels
// (POST /api/v2/silences), and the silences with "Expire"
// (DELETE /api/v2/silence/{id}).

import { api, qs } from './api.js';
import { card, errorBox, h, mount } from './dom.js';
import { currentUser } from './app.js';
import { ago, fmtTime } from './time.js';

const filters = { filter: '', receiver: '', active: true, silenced: false, inhibited: false, expired: false };

function chips(labels) {
  return h('span', { class: 'labels' }, Object.entries(labels || {}).sort()
    .map(([k, v]) => h('span', { class: 'label-chip' }, `${k}="${v}"`)));
}

function severityBadge(sev) {
  return sev ? h('span', { class: `sev sev-${String(sev).toLowerCase()}` }, sev) : null;
}

/** Matchers typed as `a="b", c=~"d.*"` (or one per line) for `filter=`. */
function matcherList(text) {
  return text.split(/\n|,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((s) => s.trim()).filter(Boolean)
    .map((s) => s.replace(/^\{|\}$/g, ''));
}

export async function alertsPage(page) {
  const groupsSlot = h('div', {}, 'loading…');
  const silencesSlot = h('div', {}, 'loading…');
  const filterInput = h('input', { type: 'text', id: 'alert-filter', placeholder: 'matchers, e.g. severity="high", rule_id=~"4db.*"', value: filters.filter });
  const receiverInput = h('input', { type: 'text', id: 'alert-receiver', placeholder: 'receiver (regex)', value: filters.receiver });
  const box = (name, label) => h('label', {}, h('input', { type: 'checkbox', checked: filters[name], onchange: (e) => { filters[name] = e.target.checked; loadGroups(); } }), ` ${label}`);
  const form = h('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); filters.filter = filterInput.value; filters.receiver = receiverInput.value; loadGroups(); } },
    filterInput, receiverInput, box('active', 'active'), box('silenced', 'silenced'), box('inhibited', 'inhibited'),
    h('button', { type: 'submit' }, 'Filter'));
  const expiredBox = h('label', {}, h('input', { type: 'checkbox', checked: filters.expired, onchange: (e) => { filters.expired = e.target.checked; loadSilences(); } }), ' show expired');
  mount(page,
    h('h1', {}, 'Alerts'),
    card('Alert groups', form, groupsSlot),
    card('Silences', h('div', { class: 'toolbar' }, expiredBox), silencesSlot));

  async function loadGroups() {
    try {
      const params = { filter: matcherList(filters.filter), receiver: filters.receiver,
        active: filters.active, silenced: filters.silenced, inhibited: filters.inhibited };
      const groups = await api('GET', `/api/v2/alerts/groups${qs(params)}`);
      mount(groupsSlot, renderGroups(groups, () => { loadGroups(); loadSilences(); }));
    } catch (e) {
      mount(groupsSlot, errorBox(e, 'Loading the alert groups failed'));
    }
  }
  async function loadSilences() {
    try {
      const silences = await api('GET', '/api/v2/silences');
      mount(silencesSlot, renderSilences(silences, () => { loadSilences(); loadGroups(); }));
    } catch (e) {
      mount(silencesSlot, errorBox(e, 'Loading the silences failed'));
    }
  }
  await Promise.all([loadGroups(), loadSilences()]);
}

function renderGroups(groups, changed) {
  const shown = (groups || []).filter((g) => g.alerts && g.alerts.length);
  if (!shown.length) return h('p', { class: 'muted' }, 'No alerts match these filters.');
  return h('div', {}, shown.map((g) => h('div', { class: 'group' },
    h('div', { class: 'group-head' },
      h('strong', {}, `${g.alerts.length} alert${g.alerts.length > 1 ? 's' : ''}`),
      Object.keys(g.labels || {}).length ? chips(g.labels) : h('span', { class: 'muted' }, '(not grouped)'),
      h('span', { class: 'muted' }, `receiver: ${g.receiver ? g.receiver.name : '?'}`)),
    g.alerts.map((a) => renderAlert(a, changed)))));
}

function renderAlert(a, changed) {
  const st = a.status || {};
  const formSlot = h('div', { class: 'full' });
  const silencedBy = st.silencedBy || [];
  const inhibitedBy = st.inhibitedBy || [];
  return h('div', { class: 'alert', 'data-fingerprint': a.fingerprint },
    h('div', {},
      h('div', { class: 'labels' },
        h('span', { class: `state state-${st.state || 'unknown'}` }, st.state || 'unknown'),
        severityBadge(a.labels && a.labels.severity),
        h('strong', {}, (a.labels && a.labels.alertname) || '(no alertname)'),
        h('span', { class: 'muted' }, `since ${fmtTime(a.startsAt)} (${ago(a.startsAt)})`)),
      chips(a.labels),
      Object.keys(a.annotations || {}).length ? h('dl', { class: 'annotations' },
        Object.entries(a.annotations).sort().flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])) : null,
      silencedBy.length ? h('div', { class: 'muted' }, `silenced by ${silencedBy.join(', ')}`) : null,
      inhibitedBy.length ? h('div', { class: 'muted' }, `inhibited by ${inhibitedBy.join(', ')}`) : null,
      formSlot),
    h('div', {}, h('button', { type: 'button', class: 'secondary silence-button',
      onclick: () => mount(formSlot, silenceForm(a.labels || {}, () => mount(formSlot), changed)) }, 'Silence')));
}

const DURATIONS = [['1h', 3600e3], ['2h', 7200e3], ['4h', 4 * 3600e3], ['12h', 12 * 3600e3], ['1d', 86400e3], ['7d', 7 * 86400e3]];

/** The form to silence alerts with these labels. */
function silenceForm(labels, close, changed) {
  const rows = Object.entries(labels).sort().map(([name, value]) => {
    const use = h('input', { type: 'checkbox', checked: true });
    const val = h('input', { type: 'text', value, class: 'mono' });
    const regex = h('input', { type: 'checkbox' });
    return { name, use, val, regex, el: h('div', { class: 'matcher' }, use, h('code', {}, name), '=', val, h('label', {}, regex, ' regex')) };
  });
  const duration = h('select', { id: 'silence-duration' }, DURATIONS.map(([k]) => h('option', { value: k }, k)));
  const comment = h('input', { type: 'text', id: 'silence-comment', required: true, placeholder: 'why (required)' });
  const status = h('div', { class: 'full' });
  const submit = h('button', { type: 'submit' }, 'Create silence');
  const form = h('form', {
    class: 'silence',
    onsubmit: async (e) => {
      e.preventDefault();
      const matchers = rows.filter((r) => r.use.checked)
        .map((r) => ({ name: r.name, value: r.val.value, isRegex: r.regex.checked, isEqual: true }));
      if (!matchers.length) { mount(status, errorBox(new Error('choose at least one matcher'), 'Silence')); return; }
      const ms = DURATIONS.find(([k]) => k === duration.value)[1];
      const now = Date.now();
      submit.disabled = true;
      try {
        const res = await api('POST', '/api/v2/silences', {
          matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(now + ms).toISOString(),
          createdBy: currentUser() || 'unknown', comment: comment.value,
        });
        mount(status, h('p', { class: 'notice' }, `Silence ${res && res.silenceID} created.`));
        setTimeout(() => { close(); changed(); }, 600);
      } catch (err) {
        mount(status, errorBox(err, 'Creating the silence failed'));
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('strong', { class: 'full' }, 'New silence'),
  h('span', {}, 'Matchers'), h('div', {}, rows.map((r) => r.el)),
  h('label', { for: 'silence-duration' }, 'Duration'), duration,
  h('span', {}, 'Created by'), h('code', {}, currentUser() || ''),
  h('label', { for: 'silence-comment' }, 'Comment'), comment,
  h('span', {}), h('div', { class: 'toolbar' }, submit, h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel')),
  status);
  setTimeout(() => comment.focus(), 0);
  return form;
}

function renderSilences(silences, changed) {
  const order = { active: 0, pending: 1, expired: 2 };
  const list = (silences || []).filter((s) => filters.expired || (s.status && s.status.state !== 'expired'))
    .sort((a, b) => (order[a.status.state] - order[b.status.state]) || (a.endsAt < b.endsAt ? 1 : -1));
  if (!list.length) return h('p', { class: 'muted' }, 'No silences.');
  const rows = list.map((s) => {
    const status = h('span', {});
    const matchers = h('span', { class: 'labels' }, (s.matchers || []).map((m) =>
      h('span', { class: 'label-chip' }, `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '=~' : '='}"${m.value}"`)));
    const expire = s.status.state === 'expired' ? null : h('button', { type: 'button', class: 'danger expire-button',
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          await api('DELETE', `/api/v2/silence/${encodeURIComponent(s.id)}`);
          changed();
        } catch (err) {
          mount(status, errorBox(err, 'Expiring failed'));
          e.target.disabled = false;
        }
      } }, 'Expire');
    return h('tr', { 'data-silence': s.id },
      h('td', {}, h('span', { class: `state state-${s.status.state}` }, s.status.state)),
      h('td', {}, matchers),
      h('td', {}, fmtTime(s.startsAt)), h('td', {}, fmtTime(s.endsAt)),
      h('td', {}, s.createdBy), h('td', {}, s.comment),
      h('td', { class: 'mono' }, s.id),
      h('td', {}, expire, status));
  });
  return h('table', { class: 'grid silences' },
    h('thead', {}, h('tr', {}, ['State', 'Matchers', 'Starts', 'Ends', 'Created by', 'Comment', 'ID', ''].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows));
}
