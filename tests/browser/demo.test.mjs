// The demo page (web/) in Debian's chromium, driven by playwright-core:
// the seed's run with 5 bees, faults, the timeline (snapshot/restore:
// rewind and continue gives the same run), and 10,000 bees with
// frame-interval and snapshot figures. Screenshots go to build/screenshots/.
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

const totalNectar = (st) => st.bees.reduce((n, b) => n + b.nectar, 0);
const MB = (n) => `${(n / 1048576).toFixed(2)} MB`;

test('timeline: rewind 200 bees to an early snapshot, continue: the same end again', { skip, timeout: 180_000 }, async () => {
  const { page, errors, requests } = await open();
  await page.evaluate(() => demo.reset({ bees: 200, flowers: 3, seed: 1, preference: -1 }));
  assert.equal(await page.evaluate(() => demo.snapshots()), 1, 'a snapshot of the fresh run');
  await page.evaluate(() => { demo.setSpeed(2000); demo.start(); });
  await page.waitForFunction(() => demo.state().status === 'done', null, { timeout: 120_000, polling: 100 });
  await page.waitForTimeout(400);
  const end1 = await page.evaluate(() => demo.state());
  assert.equal(end1.finished, 200);
  assert.equal(end1.visits, 1000);
  assert.ok(end1.bees.every((b) => b.nectar === 5));
  const tl1 = await page.evaluate(() => demo.timeline());
  const n = await page.evaluate(() => demo.snapshots());
  assert.equal(n, tl1.snapshots.length);
  assert.ok(n >= 5 && n <= 61, `snapshots kept: ${n}`);
  assert.ok(tl1.bytes <= 200 * 1048576 + tl1.snapshots.at(-1).bytes, `bytes kept: ${tl1.bytes}`);
  for (let i = 1; i < n; i++) assert.ok(tl1.snapshots[i].x > tl1.snapshots[i - 1].x, 'snapshots in time order');
  assert.equal(tl1.snapshots[0].ticks, 0);
  // the end of the run is the last snapshot
  assert.equal(tl1.snapshots.at(-1).status, 'done');
  assert.equal(tl1.snapshots.at(-1).ticks, end1.ticks);
  assert.equal(tl1.cursor, -1);
  assert.match(await page.$eval('#o-snaps', (e) => e.textContent), new RegExp(`^${n} snapshots · [\\d.]+ MB`));
  assert.equal(await page.$eval('#b-continue', (e) => e.disabled), true, 'nothing to continue from while live');
  const pointsEnd = (await page.evaluate(() => demo.chartPoints())).queue;

  // back to an early snapshot: a fresh runtime from its bytes
  const early = tl1.snapshots.findIndex((s) => s.visits > 0);
  assert.ok(early > 0 && early < n / 2, `an early snapshot: ${early} of ${n}`);
  const back = await page.evaluate((i) => demo.rewind(i), early);
  const tl2 = await page.evaluate(() => demo.timeline());
  assert.equal(tl2.cursor, early);
  assert.equal(back.running, false);
  assert.equal(back.status, 'past');
  assert.equal(back.ticks, tl1.snapshots[early].ticks);
  assert.equal(back.visits, tl1.snapshots[early].visits);
  assert.ok(totalNectar(back) < totalNectar(end1), `nectar after rewinding ${totalNectar(back)}, at the end ${totalNectar(end1)}`);
  assert.ok(back.finished < 200);
  // the views follow: counters, the scrubber, the status, the charts (trimmed to that point)
  await page.waitForFunction((v) => document.getElementById('c-visits').textContent === v, String(back.visits), { timeout: 5_000 });
  assert.match(await page.$eval('#status', (e) => e.textContent), new RegExp(`back at snapshot ${early} of ${n - 1}`));
  assert.match(await page.$eval('#o-time', (e) => e.textContent), new RegExp(`^snapshot ${early} of ${n - 1}`));
  assert.equal(await page.$eval('#i-time', (e) => Number(e.value)), tl1.snapshots[early].x);
  assert.equal(await page.$eval('#b-continue', (e) => e.disabled), false);
  await page.waitForFunction((p) => demo.chartPoints().queue < p, pointsEnd, { timeout: 5_000 });
  assert.match((await page.evaluate(() => demo.log()))[0], /createRuntime\(\{ snapshot \}\) restored snapshot/);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `${SHOTS}demo-timeline-rewound.png`, fullPage: true });

  // continue from there to the end: the runtime is deterministic
  await page.click('#b-continue');
  await page.waitForFunction(() => demo.state().status === 'done', null, { timeout: 120_000, polling: 100 });
  const end2 = await page.evaluate(() => demo.state());
  assert.deepEqual(end2.bees, end1.bees);
  assert.deepEqual(end2.flowers, end1.flowers);
  // rt.stats.switches also counts one switch per rt.run() call of the page
  // (a number that depends on the frames); the scheduler's own switches:
  assert.equal(end2.ticks, end1.ticks);
  for (const k of ['channelOps', 'visits', 'finished', 'events']) assert.equal(end2[k], end1[k], k);
  // the later snapshots went when the run went on; new ones were taken
  const tl3 = await page.evaluate(() => demo.timeline());
  assert.equal(tl3.cursor, -1);
  assert.deepEqual(tl3.snapshots.slice(0, early + 1).map((s) => s.x), tl1.snapshots.slice(0, early + 1).map((s) => s.x));
  assert.ok(tl3.snapshots.length > early + 1);
  assert.equal(tl3.snapshots.at(-1).ticks, end1.ticks);
  assert.match((await page.evaluate(() => demo.log())).join('\n'), new RegExp(`Going on from snapshot ${early} [^\n]*: the ${n - early - 1} later snapshots are discarded`));
  assert.deepEqual(errors, []);
  assertLocal(requests);
  const sizes = tl1.snapshots.map((s) => s.bytes);
  console.log(`# 200 bees: ${n} snapshots, ${MB(tl1.bytes)} kept, each ${MB(Math.min(...sizes))}–${MB(Math.max(...sizes))}; rt.snapshot() median ${ms(tl1.takeMs.median)}; restore: createRuntime({ snapshot }) ${ms(tl2.createMs.last)}, with the page's views ${ms(tl2.restoreMs.last)}`);
  await page.close();
});

test('timeline: scrubber by mouse and keys; going on with a fault (kill a bee) diverges', { skip, timeout: 120_000 }, async () => {
  const { page, errors, requests } = await open();
  await page.evaluate(() => demo.reset({ bees: 5, flowers: 3, seed: 1, preference: -1 }));
  await page.evaluate(() => { demo.setSpeed(100); demo.start(); });
  await page.waitForFunction(() => demo.state().status === 'done', null, { timeout: 60_000 });
  const end1 = await page.evaluate(() => demo.state());
  const n = await page.evaluate(() => demo.snapshots());
  assert.ok(n >= 4, `snapshots: ${n}`);
  // drag the scrubber from the right end to the middle
  const box = await page.locator('#i-time').boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width - 2, y);
  await page.mouse.down();
  for (let f = 0.9; f >= 0.5; f -= 0.1) await page.mouse.move(box.x + box.width * f, y, { steps: 2 });
  await page.mouse.up();
  await page.waitForFunction(() => demo.timeline().cursor >= 0 && demo.state()?.status === 'past', null, { timeout: 10_000 });
  await page.waitForTimeout(300);
  const tl = await page.evaluate(() => demo.timeline());
  const st = await page.evaluate(() => demo.state());
  const max = Number(await page.$eval('#i-time', (e) => e.max));
  // the nearest snapshot at or before where the thumb was let go
  assert.ok(tl.snapshots[tl.cursor].x <= max * 0.55, `restored x ${tl.snapshots[tl.cursor].x} of ${max}`);
  assert.ok(totalNectar(st) < totalNectar(end1));
  // keys: one snapshot back
  await page.focus('#i-time');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((c) => demo.timeline().cursor === c - 1, tl.cursor, { timeout: 10_000 });
  // Home: the start of the run
  await page.keyboard.press('Home');
  await page.waitForFunction(() => demo.timeline().cursor === 0, null, { timeout: 10_000 });
  const start = await page.evaluate(() => demo.state());
  assert.equal(start.ticks, 0);
  assert.equal(totalNectar(start), 0);
  // a fault from there: bee 1 never gets its nectar, the run takes another course
  const before = await page.evaluate(() => demo.timeline().cursor);
  await page.evaluate(() => { demo.select('bee 1'); return demo.killBee(); });
  assert.equal(await page.evaluate(() => demo.timeline().cursor), -1);
  assert.equal(await page.evaluate(() => demo.snapshots()), before + 1, 'the later snapshots are discarded');
  await page.evaluate(() => demo.start());
  await page.waitForFunction(() => ['done', 'deadlock'].includes(demo.state().status), null, { timeout: 60_000 });
  const end2 = await page.evaluate(() => demo.state());
  assert.equal(end2.status, 'deadlock');
  assert.ok(end2.bees[1].nectar < 5);
  assert.equal(end2.finished, 4);
  // the trace covers the run as it went: no slice after its end
  const trace = await page.evaluate(() => demo.trace());
  for (const e of trace.traceEvents.filter((x) => x.ph === 'X')) assert.ok(e.dur > 0 && e.ts >= 0 && e.ts + e.dur <= end2.switches, JSON.stringify(e));
  await page.screenshot({ path: `${SHOTS}demo-timeline-fault.png`, fullPage: true });
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
  // the timeline of a big run: bounded, and a snapshot from the middle restores
  const tl = await page.evaluate(() => demo.timeline());
  assert.ok(tl.snapshots.length >= 3 && tl.snapshots.length <= 61, `snapshots: ${tl.snapshots.length}`);
  assert.ok(tl.bytes <= 200 * 1048576 + tl.snapshots.at(-1).bytes, `bytes kept: ${tl.bytes}`);
  // the latest snapshot taken while bees were still out (at least the
  // one at reset; how many there are depends on the machine's speed)
  const mid = tl.snapshots.findLastIndex((x) => x.visits < 50_000);
  assert.ok(mid >= 0, 'a snapshot from before the end');
  const back = await page.evaluate((i) => demo.rewind(i), mid);
  const tl2 = await page.evaluate(() => demo.timeline());
  assert.equal(back.visits, tl.snapshots[mid].visits);
  assert.ok(totalNectar(back) < 50_000);
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${SHOTS}demo-10000-bees-rewound.png`, fullPage: true });
  assert.deepEqual(errors, []);
  assertLocal(requests);
  const sizes = tl.snapshots.map((s) => s.bytes);
  console.log(`# 10,000 bees: ${tl.snapshots.length} snapshots (every ${tl.every} switches), ${MB(tl.bytes)} kept, each ${MB(Math.min(...sizes))}–${MB(Math.max(...sizes))} (the last: ${MB(sizes.at(-1))}); rt.snapshot() median ${ms(tl.takeMs.median)}, max ${ms(tl.takeMs.max)}; restore of snapshot ${mid} (${MB(sizes[mid])}): createRuntime({ snapshot }) ${ms(tl2.createMs.last)}, with the page's views ${ms(tl2.restoreMs.last)}`);
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
