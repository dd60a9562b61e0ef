// Overview: events per second by dataset, alerts by severity over time,
// top firing rules, top source IPs and users, ingest health per dataset.

import { api, qs } from './api.js';
import { barList, SEVERITY_ORDER, timeChart } from './chart.js';
import { card, errorBox, h, mount, num } from './dom.js';
import { go } from './app.js';
import { ago, fmtTime, grid, range } from './time.js';

const ALERTS = 'event.dataset:"vigie.alerts" AND event.kind:alert AND -event.action:resolved';

/** Fills `slot` with what `load` builds, or the error it throws. */
async function fill(slot, what, load) {
  try {
    mount(slot, await load());
  } catch (e) {
    mount(slot, errorBox(e, what));
  }
}

function agg(params) {
  return api('GET', `/api/v1/aggregate${qs(params)}`);
}

/** Search for field:value (a click on a top value). */
function searchFor(field, value) {
  const v = String(value).replace(/(["\\])/g, '\\$1');
  go('search', { q: `${field}:"${v}"` });
}

export async function overviewPage(page) {
  const r = range();
  const base = { from: r.from, to: r.to };
  const slots = {
    rate: h('div', {}, 'loading…'),
    severity: h('div', {}, 'loading…'),
    rules: h('div', {}, 'loading…'),
    ips: h('div', {}, 'loading…'),
    users: h('div', {}, 'loading…'),
    health: h('div', {}, 'loading…'),
  };
  mount(page,
    h('h1', {}, `Overview — ${r.label}`),
    card('Events per second by dataset', slots.rate),
    card('Alerts by severity', slots.severity),
    h('div', { class: 'row' },
      card('Top firing rules', slots.rules),
      card('Top source IPs', slots.ips),
      card('Top users', slots.users)),
    card('Ingest health per dataset', slots.health));

  await Promise.all([
    fill(slots.rate, 'Events per second', async () => {
      const a = await agg({ ...base, q: '-event.dataset:"vigie.alerts"', interval: r.interval, by: 'event.dataset' });
      const g = grid(a.buckets, r.from, r.to, r.intervalMs);
      const secs = r.intervalMs / 1000;
      const series = [...g.series].map(([name, counts]) => ({ name, values: counts.map((c) => c / secs) }));
      return timeChart({ times: g.times, intervalMs: r.intervalMs, series, mode: 'lines', unit: 'events/s', title: 'events per second by dataset' });
    }),
    fill(slots.severity, 'Alerts by severity', async () => {
      const a = await agg({ ...base, q: ALERTS, interval: r.interval, by: 'event.severity_name' });
      const g = grid(a.buckets, r.from, r.to, r.intervalMs);
      const rank = (n) => { const i = SEVERITY_ORDER.indexOf(n); return i < 0 ? 99 : i; };
      const series = [...g.series].sort((x, y) => rank(x[0]) - rank(y[0]))
        .map(([name, values]) => ({ name, values }));
      return timeChart({ times: g.times, intervalMs: r.intervalMs, series, mode: 'bars', unit: 'alerts', title: 'alerts by severity' });
    }),
    fill(slots.rules, 'Top firing rules', async () => {
      const a = await agg({ ...base, q: ALERTS, field: 'rule.name', top: 10 });
      return barList(a.values, (v) => searchFor('rule.name', v), '#d32f2f');
    }),
    fill(slots.ips, 'Top source IPs', async () => {
      const a = await agg({ ...base, q: '-event.dataset:"vigie.alerts"', field: 'source.ip', top: 10 });
      return barList(a.values.filter((v) => v.value !== null), (v) => searchFor('source.ip', v));
    }),
    fill(slots.users, 'Top users', async () => {
      const a = await agg({ ...base, q: '-event.dataset:"vigie.alerts"', field: 'user.name', top: 10 });
      return barList(a.values.filter((v) => v.value !== null), (v) => searchFor('user.name', v));
    }),
    fill(slots.health, 'Ingest health', async () => {
      const d = await api('GET', `/api/v1/overview/ingest${qs(base)}`);
      return healthTable(d, (r.to - r.from) / 1000);
    }),
  ]);
}

function healthTable(d, seconds) {
  const rows = d.datasets.map((x) => {
    const reasons = Object.entries(x.rejects || {}).map(([k, v]) => `${k}: ${num(v)}`).join(', ');
    return [
      h('a', { href: '#', class: 'value', onclick: (e) => { e.preventDefault(); searchFor('event.dataset', x.dataset); } }, x.dataset),
      h('span', { class: 'num' }, num(x.events)),
      x.last_event ? h('span', { title: fmtTime(x.last_event) }, `${fmtTime(x.last_event)} (${ago(x.last_event)})`) : h('span', { class: 'muted' }, 'none in range'),
      h('span', { class: 'num' }, `${num(x.events / seconds)} /s`),
      h('span', { class: 'num' }, num(x.accepted)),
      h('span', { class: x.rejected ? 'num error-text' : 'num' }, num(x.rejected)),
      reasons || '–',
    ];
  });
  const errors = Object.entries(d.request_errors || {});
  return h('div', {},
    rows.length ? h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['Dataset', 'Events in range', 'Last event', 'Rate', 'Accepted (since start)', 'Rejected (since start)', 'Rejections by reason'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))))
      : h('p', { class: 'muted' }, 'No events yet.'),
    errors.length ? h('p', {}, 'Requests refused as a whole: ', errors.map(([k, v]) => `${k}: ${num(v)}`).join(', ')) : null);
}
