// The web UI in a real browser (Debian's Chromium driven by playwright-core):
// log in (a wrong password first), ingest a CloudTrail event that a SigmaHQ
// rule fires on, see its alert in Alerts and the event in Search, silence
// the alert, visit Overview and Rules, log out. Every page is saved as a
// screenshot; any console error or failed request that the test did not
// provoke fails it. Run by scripts/ui-test.sh, which installs what it needs.
//
// Environment: VIGIE_BIN (the vigie binary), VIGIE_SHARED_DIR (SigmaHQ
// rules), PLAYWRIGHT_DIR (where playwright-core is installed),
// UI_ARTIFACTS (screenshots), CHROMIUM (the browser, /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.PLAYWRIGHT_DIR || '.', 'noop.js'));
const { chromium } = require('playwright-core');

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const BIN = process.env.VIGIE_BIN || path.join(ROOT, 'target/debug/vigie');
const SHARED = process.env.VIGIE_SHARED_DIR || path.join(ROOT, '../shared');
const ARTIFACTS = process.env.UI_ARTIFACTS || path.join(ROOT, 'target/ui-artifacts');
const RULE_ID = '4db60cc0-36fb-42b7-9b58-a5b53019fb74'; // AWS CloudTrail logging stopped (SigmaHQ)

/** The CloudTrail record the rule fires on (as the e2e alerting test), happening now. */
function stopLogging(now) {
  return JSON.stringify({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/mallory', accountId: '111122223333', userName: 'mallory' },
    eventTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
    eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging', awsRegion: 'eu-west-1',
    sourceIPAddress: '203.0.113.9', userAgent: 'aws-cli/2.15.0', requestParameters: { name: 'management-events' },
    responseElements: null, requestID: '0f1e2d3c-aaaa-bbbb-cccc-111122223333', eventID: randomBytes(8).toString('hex'),
    readOnly: false, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: '111122223333', eventCategory: 'Management',
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let vigie; let dir; let base; let stderr = ''; let password; let browser; let page;
const ingestToken = randomBytes(24).toString('hex');
const problems = []; // console errors and failed requests nobody asked for
let expected = []; // [method, path, status] the test provokes on purpose

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigie-ui-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const rules = path.join(SHARED, 'sigma/rules/cloud/aws');
  assert.ok(fs.existsSync(rules), `SigmaHQ rules at ${rules} (set VIGIE_SHARED_DIR)`);
  fs.writeFileSync(path.join(dir, 'vigie.yaml'), `auth:
  tokens:
    - name: ui-test-ingest
      token: ${ingestToken}
      scopes: [ingest]
detection:
  rules: [${rules}]
alerting:
  alertmanager:
    route:
      receiver: soc
      group_by: [rule_id]
      group_wait: 1s
      group_interval: 1m
    receivers:
      - name: soc
`);
  vigie = spawn(BIN, ['serve', '--config', path.join(dir, 'vigie.yaml')], {
    env: { ...process.env, VIGIE_LISTEN: `127.0.0.1:${port}`, VIGIE_DATA_DIR: path.join(dir, 'data'), RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  vigie.stderr.on('data', (d) => { stderr += d.toString(); });
  const deadline = Date.now() + 30000;
  for (;;) {
    assert.ok(vigie.exitCode === null, `vigie exited early:\n${stderr}`);
    assert.ok(Date.now() < deadline, `vigie not ready in 30 s:\n${stderr}`);
    try { if ((await fetch(`${base}/-/ready`)).status === 200) break; } catch { /* not yet */ }
    await sleep(100);
  }
  // The one-time admin password: the line after the notice, indented.
  const m = /created the user `admin`[^\n]*\n\s*\n {4}(\S+)/.exec(stderr);
  assert.ok(m, 'vigie printed the admin password at first start');
  password = m[1];

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  const isExpected = (method, url, status) => expected.some(([m, p, s]) => (m === '*' || m === method) && (p === '*' || new URL(url).pathname === p) && s === status);
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location() && msg.location().url;
    // The browser reports the deliberate 401s as "Failed to load resource".
    const status = Number((/status of (\d{3})/.exec(msg.text()) || [])[1]);
    const deliberate = status && url && expected.some(([, p, s]) => s === status && (p === '*' || new URL(url).pathname === p));
    if (!deliberate) problems.push(`console error on ${page.url()}: ${msg.text()} (${url})`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught exception on ${page.url()}: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && !isExpected(r.request().method(), r.url(), r.status())) {
      problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    }
  });
});

after(async () => {
  if (browser) await browser.close();
  if (vigie && vigie.exitCode === null) {
    vigie.kill('SIGTERM');
    await new Promise((r) => { vigie.once('exit', r); setTimeout(r, 10000); });
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Clicks Refresh until `selector` shows text matching `re` (at most `secs`). */
async function refreshUntil(selector, re, secs) {
  const deadline = Date.now() + secs * 1000;
  for (;;) {
    const texts = await page.locator(selector).allTextContents();
    if (texts.some((t) => re.test(t))) return;
    assert.ok(Date.now() < deadline, `${selector} never showed ${re}; it shows: ${texts.join(' | ').slice(0, 500)}`);
    await page.click('#refresh');
    await sleep(700);
  }
}

test('login, alerts, search, silence, overview, rules and logout in Chromium', async () => {
  // The page is served with its security headers.
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(index.headers.get('x-frame-options'), 'DENY');

  // Not logged in: the login screen. A wrong password shows the server's message.
  expected = [['GET', '/api/v1/auth/session', 401], ['POST', '/api/v1/auth/login', 401]];
  await page.goto(`${base}/`);
  await page.waitForSelector('form.login');
  await page.fill('#login-user', 'admin');
  await page.fill('#login-password', 'not-the-password');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('form.login .error');
  assert.match(await page.textContent('form.login .error'), /invalid username or password/);
  await shot('login');

  await page.fill('#login-password', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('#top:not(.hidden)');
  assert.match(await page.textContent('#user'), /admin/);
  expected = [];

  // Ingest the fixture with the ingest token (as a shipper would).
  const res = await fetch(`${base}/api/v1/ingest/aws.cloudtrail`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ingestToken}`, 'Content-Type': 'application/json' },
    body: stopLogging(new Date()),
  });
  assert.equal(res.status, 200, await res.text());

  // Alerts: the detection appears as an alert in its group.
  await page.goto(`${base}/#/alerts`);
  await refreshUntil('.alert', new RegExp(RULE_ID), 30);
  const alert = page.locator('.alert', { hasText: RULE_ID }).first();
  assert.match(await alert.textContent(), /mallory/);
  await shot('alerts');

  // Silence it from the alert: the form is prefilled with its labels.
  await alert.locator('.silence-button').click();
  await page.waitForSelector('form.silence');
  assert.match(await page.textContent('form.silence'), /rule_id/);
  await page.fill('#silence-comment', 'ui test: known maintenance');
  await page.click('form.silence button[type=submit]');
  await page.waitForSelector('table.silences tr:has-text("ui test: known maintenance")');
  const row = page.locator('table.silences tr', { hasText: 'ui test: known maintenance' });
  assert.match(await row.textContent(), /active/);
  assert.match(await row.textContent(), /admin/);
  // The silenced alert shows as suppressed when silenced alerts are asked for.
  await page.locator('label', { hasText: 'silenced' }).locator('input').check();
  await page.waitForSelector(`.alert:has-text("${RULE_ID}") .state-suppressed`);
  await shot('alerts-silenced');

  // Search: the event, with its normalized fields and the original record.
  await page.goto(`${base}/#/search`);
  await page.fill('#q', 'event.action:StopLogging');
  await page.click('#run');
  await page.waitForFunction(() => /q=event\.action/.test(location.hash));
  await page.waitForSelector('table.results tr.hit');
  assert.match(await page.textContent('table.results tbody'), /StopLogging/);
  await page.click('table.results tr.hit');
  await page.waitForSelector('pre.original');
  assert.match(await page.textContent('pre.original'), /"eventName": "StopLogging"/);
  await page.waitForSelector('.figure svg.chart');
  await shot('search');
  // "filter" adds the value to the query.
  await page.locator('.fields .k:text-is("user.name") + .v .filter-button').click();
  await page.waitForFunction(() => /mallory/.test(decodeURIComponent(location.hash)));
  assert.match(await page.inputValue('#q'), /event\.action:StopLogging AND user\.name:"mallory"/);
  await page.waitForSelector('table.results tr.hit');

  // SQL mode.
  await page.goto(`${base}/#/search?mode=sql`);
  await page.waitForSelector('table.results td');
  assert.match(await page.textContent('table.results'), /aws\.cloudtrail/);
  await shot('search-sql');

  // Overview: charts and the ingest health table.
  await page.goto(`${base}/#/overview`);
  await refreshUntil('.card table.grid', /aws\.cloudtrail/, 20);
  await page.waitForSelector('.figure svg.chart');
  assert.ok(await page.locator('.figure svg.chart').count() >= 2);
  await shot('overview');

  // The silence is in the audit log, itself searchable.
  await page.goto(`${base}/#/search?q=${encodeURIComponent('event.dataset:"vigie.audit" AND url.path:"/api/v2/silences"')}`);
  await page.waitForSelector('table.results tr.hit');
  assert.match(await page.textContent('table.results tbody'), /admin/);
  await shot('search-audit');

  // Expire the silence: it leaves the list of current silences.
  await page.goto(`${base}/#/alerts`);
  await page.waitForSelector('table.silences .expire-button');
  await page.click('table.silences .expire-button');
  await page.waitForSelector('text=No silences.');

  // Rules: the loaded SigmaHQ rules.
  await page.goto(`${base}/#/rules`);
  await page.waitForSelector('.stats');
  assert.match(await page.textContent('.stats'), /loaded/);
  await shot('rules');

  // Disable the rule that fired, from its row; the API agrees; enable it again.
  const ruleRow = `tr:has(td.mono:text-is("${RULE_ID}"))`;
  await page.click(`${ruleRow} button:text-is("Disable")`);
  await page.waitForSelector(`${ruleRow} button:text-is("Enable")`);
  const enabledNow = await page.evaluate(async (id) => {
    const body = await (await fetch('/api/v1/rules', { credentials: 'same-origin' })).json();
    return body.rules.find((r) => r.id === id).enabled;
  }, RULE_ID);
  assert.equal(enabledNow, false, 'disabled through the UI');
  await shot('rules-disabled');
  await page.click(`${ruleRow} button:text-is("Enable")`);
  await page.waitForSelector(`${ruleRow} button:text-is("Disable")`);

  // Test a rule on pasted events: the example rule matches the first of
  // the two example events, not the second.
  await page.click('#test-run');
  await page.waitForSelector('.test-summary');
  assert.match(await page.textContent('.test-summary'), /^1 of 2 event\(s\) match \(events 1\)/);
  await page.fill('#test-rule', 'title: broken\ndetection:\n  selection:\n    eventName|nosuchmodifier: x\n  condition: selection\n');
  expected = [['POST', '/api/v1/rules/test', 400]];
  await page.click('#test-run');
  await page.waitForSelector('form .error');
  assert.match(await page.textContent('form .error'), /Testing the rule failed/);
  await shot('rules-test');
  expected = [];

  // A session that ends (here: its cookie is gone) brings the login back
  // with the server's message; logging in again returns to the page.
  expected = [['*', '*', 401]];
  await page.context().clearCookies();
  await page.click('#refresh');
  await page.waitForSelector('form.login .notice');
  assert.ok((await page.textContent('form.login .notice')).trim().length > 0);
  await shot('session-ended');
  expected = [];
  await page.fill('#login-password', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('.page[data-page="rules"] .stats');

  // Log out: back to the login screen; the session no longer works.
  await page.click('#logout');
  await page.waitForSelector('form.login');
  await shot('logged-out');
  expected = [['GET', '/api/v1/auth/session', 401]];
  const after = await page.evaluate(async () => (await fetch('/api/v1/auth/session', { credentials: 'same-origin' })).status);
  assert.equal(after, 401, 'the session ended with the logout');

  assert.deepEqual(problems, [], `console errors or failed requests:\n${problems.join('\n')}`);
});
