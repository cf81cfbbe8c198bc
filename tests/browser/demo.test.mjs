// The demo page (web/) in Debian's chromium, driven by playwright-core:
// the seed's run with 5 bees, faults, and 10,000 bees with frame-interval
// figures. Screenshots go to build/screenshots/.
//
// Run by `make test-browser` (BROWSER_TEST=1). `node --test tests/` (make
// test-js) finds this file too and skips it, so the browser runs once.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '../../web/server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../build/screenshots/', import.meta.url));
const skip = process.env.BROWSER_TEST !== '1' ? 'browser test: run it with `make test-browser` (BROWSER_TEST=1)'
  : !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM} (make test-browser installs Debian's)` : false;

// A laptop-sized window; full-page screenshots show everything.
const VIEWPORT = { width: 1280, height: 900 };

let server, url, browser;

test.before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  ({ server, url } = await serve({ port: 0 }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(SHOTS, { recursive: true });
});

test.after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page on the demo, recording console errors and every request. */
async function open() {
  const page = await browser.newPage({ viewport: VIEWPORT });
  const errors = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 30_000 });
  return { page, errors, requests };
}

function assertLocal(requests) {
  assert.ok(requests.length > 0);
  for (const r of requests) {
    const u = new URL(r);
    // blob: URLs (the trace download) are the page's own
    const host = u.protocol === 'blob:' ? new URL(u.pathname).hostname : u.hostname;
    assert.equal(host, '127.0.0.1', `request off the host: ${r}`);
  }
}

const allNectar = (n) => `demo.state().bees.every((b) => b.nectar === ${n})`;
const ms = (v) => `${v.toFixed(1)} ms`;

test('5 bees, 3 flowers: the seed runs to the end, charts and counters follow', { skip, timeout: 120_000 }, async () => {
  const { page, errors, requests } = await open();
  const s0 = await page.evaluate(() => demo.reset({ bees: 5, flowers: 3, seed: 1, preference: -1 }));
  assert.equal(s0.bees.length, 5);
  assert.deepEqual(s0.bees.map((b) => b.nectar), [0, 0, 0, 0, 0]);
  assert.equal(s0.flowers.length, 3);
  assert.equal(s0.running, false);
  await page.evaluate(() => demo.start());
  assert.equal(await page.evaluate(() => demo.state().running), true);
  await page.waitForFunction(allNectar(5), null, { timeout: 60_000, polling: 100 });
  await page.waitForFunction(() => demo.state().status === 'done', null, { timeout: 10_000 });
  const frames = await page.evaluate(() => demo.frameStats());
  // let the panels and the charts catch up (a few times a second)
  await page.waitForTimeout(600);

  const st = await page.evaluate(() => demo.state());
  assert.equal(st.visits, 25);
  assert.equal(st.finished, 5);
  assert.ok(st.switches > 25 && st.channelOps >= 50, JSON.stringify(st));
  assert.equal(st.running, false);
  // charts: data points arrived and were drawn (in the chart worker)
  const points = await page.evaluate(() => demo.chartPoints());
  const draws = await page.evaluate(() => demo.chartDraws());
  for (const k of ['queue', 'balance', 'nectar', 'hist']) {
    assert.ok(points[k] > 0, `chart ${k} has no points: ${JSON.stringify(points)}`);
    assert.ok(draws[k] > 0, `chart ${k} never drew: ${JSON.stringify(draws)}`);
  }
  assert.ok(points.nectar >= 5 * 10, `a line per bee with many samples: ${JSON.stringify(points)}`);
  // counters on the page moved
  const counter = (id) => page.$eval(`#${id}`, (e) => e.textContent);
  assert.ok(Number((await counter('c-switches')).replace(/,/g, '')) > 0);
  assert.ok(Number((await counter('c-chops')).replace(/,/g, '')) > 0);
  assert.equal(await counter('c-visits'), '25');
  assert.equal(await counter('c-done'), '5 / 5');
  assert.match(await counter('c-sim'), /^[1-9][\d,]* ticks$/);
  // the run queue view names the tasklets; the seed's lines are shown
  assert.match(await page.$eval('#output', (e) => e.textContent), /Bee \d got nectar from Flower \d I now have 5 nectar/);
  assert.match(await page.$eval('#states', (e) => e.textContent), /flower 0: receiving on flower 0's channel/);
  // the trace: one track per tasklet, running slices from the schedule callback
  const trace = await page.evaluate(() => demo.trace());
  const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args.name);
  assert.deepEqual(names, ['main', 'flower 0', 'flower 1', 'flower 2', 'bee 0', 'bee 1', 'bee 2', 'bee 3', 'bee 4']);
  const running = trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'running');
  assert.ok(running.length >= 25, 'a running slice per turn');
  for (const e of trace.traceEvents.filter((x) => x.ph === 'X')) assert.ok(e.dur > 0 && e.ts >= 0);

  // the export button downloads the same trace as a JSON file
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#b-trace')]);
  const file = JSON.parse(await readFile(await download.path(), 'utf8'));
  assert.match(download.suggestedFilename(), /^bees-trace-3f-5b-seed1\.json$/);
  assert.equal(file.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').length, 9);
  assert.ok(file.traceEvents.some((e) => e.ph === 'C' && e.name === 'run queue'));

  await page.screenshot({ path: `${SHOTS}demo-5-bees.png`, fullPage: true });
  assert.deepEqual(errors, []);
  assertLocal(requests);
  console.log(`# 5 bees: ${frames.n} frames while running, interval median ${ms(frames.median)}, p95 ${ms(frames.p95)}`);
  await page.close();
});

test('faults: kill a bee, close a flower\'s channel, kill a flower, deadlock report', { skip, timeout: 120_000 }, async () => {
  const { page, errors, requests } = await open();
  // with preference 1 (the sender goes on) bees queue on the channels
  await page.evaluate(() => demo.reset({ bees: 8, flowers: 3, seed: 4, preference: 1 }));
  for (let i = 0; i < 25; i++) await page.evaluate(() => demo.step());
  const mid = await page.evaluate(() => demo.state());
  assert.ok(mid.flowers.some((f) => f.balance > 0), 'bees are queued on a channel');
  await page.evaluate(() => { demo.select('bee 2'); return demo.killBee(); });
  await page.evaluate(() => { demo.select('flower 1'); return demo.closeFlower(); });
  await page.evaluate(() => { demo.select('flower 2'); return demo.killFlower(); });
  await page.evaluate(() => { demo.setSpeed(500); demo.start(); });
  await page.waitForFunction(() => demo.state().status !== 'running', null, { timeout: 60_000 });
  const st = await page.evaluate(() => demo.state());
  assert.equal(st.status, 'deadlock');
  const log = (await page.evaluate(() => demo.log())).join('\n');
  assert.match(log, /bee 2\.kill\(\)[^\n]*TaskletExit[^\n]*ended silently/);
  assert.match(log, /ChannelClosedError[^\n]*'flower 1' died/);
  assert.match(log, /flower 2\.kill\(\)[^\n]*TaskletExit/);
  // the runtime's report names the stuck tasklets: the bees queued on the dead flower
  assert.match(log, /DeadlockError[^\n]*Blocked: [^\n]*'bee \d+' sending on channel/);
  assert.match(await page.$eval('#status', (e) => e.textContent), /deadlock/);
  await page.screenshot({ path: `${SHOTS}demo-faults.png`, fullPage: true });
  assert.deepEqual(errors, []);
  assertLocal(requests);
  await page.close();
});

test('10,000 bees: the page keeps its frame rate', { skip, timeout: 300_000 }, async () => {
  const { page, errors, requests } = await open();
  const s0 = await page.evaluate(() => demo.reset({ bees: 10_000, flowers: 5, seed: 1, preference: -1 }));
  assert.equal(s0.bees.length, 10_000);
  await page.evaluate(() => { demo.setSpeed(20_000); demo.start(); });
  // measure while the run is in full swing, then show it
  await page.waitForTimeout(3000);
  const frames = await page.evaluate(() => demo.frameStats());
  await page.screenshot({ path: `${SHOTS}demo-10000-bees-running.png`, fullPage: true });
  await page.waitForFunction(allNectar(5), null, { timeout: 240_000, polling: 250 });
  await page.waitForTimeout(600);
  const st = await page.evaluate(() => demo.state());
  assert.equal(st.visits, 50_000);
  assert.equal(st.finished, 10_000);
  const points = await page.evaluate(() => demo.chartPoints());
  for (const k of ['queue', 'balance', 'nectar', 'hist', 'agg']) assert.ok(points[k] > 0, `chart ${k}: ${JSON.stringify(points)}`);
  await page.screenshot({ path: `${SHOTS}demo-10000-bees.png`, fullPage: true });
  assert.deepEqual(errors, []);
  assertLocal(requests);
  const target = frames.p95 < 33 ? 'met' : 'missed';
  console.log(`# 10,000 bees: ${frames.n} frames while running, interval median ${ms(frames.median)}, p95 ${ms(frames.p95)} (target p95 < 33 ms: ${target}); script per frame p95: scheduler ${ms(frames.scheduler.p95)}, hive ${ms(frames.hive.p95)}, panels/charts ${ms(frames.panels.p95)}`);
  // The target (p95 < 33 ms) is printed, not asserted: on a machine busy
  // with other work the browser gets too little CPU for it. Asserted: the
  // page never freezes (no frame takes a second; most frames come quickly).
  assert.ok(frames.n >= 20, `too few frames in 3 s: ${frames.n}`);
  assert.ok(frames.max < 1000, `a frame took ${frames.max} ms`);
  assert.ok(frames.median < 100, `median frame interval ${frames.median} ms`);
  await page.close();
});
