import 'reflect-metadata';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../src/bootstrap.js';
import type { FakeScript } from '../src/upstream/fake-script.js';
import { startFakeUpstream } from '../src/upstream/fake-upstream.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import { USER_HI, fakeKey } from './helpers/scripts.js';
import { TEST_POOL, secretsOf } from './helpers/test-demo.js';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core): traffic
 * rate-limits a key, its row turns `open`, then recovers to `closed`. Skipped with a notice
 * where chromium is missing, except under CI=true, where a missing browser is a failure.
 * Setup errors are rethrown by the tests, so they count as failures rather than skips.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const mustRun = process.env.CI === 'true';
if (!haveChromium && !mustRun) {
  console.warn(`\n[demo-api] SKIPPING the dashboard browser test: no chromium at ${CHROMIUM}. Install it (apt-get install chromium) or set CHROMIUM_PATH.\n`);
}

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));
// Unhinted: a 429 with a hint sidelines its limit for the hint and never counts toward the breaker.
const rateLimited = { kind: 'status', status: 429 } as const;

/**
 * `flaky` answers 429 three times (the breaker opens), then succeeds (the half-open trial
 * closes it). The other pools give the page something to show: a disabled key, a cooling one.
 */
const SCRIPT: FakeScript = {
  openai: [fakeKey('openai', 'flaky', [rateLimited, rateLimited, rateLimited, { kind: 'ok', latencyMs: 30 }]), fakeKey('openai', 'steady', { kind: 'ok', latencyMs: 30 })],
  // `capped` allows one request per 8 s: its success headers say 0 left, so it cools with no failure at all.
  anthropic: [fakeKey('anthropic', 'no-credit', { kind: 'quota' }), fakeKey('anthropic', 'capped', { kind: 'rate_limit', limit: 1, windowMs: 8_000 }), fakeKey('anthropic', 'steady', { kind: 'ok', latencyMs: 40 })],
  gemini: [fakeKey('gemini', 'revoked', { kind: 'invalid_key' }), fakeKey('gemini', 'tight', { kind: 'rate_limit', limit: 1, windowMs: 8_000 }), fakeKey('gemini', 'steady', { kind: 'ok', latencyMs: 20 })],
};

/** Unhinted 429s sideline a key for 100 ms, doubling; the breaker stays open 3 s, long enough to be seen open. */
const POOL = { ...TEST_POOL, rateLimitCooldownMs: 100, breaker: { failureThreshold: 3, cooldownMs: 3_000 } };

const row = (pool: string, key: string, attrs = '') => `tr[data-pool="${pool}"][data-key="${key}"]${attrs}`;

// Under CI=true a missing browser is a counted failure, not a quiet skip.
if (!haveChromium && mustRun) {
  it('chromium is installed (CI=true requires the dashboard browser test)', () => {
    expect.fail(`no chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  });
}

describe.skipIf(!haveChromium)('the dashboard in chromium', () => {
  let demo: RunningDemo;
  let origin: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const logger = new CapturingLogger();

  let setupError: unknown;
  beforeAll(async () => {
    try {
      demo = await startDemo({ port: 0, logger, upstream: await startFakeUpstream(SCRIPT, { poolDefaults: POOL }) });
      origin = `http://127.0.0.1:${new URL(demo.url).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
      });
      page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
      // Well inside the test timeout, so a wait that fails says which one.
      page.setDefaultTimeout(6_000);
      page.on('request', (r) => requested.push(r.url()));
      mkdirSync(RESULTS, { recursive: true });
    } catch (error) {
      setupError = error;
    }
  });
  beforeEach(() => {
    if (setupError) throw setupError;
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('shows every key, live; a rate-limited key goes open, then recovers to closed', async () => {
    await page.goto(origin + '/');
    await page.waitForSelector('#conn[data-connected="true"]');
    await expect.poll(() => page.textContent('#mode')).toBe('embedded fake providers');
    await page.waitForSelector(row('openai', 'flaky', '[data-state="closed"][data-available="true"]'));
    expect(await page.locator('tr[data-key]').count()).toBe(8);
    expect(await page.locator('#loading').count()).toBe(0);

    // Sequential traffic from outside the page, as another client would send it.
    let sending = true;
    const chat = (provider: string) => fetch(origin + '/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider, messages: USER_HI }) });
    const statuses: number[] = [];
    const traffic = (async () => {
      for (const provider of ['anthropic', 'gemini', 'gemini']) statuses.push((await chat(provider)).status);
      while (sending) {
        statuses.push((await chat('openai')).status);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();

    try {
      const open = await page.waitForSelector(row('openai', 'flaky', '[data-state="open"]'), { timeout: 8_000 });
      expect(await open.getAttribute('data-available')).toBe('false');
      expect(await open.$eval('.pill', (pill) => pill.textContent)).toBe('open');
      await page.waitForSelector('#log li[data-kind="key.rotated"][data-pool="openai"]');
      expect(await page.textContent('#log li[data-kind="key.rotated"][data-pool="openai"]')).toContain('flaky → steady');
      await page.waitForSelector(row('gemini', 'revoked', '[data-state="disabled"]'));
      // A key cooling with 0 failures says why: its success headers said nothing is left.
      const capped = await page.waitForSelector(row('anthropic', 'capped', '[data-status="cooling"]'));
      expect(await capped.$eval('td:nth-child(7)', (cell) => cell.textContent)).toBe('0');
      expect(await capped.$eval('td.why', (cell) => cell.textContent)).toMatch(/claude-haiku-4-5: rate-limit headers said 0 requests left, no failure/);
      expect(await capped.$eval('td.limits', (cell) => cell.textContent)).toMatch(/claude-haiku-4-5 0\/1 req/);
      await page.screenshot({ path: RESULTS + 'dashboard.png', fullPage: true });

      // The half-open trial succeeds (the script's fourth answer): closed and serving again.
      await page.waitForSelector(row('openai', 'flaky', '[data-state="closed"][data-available="true"]'), { timeout: 8_000 });
      await page.waitForSelector('#log li[data-kind="circuit.closed"][data-pool="openai"]');
    } finally {
      sending = false;
      await traffic;
    }
    // Keymesh absorbed every failure: the callers only ever saw answers.
    expect(statuses.every((s) => s === 200)).toBe(true);
    // A ceiling for a loaded CI machine; it takes about 2 s.
  }, 30_000);

  it('counts all traffic, not only the page\'s own, and the timeline chart renders and moves under load', async () => {
    // So far only requests from outside the page (the test's own fetches) were sent.
    expect(await page.getAttribute('#traffic', 'data-sent')).toBe('0');
    const totals = (field: string) => page.$eval(`#totals tr[data-pool="openai"] td[data-field="${field}"]`, (cell) => Number(cell.textContent));
    await expect.poll(() => totals('requests')).toBeGreaterThan(3);
    expect(await totals('upstream429')).toBeGreaterThanOrEqual(3); // flaky's three 429s, absorbed
    expect(await totals('failed')).toBe(0);
    expect(await page.locator('svg.timeline').count()).toBe(3);
    const points = () => page.getAttribute('svg.timeline[data-pool="openai"] polyline.requests', 'points');
    const before = await points();
    expect(before!.split(' ')).toHaveLength(180);
    expect(Number(await page.getAttribute('svg.timeline[data-pool="openai"]', 'data-upstream429'))).toBeGreaterThanOrEqual(3);
    // Load from outside: the chart's request line moves as the seconds go by.
    let sending = true;
    const load = (async () => {
      while (sending) {
        await fetch(origin + '/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'openai', messages: USER_HI }) });
      }
    })();
    try {
      await expect.poll(points, { timeout: 8_000 }).not.toBe(before);
      await expect.poll(() => page.$eval('.chart .legend [data-series="requests"] b', (b) => Number(b.textContent)), { timeout: 8_000 }).toBeGreaterThan(0);
      await page.locator('section.pool[data-pool="openai"]').screenshot({ path: RESULTS + 'dashboard-timeline.png' });
    } finally {
      sending = false;
      await load;
    }
  }, 30_000);

  it('"Send 20" drives a burst from the page; every answer arrives and the request counts move', async () => {
    const attempts = () => page.$$eval('tr[data-key] td:nth-child(6)', (cells) => cells.reduce((n, cell) => n + Number(cell.textContent), 0));
    const before = await attempts();
    await page.click('button[data-burst="20"]');
    await page.waitForSelector('#traffic[data-ok="20"]', { timeout: 8_000 });
    expect(await page.getAttribute('#traffic', 'data-rate-limited')).toBe('0');
    await expect.poll(attempts).toBeGreaterThanOrEqual(before + 20);
    await page.screenshot({ path: RESULTS + 'dashboard-after-burst.png', fullPage: true });
  });

  it('loads nothing from anywhere but the demo, and shows no secret', async () => {
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(url.startsWith(origin + '/')).toBe(true);
    const html = await page.content();
    for (const secret of secretsOf(SCRIPT)) expect(html).not.toContain(secret);
    expect(html).toMatch(/sk-…\w{4}/);
  });
});
