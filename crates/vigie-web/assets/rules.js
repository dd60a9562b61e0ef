// Rules: the loaded Sigma rules and their status (GET /api/v1/rules),
// enable/disable (POST /api/v1/rules/{id}/enable|disable), matches over
// time per rule (aggregate of vigie.alerts by rule id), and a box to test
// a rule on pasted events (POST /api/v1/rules/test).

import { api, qs } from './api.js';
import { timeChart } from './chart.js';
import { card, errorBox, h, mount, num, show } from './dom.js';
import { go } from './app.js';
import { grid, range } from './time.js';

const EXAMPLE_RULE = `title: Test - CloudTrail logging stopped
id: 00000000-0000-4000-8000-000000000001
status: test
level: high
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName: StopLogging
  condition: selection
`;
const EXAMPLE_EVENTS = `{"eventVersion": "1.08", "eventTime": "2024-05-01T10:00:00Z", "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "awsRegion": "eu-west-1", "userIdentity": {"type": "IAMUser", "userName": "mallory"}, "sourceIPAddress": "203.0.113.9", "eventType": "AwsApiCall"}
{"eventVersion": "1.08", "eventTime": "2024-05-01T10:01:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "eu-west-1", "userIdentity": {"type": "IAMUser", "userName": "alice"}, "sourceIPAddress": "198.51.100.7", "eventType": "AwsApiCall"}`;

export async function rulesPage(page) {
  const summary = h('div', {}, 'loading…');
  const list = h('div', {});
  const chart = h('div', {}, 'loading…');
  mount(page, h('h1', {}, 'Rules'), card('Detection rules', summary, list),
    card(`Matches over time per rule — ${range().label}`, chart), card('Test a rule on pasted events', testBox()));
  await Promise.all([loadRules(summary, list), loadChart(chart)]);
}

async function loadRules(summary, list) {
  let st;
  try {
    st = await api('GET', '/api/v1/rules');
  } catch (e) {
    mount(summary, errorBox(e, 'Loading the rules failed'));
    return;
  }
  const count = (v) => (Array.isArray(v) ? v.length : v);
  const stats = [['generation', st.generation], ['files', st.files], ['loaded', st.loaded],
    ['rules', st.rule_count ?? count(st.rules)], ['correlations', count(st.correlations)], ['filters', count(st.filters)],
    ['idle', count(st.idle)], ['failed', count(st.failed)], ['disabled', count(st.disabled)]].filter(([, v]) => v !== undefined);
  mount(summary,
    h('div', { class: 'stats' }, stats.map(([k, v]) => h('span', { class: 'stat' }, h('b', {}, show(v)), k))),
    problems('Failed to load', st.failed, true), problems('Idle (no dataset matches their logsource)', st.idle, false));
  if (!Array.isArray(st.rules)) {
    mount(list, h('p', { class: 'muted' }, 'This server reports counts only, not the rules one by one.'));
    return;
  }
  const rows = st.rules.map((r) => ({ r, el: ruleRow(r, () => loadRules(summary, list)) }));
  const tbody = h('tbody', {}, rows.map((x) => x.el));
  const filter = h('input', { type: 'search', id: 'rule-filter', placeholder: 'filter rules by title, id, level, status or log source',
    oninput: () => {
      const t = filter.value.toLowerCase();
      for (const x of rows) x.el.classList.toggle('hidden', t !== '' && !JSON.stringify(x.r).toLowerCase().includes(t));
    } });
  mount(list, h('div', { class: 'toolbar' }, filter), h('table', { class: 'grid rules' },
    h('thead', {}, h('tr', {}, ['Title', 'Level', 'Status', 'Log source', 'Enabled', 'ID', ''].map((t) => h('th', {}, t)))),
    tbody));
}

function problems(title, items, isError) {
  if (!Array.isArray(items) || !items.length) return null;
  return h('div', { class: isError ? 'error' : 'notice' }, h('strong', {}, `${title}:`),
    h('ul', {}, items.map((i) => h('li', {}, [i.file, i.line ? `:${i.line}:${i.column}` : '', i.rule ? ` (${i.rule})` : '', ` — ${i.reason}`].join('')))));
}

function ruleRow(r, reload) {
  const status = h('span', {});
  const enabled = r.enabled !== false;
  const ls = r.logsource && typeof r.logsource === 'object'
    ? Object.entries(r.logsource).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${v}`).join(', ')
    : show(r.logsource);
  const toggle = r.id && r.status !== 'failed' ? h('button', { type: 'button', class: enabled ? 'danger' : 'secondary', onclick: async (e) => {
    e.target.disabled = true;
    try {
      await api('POST', `/api/v1/rules/${encodeURIComponent(r.id)}/${enabled ? 'disable' : 'enable'}`);
      reload();
    } catch (err) {
      mount(status, errorBox(err, enabled ? 'Disabling failed' : 'Enabling failed'));
      e.target.disabled = false;
    }
  } }, enabled ? 'Disable' : 'Enable') : null;
  return h('tr', {},
    h('td', {}, r.id ? h('a', { href: '#', class: 'value', onclick: (e) => { e.preventDefault(); go('search', { q: `event.dataset:"vigie.alerts" AND rule.id:"${r.id}"` }); } }, r.title || r.id) : show(r.title)),
    h('td', {}, r.level ? h('span', { class: `sev sev-${String(r.level).toLowerCase()}` }, r.level) : ''),
    h('td', {}, h('span', { class: `rule-status rule-${r.status}` }, show(r.status)),
      r.reason ? h('div', { class: 'muted' }, r.reason) : null), h('td', {}, ls),
    h('td', {}, r.enabled === undefined ? '?' : (enabled ? 'yes' : 'no')),
    h('td', { class: 'mono' }, show(r.id)), h('td', {}, toggle, status));
}

async function loadChart(slot) {
  const r = range();
  try {
    const a = await api('GET', `/api/v1/aggregate${qs({ q: 'event.dataset:"vigie.alerts" AND rule.ruleset:sigma', from: r.from, to: r.to, interval: r.interval, by: 'rule.name' })}`);
    const g = grid(a.buckets, r.from, r.to, r.intervalMs);
    const series = [...g.series].map(([name, values]) => ({ name, values }));
    mount(slot, timeChart({ times: g.times, intervalMs: r.intervalMs, series, mode: 'lines', unit: 'matches', title: 'matches per rule' }));
  } catch (e) {
    mount(slot, errorBox(e, 'Matches over time'));
  }
}

/** Events typed as a JSON array, one object, or one JSON object per line. */
function parseEvents(text) {
  const t = text.trim();
  if (!t) return [];
  try {
    const v = JSON.parse(t);
    return Array.isArray(v) ? v : [v];
  } catch (e) {
    const lines = t.split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.map((l, i) => {
      try { return JSON.parse(l); } catch (err) { throw new Error(`events, line ${i + 1}: ${err.message}`); }
    });
  }
}

function testBox() {
  const rule = h('textarea', { id: 'test-rule', rows: 14, spellcheck: 'false' }, EXAMPLE_RULE);
  const events = h('textarea', { id: 'test-events', rows: 6, spellcheck: 'false' }, EXAMPLE_EVENTS);
  const out = h('div', {});
  const dataset = h('select', { id: 'test-dataset' }, h('option', { value: '' }, '(detect the format of each event)'));
  api('GET', '/api/v1/datasets').then((names) => {
    for (const n of names || []) dataset.appendChild(h('option', { value: n, selected: n === 'aws.cloudtrail' }, n));
  }).catch((err) => out.appendChild(errorBox(err, 'Listing the datasets failed')));
  const form = h('form', { onsubmit: async (e) => {
    e.preventDefault();
    let evs;
    try { evs = parseEvents(events.value); } catch (err) { mount(out, errorBox(err, 'The events are not JSON')); return; }
    try {
      const body = { rule: rule.value, events: evs };
      if (dataset.value) body.dataset = dataset.value;
      const res = await api('POST', '/api/v1/rules/test', body);
      const matches = Array.isArray(res.matches) ? res.matches : [];
      const diags = Array.isArray(res.diagnostics) ? res.diagnostics : [];
      mount(out, h('p', { class: matches.length ? 'notice test-summary' : 'muted test-summary' },
        `${num(matches.length)} of ${num(evs.length)} event(s) match`
        + (matches.length ? ` (events ${matches.map((m) => (m.index ?? 0) + 1).join(', ')})` : '') + '.'),
      diags.length ? h('div', { class: 'notice' }, h('strong', {}, 'Diagnostics: '), diags.map(show).join('; ')) : null,
        h('pre', { class: 'test-result' }, JSON.stringify(res, null, 2)));
    } catch (err) {
      mount(out, errorBox(err, 'Testing the rule failed'));
    }
  } },
  h('label', { for: 'test-rule' }, 'Sigma rule (YAML)'), rule,
  h('label', { for: 'test-events' }, 'Events (a JSON array, or one JSON object per line)'), events,
  h('label', { for: 'test-dataset' }, 'Dataset of the events '), dataset,
  h('div', { class: 'toolbar' }, h('button', { type: 'submit', id: 'test-run' }, 'Test')), out);
  return form;
}
