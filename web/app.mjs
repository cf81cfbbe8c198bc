// The demo page: the seed's bees and flowers as C tasklets on stackless-wasm,
// driven in slices between animation frames and drawn from the runtime's own
// state (linear memory, rt.inspect(), rt.stats).
//
// Small runs (up to SMALL tasklets) advance one switch per rt.run() call and
// record every switch and every tasklet's state, so the swimlanes and the
// trace are exact. Large runs advance in bigger slices and sample the state a
// few times a second; the page then draws summaries instead of a line per bee.
//
// The timeline keeps rt.snapshot()s of the run; the scrubber restores one
// into a fresh runtime (createRuntime({ snapshot })) and the run can go on
// from there, the same way or, after a fault, another.
import { createRuntime } from 'stackless-wasm';
import { BeesSim, EV, eventLine, NECTAR_GOAL } from './sim.mjs';

// ---- tuning ---------------------------------------------------------------
const SMALL = 64;             // flowers + bees up to this: exact per-switch recording
const DRAW_BEES_AS_SHAPES = 300; // more bees than this are drawn as pixels
const LABEL_BEES = 40;        // bees get name labels up to this many
const LINE_PER_BEE = 12;      // nectar chart: a line per bee up to this many
const WINDOW = 300;           // samples kept per chart series
const CHART_MS = 200;         // each chart redraws 5 times a second
const PANEL_MS = 200;         // DOM panels likewise
const SAMPLE_MS = 100;        // large runs: state sample interval (wall time)
const SLICE_MS = 6;           // scheduler time per frame, at most
const SWIM_COLS = 160;        // swimlane window, in switches of a small run
const TRACE_MAX = 400_000;    // trace slices kept before recording stops
const MAX_FLOWERS = 32, MAX_BEES = 100_000;
// the timeline: rt.snapshot() every so many switches
const SNAP_MAX = 60;                 // snapshots kept; when full every other one goes and the interval doubles
const SNAP_BUDGET = 200 * 1048576;   // bytes of snapshots kept, at most (likewise)
const SNAP_COST = 20;                // wall time between snapshots: at least this many times one takes
const SNAP_SLOW_GAP_MS = 3000;       // ... and, for large runs where one costs more than half a frame, at least this long
                                     //     (so such frames stay under 1% and off the p95 frame interval)

// tasklet states of rt.inspect()
const ST = { RUNNING: 0, RUNNABLE: 1, SENDING: 2, RECEIVING: 3, PAUSED: 4, IN_RUN: 5, DEAD: 6 };
const STATE_NAME = ['running', 'runnable', 'blocked sending', 'blocked receiving', 'paused', 'waiting in run()', 'finished'];
const css = getComputedStyle(document.documentElement);
const COLOR = {
  running: css.getPropertyValue('--running').trim() || '#3ddc84',
  runnable: css.getPropertyValue('--runnable').trim() || '#5aa9e6',
  sending: css.getPropertyValue('--sending').trim() || '#f08a24',
  receiving: css.getPropertyValue('--receiving').trim() || '#a77bf3',
  dead: css.getPropertyValue('--dead').trim() || '#3a4250',
  grid: '#2a3240', text: '#dfe6ee', muted: '#8a96a6', bee: '#f5c518', hive: '#c8922a',
};
const STATE_COLOR = [COLOR.running, COLOR.runnable, COLOR.sending, COLOR.receiving, COLOR.muted, COLOR.running, COLOR.dead];
const flowerColor = (f) => `hsl(${(f * 137.508 + 330) % 360} 70% 62%)`;

const $ = (id) => document.getElementById(id);
const fmt = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const compact = (n) => (Math.abs(n) >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : Math.abs(n) >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : `${Math.round(n)}`);

// ---- state ----------------------------------------------------------------
let rt = null;   // the runtime
let sim = null;  // BeesSim: the C simulation's shared state
let S = null;    // everything about the current run (rebuilt by reset)
let speed = 20;  // switches per second (Infinity: as fast as SLICE_MS allows)
let selected = -1; // role index of the selected tasklet (flowers 0..F-1, bees F.., main -2)
let locked = 0;  // > 0 while a scheduler call is in flight
let chain = Promise.resolve();
const frames = { last: 0, intervals: [], work: [], running: false };

/** Run fn after every earlier scheduler call finished; one at a time. */
function exclusive(fn) {
  const p = chain.then(async () => {
    locked++;
    try { return await fn(); } finally { locked--; }
  });
  chain = p.catch(() => {});
  return p;
}

// ---- reset ----------------------------------------------------------------

async function reset(opts = {}) {
  const o = {
    bees: opts.bees ?? Number($('i-bees').value),
    flowers: opts.flowers ?? Number($('i-flowers').value),
    seed: opts.seed ?? Number($('i-seed').value),
    preference: opts.preference ?? Number($('i-pref').value),
  };
  for (const [k, lo, hi] of [['bees', 0, MAX_BEES], ['flowers', 1, MAX_FLOWERS], ['seed', 0, 0xffffffff], ['preference', -1, 1]]) {
    if (!Number.isInteger(o[k]) || o[k] < lo || o[k] > hi) throw new RangeError(`${k} must be an integer in ${lo}..${hi} (got ${o[k]})`);
  }
  if (S) S.running = false;
  return exclusive(async () => {
    $('i-bees').value = o.bees; $('i-flowers').value = o.flowers; $('i-seed').value = o.seed; $('i-pref').value = o.preference;
    setStatus('ready', 'starting…');
    if (rt) rt.destroy();
    rt = await createRuntime();
    sim = await BeesSim.start(rt, o);
    S = newRun(o);
    selected = -1;
    if (S.small) rt.setScheduleCallback(onSwitch);
    buildCharts();
    layoutHive();
    placeBeesHome();
    inspectNow();
    sample(true);
    takeSnapshot();
    $('log').replaceChildren();
    log('info', `New runtime: <b>${o.flowers}</b> flower and <b>${o.bees}</b> bee tasklets created by the C tasklet 'bees' (seed ${o.seed}, channel preference ${o.preference}). ${S.small ? 'Small run: every switch is recorded.' : 'Large run: the state is sampled every ' + SAMPLE_MS + ' ms.'}`);
    frames.intervals = [];
    S.dirty = true;
    updatePanels();
    updateTimeline(true);
    setStatus('ready', 'ready: press Start');
    return state();
  });
}

function newRun(o) {
  const B = o.bees, F = o.flowers, N = F + B;
  const run = {
    B, F, N, opts: o, small: N <= SMALL, running: false, status: 'ready',
    // role index: flowers 0..F-1, bees F..F+B-1; main -2, the builder -3
    roleOfId: new Int32Array(0), idOfRole: new Int32Array(N), tasklet: new Array(N),
    mainId: rt.main.id, builderId: sim.builder.id, names: new Map(),
    flowerCh: [], chanToFlower: new Map(), closed: new Uint8Array(F), killed: new Uint8Array(N),
    state: new Int8Array(N).fill(ST.RUNNABLE), chan: new Int32Array(N), woke: new Int32Array(N),
    runQueue: new Int32Array(0), flowerQueue: Array.from({ length: F }, () => []),
    counts: new Int32Array(7), mainState: ST.RUNNING,
    // counters
    runCalls: 0, wallMs: 0, switches0: rt.stats.switches, rate: [], lastSampleAt: -1e9,
    // chart series: ring buffers of the last WINDOW samples
    series: {
      queue: new Series(1), balance: new Series(F), agg: new Series(5),
      nectar: new Series(B <= LINE_PER_BEE ? B : 3 + Math.min(3, B)),
    },
    chosen: [], lastX: -1, yBalance: 4, chartDue: {},
    // hive
    px: new Float32Array(B), py: new Float32Array(B), ox: new Float32Array(B), oy: new Float32Array(B),
    cosA: new Float32Array(B), sinA: new Float32Array(B), rad: new Float32Array(B), homeX: new Float32Array(B), homeY: new Float32Array(B),
    flowerXY: [], hive: { x: 0, y: 0, r: 30 }, arrows: [], pulse: new Float32Array(F),
    // swimlanes (small runs): one state column per switch
    swim: null, swimCol: 0, swimRows: [],
    // the seed's output: the latest events
    out: new Uint32Array(4 * 64), outN: 0,
    // trace recording
    trace: { slices: [], counters: [], switches: [], open: null, truncated: false, sw: 0 },
    ranThisCall: [], errors: 0, deadlock: null, dirty: true,
    samples: 0, // chart samples taken (the x of each is in the series)
  };
  run.tl = newTimeline(run);
  // ids and names: every tasklet of the runtime, once
  const all = rt.tasklets();
  let maxId = 0;
  for (const t of all) maxId = Math.max(maxId, t.id);
  run.roleOfId = new Int32Array(maxId + 1).fill(-1);
  for (const t of all) {
    const name = t.name;
    run.names.set(t.id, name);
    let role = -1;
    let m;
    if (t.id === run.mainId) role = -2;
    else if (t.id === run.builderId) role = -3;
    else if ((m = /^flower (\d+)$/.exec(name))) role = Number(m[1]);
    else if ((m = /^bee (\d+)$/.exec(name))) role = F + Number(m[1]);
    run.roleOfId[t.id] = role;
    if (role >= 0) { run.idOfRole[role] = t.id; run.tasklet[role] = t; }
  }
  // the flowers' channels, by the handles the C state holds
  const byPtr = new Map(rt.channels().map((c) => [c.handle, c]));
  for (let f = 0; f < F; f++) {
    const ch = byPtr.get(sim.channelHandle(f));
    run.flowerCh[f] = ch;
    if (ch) run.chanToFlower.set(ch.id, f);
  }
  // a few bees followed by name in large runs' nectar chart
  if (B > LINE_PER_BEE) run.chosen = [...new Set([0, B >> 1, B - 1])];
  // stable per-bee offsets for clouds around flowers and the hive
  for (let b = 0; b < B; b++) {
    const h = hash(b + 1);
    run.ox[b] = (h & 0xffff) / 0xffff;
    run.oy[b] = (h >>> 16) / 0xffff;
    run.rad[b] = Math.sqrt(run.oy[b]);
    run.cosA[b] = Math.cos(run.ox[b] * 2 * Math.PI);
    run.sinA[b] = Math.sin(run.ox[b] * 2 * Math.PI);
  }
  if (run.small) {
    run.swimRows = [-2, ...Array.from({ length: N }, (_, i) => i)];
    run.swim = new Int8Array(SWIM_COLS * run.swimRows.length).fill(-1);
  }
  run.bytesPerTasklet = sim.recordStride();
  return run;
}

function hash(x) {
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

const roleName = (r) => (r === -2 ? 'main' : r === -3 ? 'bees' : r < S.F ? `flower ${r}` : `bee ${r - S.F}`);
const nameOfId = (id) => S.names.get(id) ?? `tasklet ${id}`;
const simTicks = () => Math.max(0, rt.stats.switches - S.switches0 - S.runCalls);

// ---- driving the scheduler ----------------------------------------------

function onSwitch(prev, next) {
  // small runs only: who runs, switch by switch
  const tr = S.trace;
  tr.sw++;
  if (tr.switches.length < TRACE_MAX) tr.switches.push(tr.sw, prev ? prev.id : 0, next ? next.id : 0);
  if (next && next.id !== S.mainId) S.ranThisCall.push(next.id);
}

/** Run up to `ticks` switches in slices; stops early when the queue is empty. */
async function advance(ticks, budgetMs) {
  const until = performance.now() + budgetMs;
  let done = 0;
  while (done < ticks) {
    // a snapshot due opens the slice; a big one takes the whole frame's budget
    if (maybeSnapshot() && performance.now() >= until) break;
    const room = snapRoom();
    const n = S.small ? 1 : Math.max(1, Math.min(ticks - done, S.chunk ?? 256, sliceLimit(), room));
    const t0 = performance.now();
    let left;
    try {
      S.ranThisCall.length = 0;
      left = await rt.run({ ticks: n });
    } catch (e) {
      onRunError(e);
      left = rt.runcount - 1;
    }
    S.runCalls++;
    done += n;
    afterRun();
    if (!S.small) {
      // aim at ~2 ms per run() call
      const per = (performance.now() - t0) / n;
      S.chunk = Math.max(64, Math.min(20000, Math.round(2 / Math.max(per, 1e-5))));
    }
    if (left === 0) {
      await onQueueEmpty();
      break;
    }
    if (performance.now() >= until) break;
    // at a snapshot point: a costly snapshot waits for the next frame's slice
    if (n === room && S.tl.cost > SLICE_MS / 2) break;
  }
  return done;
}

// switches per call that cannot wrap the event ring between drains
const sliceLimit = () => Math.max(1, Math.floor(sim.eventCap / (S.F + 3)));

function afterRun() {
  sim.drain(onEvent);
  if (S.small) {
    inspectNow();
    sample(false);
  } else if (performance.now() - S.lastSampleAt >= SAMPLE_MS) {
    // large runs: a sample is the frame's heavy part (render() then leaves
    // the panels and charts for the next frame)
    inspectNow();
    sample(false);
    S.sampledInFrame = true;
  }
  S.dirty = true;
}

function onRunError(e, where = 'rt.run()') {
  S.errors++;
  const who = /tasklet (\d+) '([^']*)'/.exec(e.message);
  let what = '';
  if (e.name === 'ChannelClosedError') {
    what = who && /^flower/.test(who[2])
      ? `: its receive() would block on a closed channel, so it raised ChannelClosedError; nobody caught it, so the flower ended and rt.run() rejected.`
      : `: its send() would block on a closed channel, so it raised ChannelClosedError; nobody caught it, so the bee ended and rt.run() rejected.`;
  }
  log('err', `${where} rejected with <b>${esc(e.name)}</b>: ${esc(e.message)}${what.replace('rt.run()', where)} The page caught it and keeps running the others.`);
}

async function onQueueEmpty() {
  inspectNow();
  sample(true);
  const unfinished = S.B - sim.finished;
  S.running = false;
  if (unfinished > 0 && rt.runcount === 1) {
    // nothing can run but some bees never finished: ask the runtime
    try {
      await rt.channel().receive();
    } catch (e) {
      S.deadlock = e;
      const stuck = (e.message.match(/'[^']+'/g) ?? []).length;
      log('err', `The run queue is empty but ${unfinished} bee${unfinished === 1 ? '' : 's'} never finished. Main tried <code>await rt.channel().receive()</code>: <b>${esc(e.name)}</b> naming ${stuck} stuck tasklet${stuck === 1 ? '' : 's'}<details open><summary>the runtime's report</summary>${esc(e.message)}</details>`);
      setStatus('deadlock', `deadlock: ${stuck} tasklets blocked forever`);
      captureHead();
      return;
    }
  }
  setStatus('done', `done: all ${fmt(S.B)} bees have ${NECTAR_GOAL} nectar; the flowers still wait on their channels`);
  log('ok', `Run queue empty after ${fmt(rt.stats.switches)} switches: every bee finished. The flowers stay blocked in receive(), as in the seed.`);
  captureHead();
}

function onEvent(kind, a, b, c) {
  const o = S.out, i = 4 * (S.outN++ % 64);
  o[i] = kind; o[i + 1] = a; o[i + 2] = b; o[i + 3] = c;
  if (kind === EV.GIVE) {
    S.pulse[a] = 1;
    const bee = b;
    if (S.arrows.length < (S.B <= 400 ? 160 : 60) && (S.B <= 400 || (S.outN & 15) === 0)) {
      S.arrows.push({ x0: S.px[bee], y0: S.py[bee], f: a, t: performance.now() });
    }
  }
}

// ---- reading the state -----------------------------------------------------

/** rt.inspect() into per-role arrays (+ the trace and swimlanes). */
function inspectNow(trace = true) {
  const ins = rt.inspect();
  const { state, chan, woke, roleOfId } = S;
  const prev = S.small ? state.slice() : null;
  state.fill(ST.DEAD);
  for (let i = 0; i < ins.ids.length; i++) {
    const id = ins.ids[i];
    const r = id < roleOfId.length ? roleOfId[id] : -1;
    if (r >= 0) {
      state[r] = ins.states[i];
      chan[r] = ins.channels[i];
      woke[r] = ins.wokenBy[i];
    } else if (r === -2) {
      S.mainState = ins.states[i];
      S.mainWoke = ins.wokenBy[i];
    }
  }
  S.runQueue = ins.runQueue;
  const counts = S.counts.fill(0);
  for (let r = 0; r < S.N; r++) counts[state[r]]++;
  if (S.small) trackFlowerQueues(prev);
  if (trace && S.tl.cursor < 0) recordTrace(prev);
  S.lastSampleAt = performance.now();
}

/** Small runs: the order bees joined each flower's channel. */
function trackFlowerQueues(prev) {
  const { F, state, chan } = S;
  for (let f = 0; f < F; f++) {
    const q = S.flowerQueue[f];
    for (let i = q.length - 1; i >= 0; i--) {
      const r = q[i];
      if (state[r] !== ST.SENDING || S.chanToFlower.get(chan[r]) !== f) q.splice(i, 1);
    }
  }
  for (let r = F; r < S.N; r++) {
    if (state[r] === ST.SENDING && (prev[r] !== ST.SENDING || !S.flowerQueue[S.chanToFlower.get(chan[r])]?.includes(r))) {
      const f = S.chanToFlower.get(chan[r]);
      if (f !== undefined && !S.flowerQueue[f].includes(r)) S.flowerQueue[f].push(r);
    }
  }
}

/** Per-tasklet state slices for the trace; the clock is rt.stats.switches. */
function recordTrace(prev) {
  const tr = S.trace;
  const now = rt.stats.switches - S.switches0;
  const N = S.N;
  if (!tr.open) {
    tr.open = { start: new Float64Array(N), state: new Int8Array(N), chan: new Int32Array(N) };
    for (let r = 0; r < N; r++) { tr.open.state[r] = S.state[r]; tr.open.chan[r] = S.chan[r]; }
    return;
  }
  const ran = new Set();
  if (S.small) for (const id of S.ranThisCall) ran.add(S.roleOfId[id]);
  const o = tr.open;
  for (let r = 0; r < N; r++) {
    const changed = S.state[r] !== o.state[r] || (S.state[r] >= ST.SENDING && S.chan[r] !== o.chan[r]);
    if (!changed && !ran.has(r)) continue;
    if (ran.has(r)) {
      // it ran between the last two switches (main -> it -> main)
      closeSlice(r, now - 1);
      pushSlice(r, now - 1, 1, ST.RUNNING, 0);
      o.start[r] = now;
    } else {
      closeSlice(r, now);
      o.start[r] = now;
    }
    o.state[r] = S.state[r];
    o.chan[r] = S.chan[r];
  }
  if (tr.counters.length < TRACE_MAX) tr.counters.push(now, S.runQueue.length - 1, sim.finished);
}

function closeSlice(r, end) {
  const o = S.trace.open;
  if (end > o.start[r] && o.state[r] !== ST.DEAD) pushSlice(r, o.start[r], end - o.start[r], o.state[r], o.chan[r]);
}

function pushSlice(r, ts, dur, st, ch) {
  const tr = S.trace;
  if (tr.slices.length >= 5 * TRACE_MAX) { tr.truncated = true; return; }
  tr.slices.push(r, ts, dur, st, ch);
}

/** One point per series at the current simulated time. */
function sample(force) {
  const x = rt.stats.switches - S.switches0;
  if (x <= S.lastX) return;
  S.lastX = x;
  S.samples++;
  const se = S.series, v = sampleVals;
  v[0] = Math.max(0, S.runQueue.length - 1);
  se.queue.push(x, v);
  for (let f = 0; f < S.F; f++) {
    const ch = S.flowerCh[f];
    const bal = ch ? ch.balance : 0;
    v[f] = bal;
    if (bal > S.yBalance) S.yBalance = niceMax(bal);
  }
  se.balance.push(x, v);
  const nec = sim.refresh().nectarView();
  if (S.B <= LINE_PER_BEE) {
    for (let b = 0; b < S.B; b++) v[b] = nec[b];
  } else {
    let mn = Infinity, mx = -Infinity, sum = 0;
    for (let b = 0; b < nec.length; b++) {
      const n = nec[b];
      if (n < mn) mn = n;
      if (n > mx) mx = n;
      sum += n;
    }
    v[0] = mx; v[1] = mn; v[2] = sum / nec.length;
    S.chosen.forEach((b, i) => { v[3 + i] = nec[b]; });
  }
  se.nectar.push(x, v);
  if (!S.small) {
    const c = S.counts;
    v[0] = c[ST.RUNNING] + c[ST.IN_RUN]; v[1] = c[ST.RUNNABLE]; v[2] = c[ST.SENDING];
    v[3] = c[ST.RECEIVING]; v[4] = c[ST.DEAD] + c[ST.PAUSED];
    se.agg.push(x, v);
  } else {
    // swimlanes: the states after this switch; who ran is marked running
    const rows = S.swimRows, col = S.swimCol++ % SWIM_COLS;
    const ran = new Set(S.ranThisCall.map((id) => S.roleOfId[id]));
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let st;
      if (r === -2) st = ran.size ? ST.IN_RUN : ST.RUNNING;
      else st = ran.has(r) ? ST.RUNNING : S.state[r];
      S.swim[col * rows.length + i] = st;
    }
  }
  for (const k of CHART_IDS) S.chartDue[k] = true;
}
const sampleVals = new Float64Array(64);

/** The last WINDOW samples of a few series sharing one x (simulated time). */
class Series {
  constructor(n) {
    this.x = new Float64Array(WINDOW);
    this.y = Array.from({ length: n }, () => new Float64Array(WINDOW));
    this.len = 0;
    this.head = 0; // next slot
  }
  push(x, vals) {
    const h = this.head;
    this.x[h] = x;
    for (let i = 0; i < this.y.length; i++) this.y[i][h] = vals[i];
    this.head = (h + 1) % WINDOW;
    if (this.len < WINDOW) this.len++;
  }
  clone() {
    const c = Object.create(Series.prototype);
    c.x = this.x.slice();
    c.y = this.y.map((a) => a.slice());
    c.len = this.len;
    c.head = this.head;
    return c;
  }
  /** Copies in time order: { x, ys } (transferable). */
  ordered() {
    const n = this.len, start = (this.head - n + WINDOW) % WINDOW;
    const take = (a) => {
      const out = new Float64Array(n);
      const first = Math.min(n, WINDOW - start);
      out.set(a.subarray(start, start + first), 0);
      if (first < n) out.set(a.subarray(0, n - first), first);
      return out;
    };
    return { x: take(this.x), ys: this.y.map(take) };
  }
}

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

// ---- charts (drawn by charts-worker.js on OffscreenCanvas) ---------------------

const chartWorker = new Worker('/web/charts-worker.js');
const chartInfo = new Map(); // id -> { points, busy, box }
chartWorker.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'drawn') {
    const c = chartInfo.get(m.id);
    if (c) { c.points = m.points; c.busy = false; c.draws++; c.ms += m.ms; }
  } else if (m.type === 'error') {
    console.error(`chart worker: ${m.message}`);
  }
};
chartWorker.onerror = (e) => console.error(`chart worker: ${e.message}`);
const chartResize = new ResizeObserver((entries) => {
  for (const en of entries) {
    const id = en.target.dataset.chart;
    const { width, height } = en.contentRect;
    if (id && chartInfo.has(id)) chartWorker.postMessage({ type: 'resize', id, width, height });
  }
});

/** A fresh canvas in box `boxId`, handed to the worker as chart `id`. */
function makeChart(id, boxId, kind, params) {
  const box = $(boxId);
  const old = chartInfo.get(id);
  if (old) {
    chartWorker.postMessage({ type: 'destroy', id });
    chartResize.unobserve(old.box);
  }
  const canvas = document.createElement('canvas');
  if (!canvas.transferControlToOffscreen) {
    box.textContent = 'This browser cannot draw charts in a worker (no OffscreenCanvas).';
    return;
  }
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', params.aria ?? id);
  box.replaceChildren(canvas);
  box.dataset.chart = id;
  const { width, height } = box.getBoundingClientRect();
  const off = canvas.transferControlToOffscreen();
  delete params.aria;
  chartWorker.postMessage({ type: 'create', id, canvas: off, kind, params, width: width || 300, height: height || 170, dpr: window.devicePixelRatio || 1 }, [off]);
  chartInfo.set(id, { points: 0, busy: false, draws: 0, ms: 0, box });
  chartResize.observe(box);
}

function buildCharts() {
  const { F, B, N } = S;
  makeChart('queue', 'box-queue', 'line', {
    aria: 'run-queue length over simulated time', yMax: niceMax(N + 1),
    datasets: [{ label: 'run queue', color: COLOR.runnable, bg: 'rgba(90,169,230,.2)', fill: 'origin' }],
  });
  makeChart('balance', 'box-balance', 'line', {
    aria: 'channel balance per flower over simulated time', yMin: -1, yMax: S.yBalance,
    datasets: Array.from({ length: F }, (_, f) => ({ label: `flower ${f}`, color: flowerColor(f) })),
  });
  legend('legend-balance', Array.from({ length: F }, (_, f) => [`flower ${f}`, flowerColor(f)]));
  let nds;
  if (B <= LINE_PER_BEE) {
    nds = Array.from({ length: B }, (_, b) => ({ label: `bee ${b}`, color: `hsl(${(b * 67) % 360} 80% 65%)`, stepped: true }));
    $('nectar-note').textContent = 'a line per bee';
    legend('legend-nectar', nds.map((d) => [d.label, d.color]));
  } else {
    nds = [
      { label: 'max', color: 'rgba(245,197,24,.9)', bg: 'rgba(245,197,24,.18)', fill: '+1', stepped: true },
      { label: 'min', color: 'rgba(245,197,24,.9)', stepped: true },
      { label: 'mean', color: '#ffffff', width: 2 },
      ...S.chosen.map((b, i) => ({ label: `bee ${b}`, color: ['#5aa9e6', '#e05292', '#3ddc84'][i], dash: [4, 3], stepped: true })),
    ];
    $('nectar-note').textContent = `min–max band and mean of ${fmt(B)} bees; ${S.chosen.length} bees followed`;
    legend('legend-nectar', [['min–max', 'rgba(245,197,24,.6)'], ['mean', '#fff'], ...nds.slice(3).map((d) => [d.label, d.color])]);
  }
  makeChart('nectar', 'box-nectar', 'line', { aria: 'bee nectar over simulated time', yMax: NECTAR_GOAL, datasets: nds });
  makeChart('hist', 'box-hist', 'bar', { aria: 'bees by nectar', labels: ['0', '1', '2', '3', '4', '5'], label: 'bees', color: COLOR.bee, yMax: niceMax(Math.max(1, B)) });
  if (S.small) {
    const old = chartInfo.get('agg');
    if (old) { chartWorker.postMessage({ type: 'destroy', id: 'agg' }); chartResize.unobserve(old.box); chartInfo.delete('agg'); }
  } else {
    const cols = [COLOR.running, COLOR.runnable, COLOR.sending, COLOR.receiving, COLOR.dead];
    makeChart('agg', 'aggbox', 'line', {
      aria: 'tasklets by state over simulated time', yMax: N, stacked: true,
      datasets: ['running', 'runnable', 'blocked sending', 'blocked receiving', 'finished'].map((label, i) => ({ label, color: cols[i], bg: cols[i], fill: i === 0 ? 'origin' : '-1', width: 1 })),
    });
  }
  $('swim').hidden = !S.small;
  $('aggbox').hidden = S.small;
  $('swim-title').innerHTML = S.small
    ? 'Tasklet states over time <span class="note">a lane per tasklet, one column per rt.run({ ticks: 1 }) (the last ' + SWIM_COLS + ')</span>'
    : `Tasklet states over time <span class="note">how many of the ${fmt(N)} tasklets are in each state (a lane each would be unreadable)</span>`;
}

function legend(id, items) {
  $(id).replaceChildren(...items.map(([label, color]) => {
    const s = document.createElement('span');
    const i = document.createElement('i');
    i.style.background = color;
    s.append(i, label);
    return s;
  }));
}

const CHART_IDS = ['queue', 'balance', 'nectar', 'hist', 'agg'];

/**
 * Post one chart's window to the worker: the chart due longest, if it is
 * due (each at most every CHART_MS, one update in flight per chart), so the
 * worker's work is spread evenly over the frames.
 */
function updateCharts(now) {
  let id = null, oldest = Infinity;
  for (const k of CHART_IDS) {
    const c = chartInfo.get(k);
    if (!c || c.busy || (S.chartDue[k] ?? true) === false) continue;
    const at = c.postedAt ?? -1e9;
    if (now - at >= CHART_MS && at < oldest) { oldest = at; id = k; }
  }
  if (id === null) return false;
  const c = chartInfo.get(id);
  c.busy = true;
  c.postedAt = now;
  S.chartDue[id] = false;
  if (id === 'hist') {
    const h = [0, 0, 0, 0, 0, 0];
    const nec = sim.refresh().nectarView();
    for (let b = 0; b < nec.length; b++) h[Math.min(5, nec[b])]++;
    chartWorker.postMessage({ type: 'bars', id, values: h });
    return true;
  }
  const series = S.series[id];
  const { x, ys } = series.ordered();
  const xmin = x.length ? x[0] : 0, xmax = x.length ? Math.max(x[x.length - 1], xmin + 1) : 1;
  const extra = id === 'balance' ? { ymax: S.yBalance } : {};
  chartWorker.postMessage({ type: 'data', id, x, ys, xmin, xmax, ...extra }, [x.buffer, ...ys.map((y) => y.buffer)]);
  return true;
}

// ---- the hive ---------------------------------------------------------------

const hiveCanvas = $('hive');
const hctx = hiveCanvas.getContext('2d', { alpha: false });
let pixels = null; // ImageData for many bees

function layoutHive() {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(300, hiveCanvas.clientWidth), h = Math.max(240, hiveCanvas.clientHeight);
  hiveCanvas.width = Math.round(w * dpr);
  hiveCanvas.height = Math.round(h * dpr);
  hctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  S.W = w; S.H = h; S.dpr = dpr;
  pixels = null;
  const cx = w / 2, cy = h / 2;
  S.hive = { x: cx, y: cy, r: Math.min(48, 14 + Math.sqrt(S.B) * 0.5) };
  const rx = w / 2 - 90, ry = h / 2 - 72;
  S.flowerR = Math.max(10, Math.min(24, 220 / S.F));
  S.flowerXY = Array.from({ length: S.F }, (_, f) => {
    const a = -Math.PI / 2 + (2 * Math.PI * f) / S.F;
    return { x: cx + rx * Math.cos(a), y: cy + ry * Math.sin(a), a };
  });
  // each bee's spot at home
  for (let b = 0; b < S.B; b++) {
    const r = S.rad[b] * S.hive.r;
    S.homeX[b] = cx + r * S.cosA[b];
    S.homeY[b] = cy + r * S.sinA[b];
  }
}

/** Every bee at home (a new run). */
function placeBeesHome() {
  for (let b = 0; b < S.B; b++) {
    hiveSpot(b);
    S.px[b] = GX; S.py[b] = GY;
  }
}

// beeGoal() and hiveSpot() leave their answer here (no allocation per bee per frame)
let GX = 0, GY = 0;

function hiveSpot(b) {
  GX = S.homeX[b];
  GY = S.homeY[b];
  return true;
}

/** Where bee b is heading now (GX, GY); false: nowhere, it stays. */
function beeGoal(b, nec, tgt) {
  const r = S.F + b;
  const st = S.state[r];
  const t = tgt[b];
  if (st === ST.DEAD) return nec[b] >= NECTAR_GOAL ? hiveSpot(b) : false; // killed or died: stays where it fell
  if (t < 0 || t >= S.F) return hiveSpot(b);
  const fl = S.flowerXY[t];
  const R = S.flowerR;
  const cos = S.cosA[b], sin = S.sinA[b];
  if (st === ST.SENDING) {
    // queued on the flower's channel: a line outwards (small runs, in
    // channel order) or a cloud around the flower
    if (S.small) {
      // columns of 6 beside the flower, on the side towards the middle
      const k = Math.max(0, S.flowerQueue[t].indexOf(r));
      const side = fl.x > S.hive.x + 1 ? -1 : 1;
      GX = fl.x + side * (R * 1.3 + 14 + Math.floor(k / 6) * 50);
      GY = fl.y - 2.5 * 15 + (k % 6) * 15;
      return true;
    }
    const d = R + 6 + S.oy[b] * 34;
    GX = fl.x + d * cos;
    GY = fl.y + d * sin;
    return true;
  }
  // flying there (runnable) or being served: a spot on the flower
  const d = R * 0.8 * S.rad[b];
  GX = fl.x + d * cos;
  GY = fl.y + d * sin;
  return true;
}

function drawHive(now, dt) {
  const { W, H, B } = S;
  const ctx = hctx;
  sim.refresh();
  const nec = sim.nectarView(), tgt = sim.targetView();
  const k = 1 - Math.exp(-dt / 110);
  const many = B > DRAW_BEES_AS_SHAPES;
  // move the bees
  const px = S.px, py = S.py;
  for (let b = 0; b < B; b++) {
    if (!beeGoal(b, nec, tgt)) continue;
    px[b] += (GX - px[b]) * k;
    py[b] += (GY - py[b]) * k;
  }
  if (many) {
    drawBeePixels(nec);
  } else {
    ctx.fillStyle = '#0f1a12';
    ctx.fillRect(0, 0, W, H);
  }
  // the hive
  const hv = S.hive;
  ctx.fillStyle = 'rgba(200,146,42,.18)';
  ctx.strokeStyle = COLOR.hive;
  ctx.lineWidth = 2;
  hexagon(ctx, hv.x, hv.y, hv.r + 8);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = COLOR.text;
  ctx.font = '12px system-ui';
  ctx.textAlign = 'center';
  ctx.fillText(`hive · ${fmt(sim.finished)}/${fmt(B)} done`, hv.x, hv.y + hv.r + 30);
  // flowers
  for (let f = 0; f < S.F; f++) drawFlower(ctx, f, dt);
  // message arrows: a bee sent itself on a flower's channel; fading, drawn
  // in four batches by age (one path each)
  const keep = [];
  for (const ar of S.arrows) if (now - ar.t < ARROW_MS) keep.push(ar);
  S.arrows = keep;
  if (keep.length) {
    ctx.strokeStyle = ctx.fillStyle = '#fff';
    ctx.lineWidth = 1.5;
    for (let k = 0; k < 4; k++) {
      ctx.globalAlpha = 0.8 * (1 - k / 4);
      ctx.beginPath();
      for (const ar of keep) {
        if (Math.min(3, ((now - ar.t) / ARROW_MS) * 4 | 0) !== k) continue;
        const fl = S.flowerXY[ar.f];
        arrowPath(ctx, ar.x0, ar.y0, fl.x, fl.y, S.flowerR + 2);
      }
      ctx.stroke();
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  if (!many) {
    for (let b = 0; b < B; b++) drawBee(ctx, b, nec[b]);
  }
  // selection
  if (selected >= S.F) {
    const b = selected - S.F;
    ring(ctx, S.px[b], S.py[b], many ? 6 : 11, '#fff');
  } else if (selected >= 0) {
    const fl = S.flowerXY[selected];
    ring(ctx, fl.x, fl.y, S.flowerR + 8, '#fff');
  }
}

// Many bees: one pixel each on a half-resolution layer, scaled up without
// smoothing (a 2x2 square per bee): a quarter of the pixels to upload.
const layer = document.createElement('canvas');
const lctx = layer.getContext('2d', { alpha: false });

function drawBeePixels() {
  const w = Math.ceil(S.W / 2), h = Math.ceil(S.H / 2);
  if (!pixels || pixels.width !== w || pixels.height !== h) {
    layer.width = w;
    layer.height = h;
    pixels = lctx.createImageData(w, h);
    pixels.u32 = new Uint32Array(pixels.data.buffer);
  }
  const u = pixels.u32;
  u.fill(0xff121a0f); // #0f1a12 as little-endian ABGR
  const col = BEE_PIXEL;
  const { state, F, B, px, py } = S;
  for (let b = 0; b < B; b++) {
    const x = (px[b] * 0.5) | 0, y = (py[b] * 0.5) | 0;
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    u[y * w + x] = col[state[F + b]];
  }
  lctx.putImageData(pixels, 0, 0);
  hctx.imageSmoothingEnabled = false;
  hctx.drawImage(layer, 0, 0, w, h, 0, 0, w * 2, h * 2);
}
// ABGR by state: running, runnable (bee yellow), sending, receiving, paused, in run(), dead
const BEE_PIXEL = new Uint32Array([0xff84dc3d, 0xff18c5f5, 0xff248af0, 0xfff37ba7, 0xff888888, 0xff84dc3d, 0xff505050]);

// A flower drawn once per colour and size, then copied each frame.
const sprites = new Map();
function flowerSprite(petal, centre, R) {
  const dpr = window.devicePixelRatio || 1;
  const key = `${petal}|${centre}|${R}|${dpr}`;
  let c = sprites.get(key);
  if (c) return c;
  const size = Math.ceil(R * 2.2);
  c = document.createElement('canvas');
  c.width = c.height = Math.ceil(size * dpr);
  const g = c.getContext('2d');
  g.scale(dpr, dpr);
  const m = size / 2;
  g.fillStyle = petal;
  for (let i = 0; i < 6; i++) {
    const a = (i / 6) * 2 * Math.PI;
    g.beginPath();
    g.arc(m + R * 0.55 * Math.cos(a), m + R * 0.55 * Math.sin(a), R * 0.5, 0, 2 * Math.PI);
    g.fill();
  }
  g.fillStyle = centre;
  g.beginPath();
  g.arc(m, m, R * 0.42, 0, 2 * Math.PI);
  g.fill();
  c.size = size;
  c.half = m;
  if (sprites.size > 200) sprites.clear();
  sprites.set(key, c);
  return c;
}

function drawFlower(ctx, f, dt) {
  const fl = S.flowerXY[f], R = S.flowerR, r = f;
  const dead = S.state[r] === ST.DEAD;
  const col = dead ? '#555' : flowerColor(f);
  S.pulse[f] = Math.max(0, S.pulse[f] - dt / 400);
  if (S.pulse[f] > 0) {
    ctx.fillStyle = `rgba(255,255,200,${0.35 * S.pulse[f]})`;
    ctx.beginPath();
    ctx.arc(fl.x, fl.y, R * (1.6 + 0.4 * S.pulse[f]), 0, 2 * Math.PI);
    ctx.fill();
  }
  const sprite = flowerSprite(col, dead ? '#333' : '#6b3f12', R);
  ctx.drawImage(sprite, fl.x - sprite.half, fl.y - sprite.half, sprite.size, sprite.size);
  // waiting in receive(): a ring in the receiving colour
  if (S.state[r] === ST.RECEIVING) ring(ctx, fl.x, fl.y, R * 1.15 + 3, COLOR.receiving, 2);
  if (S.closed[f]) {
    ctx.save();
    ctx.setLineDash([4, 3]);
    ring(ctx, fl.x, fl.y, R * 1.15 + 7, '#e05252', 2);
    ctx.restore();
  }
  const ch = S.flowerCh[f];
  const bal = ch ? ch.balance : 0;
  ctx.fillStyle = COLOR.text;
  ctx.font = '12px system-ui';
  ctx.textAlign = 'center';
  // the label on the outer side: above the flowers in the top part
  const above = Math.sin(fl.a) < -0.3;
  const y0 = above ? fl.y - R * 1.15 - 22 : fl.y + R * 1.15 + 16;
  ctx.fillText(`flower ${f}${dead ? ' (dead)' : ''}${S.closed[f] ? ' · closed' : ''}`, fl.x, y0);
  ctx.fillStyle = COLOR.muted;
  const what = bal > 0 ? `${bal} queued` : dead ? 'nobody queued' : bal < 0 ? 'listening' : 'busy';
  ctx.fillText(`${what} · ${fmt(sim.flowerVisits(f))} visits`, fl.x, y0 + 14);
}

function drawBee(ctx, b, nectar) {
  const x = S.px[b], y = S.py[b], r = S.F + b;
  const st = S.state[r];
  const dead = st === ST.DEAD;
  const done = dead && nectar >= NECTAR_GOAL;
  const R = S.B > 60 ? 4 : 7;
  // wings
  ctx.fillStyle = 'rgba(210,230,255,.55)';
  ctx.beginPath();
  ctx.ellipse(x - R * 0.4, y - R * 0.9, R * 0.55, R * 0.35, -0.5, 0, 2 * Math.PI);
  ctx.ellipse(x + R * 0.4, y - R * 0.9, R * 0.55, R * 0.35, 0.5, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = dead && !done ? '#666' : done ? '#a08520' : COLOR.bee;
  ctx.beginPath();
  ctx.ellipse(x, y, R, R * 0.75, 0, 0, 2 * Math.PI);
  ctx.fill();
  ctx.strokeStyle = STATE_COLOR[st] ?? '#222';
  ctx.lineWidth = st === ST.SENDING ? 2 : 1;
  ctx.stroke();
  if (R > 5) {
    ctx.fillStyle = '#222';
    ctx.fillRect(x - 2, y - R * 0.7, 1.5, R * 1.4);
    ctx.fillRect(x + 2, y - R * 0.6, 1.5, R * 1.2);
  }
  if (S.B <= LABEL_BEES) {
    // the label away from the flower it queues at (left of queues on the right)
    const t = sim.target(b);
    const left = st === ST.SENDING && t >= 0 && t < S.F && S.flowerXY[t].x > S.hive.x + 1;
    const lx = left ? x - R - 3 : x + R + 3;
    ctx.fillStyle = dead && !done ? '#999' : COLOR.text;
    ctx.font = '11px system-ui';
    ctx.textAlign = left ? 'right' : 'left';
    ctx.fillText(`bee ${b}`, lx, y + 3);
    // nectar pips
    for (let i = 0; i < NECTAR_GOAL; i++) {
      ctx.fillStyle = i < nectar ? COLOR.bee : '#333';
      ctx.fillRect(left ? lx - 24 + i * 5 : lx + i * 5, y + 6, 4, 3);
    }
    if (dead && !done) {
      ctx.strokeStyle = '#e05252';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x - R, y - R); ctx.lineTo(x + R, y + R);
      ctx.moveTo(x + R, y - R); ctx.lineTo(x - R, y + R);
      ctx.stroke();
    }
  }
}

function hexagon(ctx, x, y, r) {
  ctx.beginPath();
  for (let i = 0; i < 6; i++) {
    const a = Math.PI / 6 + (i * Math.PI) / 3;
    const px = x + r * Math.cos(a), py = y + r * Math.sin(a);
    if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
  }
  ctx.closePath();
}

function ring(ctx, x, y, r, color, width = 2) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.stroke();
}

const ARROW_MS = 700;

/** A line from (x0, y0) towards (x1, y1), ending short, with a closed head (added to the current path). */
function arrowPath(ctx, x0, y0, x1, y1, stopShort) {
  const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
  if (len < stopShort + 4) return;
  const ux = dx / len, uy = dy / len;
  const ex = x1 - ux * stopShort, ey = y1 - uy * stopShort;
  ctx.moveTo(x0, y0);
  ctx.lineTo(ex, ey);
  ctx.lineTo(ex - ux * 8 - uy * 4, ey - uy * 8 + ux * 4);
  ctx.lineTo(ex - ux * 8 + uy * 4, ey - uy * 8 - ux * 4);
  ctx.lineTo(ex, ey);
}

hiveCanvas.addEventListener('click', (ev) => {
  if (!S) return;
  const rect = hiveCanvas.getBoundingClientRect();
  const x = ev.clientX - rect.left, y = ev.clientY - rect.top;
  let best = -1, bestD = Infinity;
  for (let f = 0; f < S.F; f++) {
    const d = Math.hypot(S.flowerXY[f].x - x, S.flowerXY[f].y - y);
    if (d < S.flowerR * 1.3 && d < bestD) { best = f; bestD = d; }
  }
  if (best < 0) {
    for (let b = 0; b < S.B; b++) {
      const d = Math.hypot(S.px[b] - x, S.py[b] - y);
      if (d < bestD) { bestD = d; best = S.F + b; }
    }
    if (bestD > 14) best = -1;
  }
  select(best);
});

// ---- swimlanes (small runs) ------------------------------------------------

const swimCanvas = $('swim');
const sctx = swimCanvas.getContext('2d', { alpha: false });

function drawSwim() {
  if (!S.small) return;
  const rows = S.swimRows;
  const dpr = window.devicePixelRatio || 1;
  const laneH = Math.max(5, Math.min(16, Math.floor(190 / rows.length)));
  const h = rows.length * laneH + 22;
  const w = swimCanvas.clientWidth || 800;
  if (swimCanvas.height !== Math.round(h * dpr) || swimCanvas.width !== Math.round(w * dpr)) {
    swimCanvas.style.height = `${h}px`;
    swimCanvas.width = Math.round(w * dpr);
    swimCanvas.height = Math.round(h * dpr);
  }
  const ctx = sctx;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#141a22';
  ctx.fillRect(0, 0, w, h);
  const left = 70, cw = (w - left - 4) / SWIM_COLS;
  const n = Math.min(S.swimCol, SWIM_COLS);
  const first = S.swimCol - n;
  ctx.font = `${Math.min(11, laneH)}px system-ui`;
  ctx.textAlign = 'right';
  for (let i = 0; i < rows.length; i++) {
    const y = i * laneH;
    const r = rows[i];
    ctx.fillStyle = r === selected ? '#fff' : COLOR.muted;
    if (laneH >= 8) ctx.fillText(roleName(r), left - 6, y + laneH - 2);
    for (let c = 0; c < n; c++) {
      const col = (first + c) % SWIM_COLS;
      const st = S.swim[col * rows.length + i];
      if (st < 0 || st === ST.DEAD) continue;
      ctx.fillStyle = STATE_COLOR[st];
      ctx.fillRect(left + c * cw, y + 1, Math.max(1, cw - 0.5), laneH - 2);
    }
  }
  ctx.fillStyle = COLOR.muted;
  ctx.textAlign = 'left';
  ctx.fillText(`← ${n} switches of the scheduler (main runs between steps: rt.run({ ticks: 1 }) per column)`, left, h - 6);
}

// ---- panels --------------------------------------------------------------------

function updatePanels() {
  const st = rt.stats;
  $('c-switches').textContent = fmt(st.switches);
  $('c-chops').textContent = fmt(st.channelOps);
  // switches per second over the last second of wall time
  const now = performance.now();
  S.rate.push([now, st.switches]);
  while (S.rate.length > 2 && now - S.rate[0][0] > 1000) S.rate.shift();
  const [t0, s0] = S.rate[0];
  $('c-rate').textContent = S.running === true && now - t0 > 100 ? fmt(((st.switches - s0) * 1000) / (now - t0)) : '0';
  $('c-sim').textContent = `${fmt(simTicks())} ticks`;
  $('c-wall').textContent = `${(S.wallMs / 1000).toFixed(1)} s`;
  $('c-alive').textContent = fmt(st.tasklets);
  $('c-rb').textContent = `${fmt(st.runnable)} · ${fmt(st.blocked)}`;
  $('c-done').textContent = `${fmt(sim.finished)} / ${fmt(S.B)}`;
  $('c-visits').textContent = fmt(sim.visits);
  const bpt = S.bytesPerTasklet;
  $('c-bytes').textContent = Number.isFinite(bpt) ? `≈ ${bpt} B + stack` : '–';
  $('c-bytes').title = 'heap distance between consecutive bee tasklet records (record + start arguments); a suspended tasklet also keeps its saved stack, which rt.stats does not report';
  $('c-mem').textContent = `${(rt.memory.byteLength / 1048576).toFixed(0)} MiB`;
  if (now - (S.frameShownAt ?? -1e9) > 1000) {
    S.frameShownAt = now;
    const fs = frameStats(300);
    $('c-frame').textContent = fs.n ? `${fs.median.toFixed(1)} ms · p95 ${fs.p95.toFixed(1)}` : '–';
  }
  drawQueue();
  drawStates();
  drawDetails();
  drawOutput();
  updateTimeline();
}

const chipPool = [];
function drawQueue() {
  const box = $('queue');
  const q = S.runQueue;
  const max = S.small ? 80 : 40;
  const n = Math.min(q.length, max);
  const key = `${q.length}:${q.subarray(0, n).join(',')}:${selected}`;
  if (key === S.queueKey) return;
  S.queueKey = key;
  while (chipPool.length < n) {
    const c = document.createElement('span');
    c.className = 'chip';
    c.innerHTML = '<span class="dot"></span><span class="nm"></span>';
    c.addEventListener('click', () => select(Number(c.dataset.role)));
    chipPool.push(c);
  }
  const kids = [];
  for (let i = 0; i < n; i++) {
    const id = q[i];
    const r = id < S.roleOfId.length ? S.roleOfId[id] : -1;
    const c = chipPool[i];
    c.dataset.role = r;
    const name = nameOfId(id);
    const nm = c.lastChild;
    if (nm.textContent !== name) nm.textContent = name;
    c.firstChild.style.background = r >= 0 && r < S.F ? flowerColor(r) : r >= S.F ? COLOR.bee : '#fff';
    c.className = `chip${i === 0 ? ' current' : ''}${r === selected && r !== -1 ? ' sel' : ''}`;
    c.title = i === 0 ? `${name}: current (head of the run queue)` : `${name}: runnable, position ${i}`;
    kids.push(c);
  }
  if (q.length > n) {
    const more = document.createElement('span');
    more.className = 'more';
    more.textContent = `… and ${fmt(q.length - n)} more (${fmt(q.length)} in all)`;
    kids.push(more);
  }
  if (!q.length) {
    const e = document.createElement('span');
    e.className = 'more';
    e.textContent = 'empty';
    kids.push(e);
  }
  box.replaceChildren(...kids);
}

function stateText(r) {
  const st = S.state[r];
  if (st === ST.SENDING || st === ST.RECEIVING) {
    const f = S.chanToFlower.get(S.chan[r]);
    const where = f === undefined ? `channel ${S.chan[r]}` : `flower ${f}'s channel`;
    return `${st === ST.SENDING ? 'sending on' : 'receiving on'} ${where}`;
  }
  if (st === ST.DEAD) {
    if (r >= S.F) return sim.nectar(r - S.F) >= NECTAR_GOAL ? 'finished' : S.killed[r] ? 'dead (killed)' : 'dead';
    return S.killed[r] ? 'dead (killed)' : 'dead';
  }
  return STATE_NAME[st];
}

function drawStates() {
  const box = $('states');
  if (!S.small) {
    // counts per state, then each flower's queue
    const c = S.counts;
    const items = [
      [`${fmt(c[ST.RUNNABLE])} runnable`, COLOR.runnable], [`${fmt(c[ST.SENDING])} blocked sending`, COLOR.sending],
      [`${fmt(c[ST.RECEIVING])} blocked receiving`, COLOR.receiving], [`${fmt(c[ST.DEAD])} finished / dead`, COLOR.dead],
      ...S.flowerCh.map((ch, f) => [`flower ${f}: ${S.state[f] === ST.RECEIVING ? 'receiving' : stateText(f)} · ${fmt(Math.max(0, ch?.balance ?? 0))} bees queued`, flowerColor(f)]),
    ];
    if (box.childElementCount !== items.length) {
      box.replaceChildren(...items.map((_, i) => {
        const d = document.createElement('div');
        d.innerHTML = '<span class="st"></span><span></span>';
        if (i >= 4) d.addEventListener('click', () => select(i - 4));
        return d;
      }));
    }
    items.forEach(([text, col], i) => {
      const d = box.children[i];
      if (d.lastChild.textContent !== text) d.lastChild.textContent = text;
      d.firstChild.style.background = col;
    });
    return;
  }
  if (box.childElementCount !== S.N) {
    box.replaceChildren(...Array.from({ length: S.N }, (_, r) => {
      const d = document.createElement('div');
      d.addEventListener('click', () => select(r));
      d.innerHTML = '<span class="st"></span><span></span>';
      return d;
    }));
  }
  for (let r = 0; r < S.N; r++) {
    const d = box.children[r];
    const st = S.state[r];
    const extra = r >= S.F ? ` · ${sim.nectar(r - S.F)} nectar` : '';
    const text = `${roleName(r)}: ${stateText(r)}${extra}`;
    if (d.lastChild.textContent !== text) d.lastChild.textContent = text;
    d.firstChild.style.background = STATE_COLOR[st];
    d.className = r === selected ? 'sel' : '';
  }
}

function select(r) {
  selected = Number.isInteger(r) ? r : -1;
  if (S && rt) drawDetails();
}

function drawDetails() {
  const box = $('details');
  const r = selected;
  if (r === -1 || r === -3 || !S || r >= S.N) {
    box.innerHTML = '<p class="muted">Click a bee, a flower or a run-queue entry.</p>';
    return;
  }
  const rows = [];
  if (r === -2) {
    rows.push(['tasklet', `main (id ${S.mainId})`], ['state', S.mainState === ST.RUNNING ? 'running: the page, between rt.run() slices' : STATE_NAME[S.mainState]]);
    rows.push(['last woken by', S.mainWoke ? nameOfId(S.mainWoke) : '–']);
  } else {
    const id = S.idOfRole[r];
    rows.push(['tasklet', `${roleName(r)} (id ${id})`]);
    rows.push(['state', stateText(r)]);
    if (r >= S.F) {
      const b = r - S.F;
      rows.push(['nectar', `${sim.nectar(b)} / ${NECTAR_GOAL}`]);
      const t = sim.target(b);
      rows.push(['flying to', t >= 0 ? `flower ${t}` : '–']);
    } else {
      const ch = S.flowerCh[r];
      rows.push(['its channel', ch ? `channel ${ch.id}, balance ${ch.balance}${ch.closing ? ', closing' : ''}` : '–']);
      rows.push(['visits', fmt(sim.flowerVisits(r))]);
    }
    const st = S.state[r];
    rows.push(['waits on', st === ST.SENDING || st === ST.RECEIVING ? `channel ${S.chan[r]}${S.chanToFlower.has(S.chan[r]) ? ` (flower ${S.chanToFlower.get(S.chan[r])}'s)` : ''}` : '–']);
    rows.push(['last woken by', S.woke[r] ? `${nameOfId(S.woke[r])} (id ${S.woke[r]})` : '–']);
  }
  box.innerHTML = `<table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function drawOutput() {
  const n = Math.min(S.outN, 64), lines = [];
  for (let i = S.outN - n; i < S.outN; i++) {
    const o = 4 * (i % 64);
    const l = eventLine(S.out[o], S.out[o + 1], S.out[o + 2], S.out[o + 3]);
    if (l) lines.push(l);
  }
  const text = lines.slice(-12).join('\n');
  const pre = $('output');
  if (pre.textContent !== text) pre.textContent = text;
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

function log(kind, html) {
  const li = document.createElement('li');
  li.className = kind;
  li.innerHTML = html;
  const box = $('log');
  box.prepend(li);
  while (box.childElementCount > 40) box.lastChild.remove();
}

function setStatus(kind, text) {
  if (S) S.status = kind;
  const el = $('status');
  el.className = `status ${kind}`;
  el.textContent = text;
}

// ---- faults -------------------------------------------------------------------

function pick(kind) {
  if (kind === 'bee') {
    if (selected >= S.F && S.state[selected] !== ST.DEAD) return selected;
    const alive = [];
    for (let r = S.F; r < S.N; r++) if (S.state[r] !== ST.DEAD) alive.push(r);
    return alive.length ? alive[Math.floor(Math.random() * alive.length)] : -1;
  }
  if (selected >= 0 && selected < S.F) return selected;
  return 0;
}

function killTasklet(kind) {
  return exclusive(async () => {
    diverge();
    inspectNow();
    const r = pick(kind);
    if (r < 0 || S.state[r] === ST.DEAD) {
      log('info', `No live ${kind} to kill.`);
      return false;
    }
    const t = S.tasklet[r];
    if (!t) return false;
    const before = stateText(r);
    let other = null;
    try {
      await t.kill();
    } catch (e) {
      // while main waited in kill(), the scheduler ran other tasklets, and
      // one of them died of an uncaught error: it surfaces here
      other = e;
    }
    const dead = !t.alive;
    if (dead) S.killed[r] = 1;
    log(dead ? 'ok' : 'err', `<code>await ${esc(roleName(r))}.kill()</code>: <b>TaskletExit</b> was raised in it at its suspension point (it was ${esc(before)}). ${dead ? 'Nothing caught it, so it ended silently; a TaskletExit is not an error, so nothing rejects.' : 'It is still alive.'}${kind === 'flower' && dead ? ' Bees that send on its channel from now on wait forever.' : ''}`);
    if (other) onRunError(other, 'kill()');
    sim.drain(onEvent);
    inspectNow();
    sample(true);
    S.dirty = true;
    if (!S.running && rt.runcount === 1 && sim.finished < S.B && S.status !== 'ready') await onQueueEmpty();
    return true;
  });
}

function closeFlower() {
  return exclusive(async () => {
    diverge();
    const f = pick('flower');
    const ch = S.flowerCh[f];
    if (!ch) return false;
    if (ch.closing) {
      log('info', `flower ${f}'s channel is already closing.`);
      return false;
    }
    const bal = ch.balance;
    ch.close();
    S.closed[f] = 1;
    log('info', `<code>ch.close()</code> on flower ${f}'s channel (balance ${bal}): closing wakes nobody. ${bal > 0 ? `The ${bal} bee(s) already queued are still served; then ` : 'Now '}the flower's receive() and any bee's send() on it that would block raise <b>ChannelClosedError</b>.`);
    S.dirty = true;
    return true;
  });
}

// ---- the timeline: snapshots and the scrubber ----------------------------------
//
// While a run goes on, rt.snapshot() every `every` switches (bounded by
// SNAP_MAX and SNAP_BUDGET: when full, every other snapshot goes and the
// interval doubles; and by wall time, so that snapshotting a big runtime
// takes a small share of the frames). Each snapshot keeps, beside the
// runtime's bytes, the page's own state at that point (chart windows,
// swimlanes, the trace's lengths). Going back restores one into a fresh
// runtime; the simulation's state is at the same address there. The run
// continues from it with start(), step() or a fault; the later snapshots
// are discarded then (the continuation may take another course).

function newTimeline(run) {
  // a run takes about 11 switches per bee (5 sends, each woken once, ...);
  // small runs add one per switch (an rt.run() call each)
  const est = (11 * run.B + 2 * run.F + 8) * (run.small ? 2 : 1);
  return {
    snaps: [], bytes: 0, every: Math.max(run.small ? 1 : 16, Math.ceil(est / SNAP_MAX)),
    cost: 0, lastAt: -1e9, cursor: -1, pending: 0, failed: null, target: -1, scrubbing: null,
    takeMs: [], restoreMs: [], createMs: [], dropped: 0, logLi: null,
  };
}

const xNow = () => rt.stats.switches - S.switches0;

/** Wall time that must pass between two snapshots. */
function snapGap() {
  const cost = S.tl.cost;
  return S.B > 1000 && cost > 8 ? Math.max(SNAP_COST * cost, SNAP_SLOW_GAP_MS) : SNAP_COST * cost;
}

/** Switches until the next snapshot is due (Infinity: none due soon). */
function snapRoom() {
  const tl = S.tl;
  if (tl.failed || tl.cursor >= 0 || performance.now() - tl.lastAt < snapGap()) return Infinity;
  const last = tl.snaps[tl.snaps.length - 1];
  return last ? Math.max(1, last.x + tl.every - xNow()) : 1;
}

/** A snapshot if one is due; true if taken. */
function maybeSnapshot() {
  const tl = S.tl;
  if (tl.failed || tl.cursor >= 0) return false;
  const last = tl.snaps[tl.snaps.length - 1];
  if (last && xNow() - last.x < tl.every) return false;
  if (performance.now() - tl.lastAt < snapGap()) return false;
  if (tl.snaps.length >= SNAP_MAX || (last && tl.bytes + last.bytes.byteLength > SNAP_BUDGET)) thinOut();
  return !!takeSnapshot();
}

/** Keep the first snapshot and every other one after it; twice the interval from now on. */
function thinOut() {
  const tl = S.tl;
  const keep = tl.snaps.filter((_, i) => i % 2 === 0);
  tl.dropped += tl.snaps.length - keep.length;
  tl.snaps = keep;
  tl.bytes = keep.reduce((n, s) => n + s.bytes.byteLength, 0);
  tl.every *= 2;
}

/** rt.snapshot() now, with the page's state at this point. */
function takeSnapshot() {
  const tl = S.tl;
  if (tl.failed) return null;
  const t0 = performance.now();
  let bytes;
  try {
    bytes = rt.snapshot();
  } catch (e) {
    tl.failed = e;
    log('err', `<code>rt.snapshot()</code> threw <b>${esc(e.name)}</b>: ${esc(e.message)}. The timeline stops here.`);
    return null;
  }
  const ms = performance.now() - t0;
  tl.lastAt = performance.now();
  tl.takeMs.push(ms);
  if (tl.takeMs.length > 200) tl.takeMs.splice(0, 100);
  // what a snapshot costs now: the least of the last three (the first
  // ones run before the JIT has compiled rt.snapshot())
  tl.cost = Math.min(...tl.takeMs.slice(-3));
  const tr = S.trace;
  const snap = {
    bytes, x: xNow(), switches: rt.stats.switches, ticks: simTicks(), runCalls: S.runCalls, wallMs: S.wallMs,
    sample: S.samples, status: S.status === 'running' ? 'paused' : S.status, finished: sim.finished, visits: sim.visits,
    page: {
      series: Object.fromEntries(Object.entries(S.series).map(([k, v]) => [k, v.clone()])),
      lastX: S.lastX, yBalance: S.yBalance, killed: S.killed.slice(), errors: S.errors, deadlock: S.deadlock,
      swim: S.swim ? S.swim.slice() : null, swimCol: S.swimCol,
      flowerQueue: S.small ? S.flowerQueue.map((q) => q.slice()) : null,
      trace: {
        slices: tr.slices.length, counters: tr.counters.length, switches: tr.switches.length, sw: tr.sw, truncated: tr.truncated,
        open: tr.open && { start: tr.open.start.slice(), state: tr.open.state.slice(), chan: tr.open.chan.slice() },
      },
    },
  };
  tl.snaps.push(snap);
  tl.bytes += bytes.byteLength;
  S.tlDirty = true;
  return snap;
}

/** The present as the last snapshot (before going back; at the end of a run). */
function captureHead() {
  const tl = S.tl;
  if (tl.failed || tl.cursor >= 0) return;
  const last = tl.snaps[tl.snaps.length - 1];
  if (last && last.x === xNow()) {
    last.status = S.status === 'running' ? 'paused' : S.status;
    return;
  }
  if (!S.small) {
    // large runs sample a few times a second: the views at this very point
    inspectNow();
    sample(true);
  }
  takeSnapshot();
}

/** The trace as recorded, or up to the restored snapshot while one is shown. */
function traceNow() {
  const tr = S.trace, tl = S.tl;
  if (tl.cursor < 0) return { ...tr, now: xNow() };
  const snap = tl.snaps[tl.cursor], v = snap.page.trace;
  return {
    slices: tr.slices.slice(0, v.slices), counters: tr.counters.slice(0, v.counters), switches: tr.switches.slice(0, v.switches),
    open: v.open, truncated: v.truncated, now: snap.x,
  };
}

/**
 * Pause and restore snapshot i into a fresh runtime: the old one is
 * destroyed, the simulation's state is read at the same address in the
 * restored memory, and the page's views go back to that point.
 */
function rewind(i) {
  if (!S) return Promise.reject(new Error('rewind: no run'));
  const run = S;
  pause();
  run.tl.pending++;
  return exclusive(async () => {
    try {
      if (S !== run) throw new Error('rewind: the run was reset meanwhile');
      const tl = S.tl;
      // the present is kept too (appended: the indices before it stay)
      captureHead();
      if (!Number.isInteger(i) || i < 0 || i >= tl.snaps.length) throw new RangeError(`rewind: index must be an integer in 0..${tl.snaps.length - 1} (got ${i})`);
      await restore(i);
      return state();
    } finally {
      run.tl.pending--;
    }
  });
}

async function restore(i) {
  const tl = S.tl, snap = tl.snaps[i], ptr = sim.ptr;
  const t0 = performance.now();
  rt.destroy();
  rt = null; // (no drawing meanwhile)
  rt = await createRuntime({ snapshot: snap.bytes });
  const t1 = performance.now();
  sim = new BeesSim(rt, ptr, S.opts);
  rebind();
  const p = snap.page;
  S.series = Object.fromEntries(Object.entries(p.series).map(([k, v]) => [k, v.clone()]));
  S.lastX = p.lastX;
  S.yBalance = p.yBalance;
  S.killed.set(p.killed);
  S.errors = p.errors;
  S.deadlock = p.deadlock;
  if (S.small) {
    S.swim.set(p.swim);
    S.swimCol = p.swimCol;
    S.flowerQueue = p.flowerQueue.map((q) => q.slice());
  }
  S.runCalls = snap.runCalls;
  S.wallMs = snap.wallMs;
  S.samples = snap.sample;
  S.rate = [];
  S.owed = 0;
  S.ranThisCall.length = 0; // (who ran in the last call before going back)
  for (let f = 0; f < S.F; f++) S.closed[f] = S.flowerCh[f]?.closing ? 1 : 0;
  // the seed's output again, from the event ring in the restored memory
  S.outN = 0;
  sim.seen = Math.max(0, sim.events - 64);
  sim.drain(onEvent);
  S.arrows = [];
  S.pulse.fill(0);
  tl.cursor = i;
  inspectNow(false);
  sample(true);
  for (const k of CHART_IDS) S.chartDue[k] = true;
  for (const c of chartInfo.values()) c.postedAt = -1e9;
  const ms = performance.now() - t0;
  tl.createMs.push(t1 - t0);
  tl.restoreMs.push(ms);
  if (tl.restoreMs.length > 200) { tl.restoreMs.splice(0, 100); tl.createMs.splice(0, 100); }
  const where = `snapshot ${i} of ${tl.snaps.length - 1} (switch ${fmt(snap.switches)}, ${fmt(snap.visits)} visits, ${fmt(snap.finished)} bees finished)`;
  if (snap.status === 'done' || snap.status === 'deadlock') setStatus(snap.status, `at ${where}: the end of the run`);
  else setStatus('past', `back at ${where}: Continue from here`);
  const html = `<code>await createRuntime({ snapshot })</code> restored ${where} into a fresh runtime: ${(snap.bytes.byteLength / 1048576).toFixed(2)} MB in ${(t1 - t0).toFixed(0)} ms (${ms.toFixed(0)} ms with the page's views); the old runtime was destroyed. Continue, step or apply a fault to go on from here: the later snapshots are discarded then.`;
  // one line for a whole drag of the scrubber
  if (tl.logLi && $('log').firstChild === tl.logLi) tl.logLi.innerHTML = html;
  else { log('info', html); tl.logLi = $('log').firstChild; }
  S.dirty = true;
  S.panelAt = -1e9;
  updateTimeline(true);
}

/** The restored runtime's tasklet and channel objects for the page's roles. */
function rebind() {
  S.tasklet.fill(null);
  for (const t of rt.tasklets()) {
    const r = t.id < S.roleOfId.length ? S.roleOfId[t.id] : -1;
    if (r >= 0) S.tasklet[r] = t;
  }
  const byPtr = new Map(rt.channels().map((c) => [c.handle, c]));
  S.chanToFlower.clear();
  for (let f = 0; f < S.F; f++) {
    const ch = byPtr.get(sim.channelHandle(f)) ?? null;
    S.flowerCh[f] = ch;
    if (ch) S.chanToFlower.set(ch.id, f);
  }
  if (S.small) rt.setScheduleCallback(onSwitch);
}

/** Going on from a restored snapshot: the later ones are discarded, the trace ends there. */
function diverge() {
  const tl = S.tl;
  if (tl.cursor < 0) return;
  const i = tl.cursor, snap = tl.snaps[i];
  const later = tl.snaps.splice(i + 1);
  for (const s of later) tl.bytes -= s.bytes.byteLength;
  const tr = S.trace, v = snap.page.trace;
  tr.slices.length = v.slices;
  tr.counters.length = v.counters;
  tr.switches.length = v.switches;
  tr.sw = v.sw;
  tr.truncated = v.truncated;
  tr.open = v.open && { start: v.open.start.slice(), state: v.open.state.slice(), chan: v.open.chan.slice() };
  tl.cursor = -1;
  tl.lastAt = performance.now();
  tl.logLi = null;
  if (S.status === 'past') setStatus('paused', 'paused');
  log('info', `Going on from snapshot ${i} (switch ${fmt(snap.switches)})${later.length ? `: the ${later.length} later snapshot${later.length === 1 ? ' is' : 's are'} discarded` : ''}. The same settings give the same run again (the runtime is deterministic); a fault makes it take another course.`);
  updateTimeline(true);
}

/** Scrubber input: restore the nearest snapshot at or before x (the latest wins while dragging). */
function scrubTo(x) {
  if (!S) return;
  const tl = S.tl;
  pause();
  tl.target = x;
  if (tl.scrubbing) return;
  const run = S;
  tl.scrubbing = (async () => {
    let done = -1;
    while (S === run && tl.target !== done) {
      const want = tl.target;
      done = want;
      // at (or past) the present while live: nothing to restore
      if (tl.cursor < 0 && want >= xNow()) continue;
      // nearest earlier snapshot (the present is appended first: same indices before it)
      let i = 0;
      for (let j = 0; j < tl.snaps.length; j++) if (tl.snaps[j].x <= want) i = j;
      if (tl.cursor === i && tl.cursor >= 0) continue;
      await rewind(i);
    }
  })().catch(fail).finally(() => { tl.scrubbing = null; });
}

/** The slider: 0 .. the latest point (switches since reset); the marks are the snapshots. */
function updateTimeline(force = false) {
  if (!S) return;
  const tl = S.tl, slider = $('i-time');
  const last = tl.snaps[tl.snaps.length - 1];
  const live = tl.cursor < 0;
  const end = Math.max(1, live ? xNow() : last ? last.x : 1);
  if (String(end) !== slider.max) slider.max = end;
  if (!S.dragging) {
    const v = live ? end : tl.snaps[tl.cursor].x;
    if (String(v) !== slider.value) slider.value = v;
  }
  const out = $('o-time');
  if (live) {
    out.textContent = `live · switch ${fmt(rt.stats.switches)}${last ? ` · last snapshot at ${fmt(last.switches)}` : ''}`;
    out.className = '';
  } else {
    const s = tl.snaps[tl.cursor];
    out.textContent = `snapshot ${tl.cursor} of ${tl.snaps.length - 1} · switch ${fmt(s.switches)} · ${(s.wallMs / 1000).toFixed(1)} s`;
    out.className = 'past';
  }
  if (slider.getAttribute('aria-valuetext') !== out.textContent) slider.setAttribute('aria-valuetext', out.textContent);
  const cont = $('b-continue');
  cont.disabled = live || S.status === 'done' || S.status === 'deadlock';
  if (force || S.tlDirty || tl.shownN !== tl.snaps.length) {
    S.tlDirty = false;
    tl.shownN = tl.snaps.length;
    $('o-snaps').textContent = tl.failed ? 'snapshots failed' : `${tl.snaps.length} snapshot${tl.snaps.length === 1 ? '' : 's'} · ${(tl.bytes / 1048576).toFixed(1)} MB · every ${fmt(tl.every)} switches`;
    $('l-time').replaceChildren(...tl.snaps.map((sn) => {
      const o = document.createElement('option');
      o.value = sn.x;
      return o;
    }));
  }
}

function timelineInfo() {
  if (!S) return null;
  const tl = S.tl;
  const med = (a) => (a.length ? a.slice().sort((p, q) => p - q)[a.length >> 1] : NaN);
  return {
    cursor: tl.cursor, every: tl.every, bytes: tl.bytes, dropped: tl.dropped, failed: tl.failed ? tl.failed.message : null,
    snapshots: tl.snaps.map((s) => ({ x: s.x, switches: s.switches, ticks: s.ticks, bytes: s.bytes.byteLength, visits: s.visits, finished: s.finished, status: s.status })),
    takeMs: { last: tl.takeMs[tl.takeMs.length - 1] ?? NaN, median: med(tl.takeMs), max: tl.takeMs.length ? Math.max(...tl.takeMs) : NaN, n: tl.takeMs.length },
    restoreMs: { last: tl.restoreMs[tl.restoreMs.length - 1] ?? NaN, median: med(tl.restoreMs), n: tl.restoreMs.length },
    createMs: { last: tl.createMs[tl.createMs.length - 1] ?? NaN, median: med(tl.createMs) },
  };
}

const slider = $('i-time');
slider.addEventListener('pointerdown', () => { if (S) { S.dragging = true; pause(); } });
slider.addEventListener('input', () => scrubTo(Number(slider.value)));
slider.addEventListener('change', () => { if (S) { S.dragging = false; updateTimeline(); } });
window.addEventListener('pointerup', () => { if (S && S.dragging) { S.dragging = false; updateTimeline(); } });
// keys: one snapshot back or forward (Home, End: the first, the last)
slider.addEventListener('keydown', (e) => {
  if (!S || e.altKey || e.ctrlKey || e.metaKey) return;
  const tl = S.tl, n = tl.snaps.length, last = tl.snaps[n - 1];
  const here = tl.cursor >= 0 ? tl.cursor : last && last.x === xNow() ? n - 1 : n; // live: after the last
  const to = { ArrowLeft: here - 1, ArrowDown: here - 1, ArrowRight: here + 1, ArrowUp: here + 1, PageDown: here - 5, PageUp: here + 5, Home: 0, End: n - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  const i = Math.max(0, Math.min(n - 1, to));
  if (i !== tl.cursor && !(tl.cursor < 0 && i >= here)) rewind(i).catch(fail);
});
$('b-continue').addEventListener('click', () => { const p = start(); if (p) p.catch(fail); });

// ---- trace export ------------------------------------------------------------

function buildTrace() {
  const tr = traceNow();
  const ev = [];
  const pid = 1;
  ev.push({ name: 'process_name', ph: 'M', pid, args: { name: `stackless-wasm bees: ${S.F} flowers, ${S.B} bees, seed ${S.opts.seed}, preference ${S.opts.preference}` } });
  const tids = [[S.mainId, 'main', 0], ...Array.from({ length: S.N }, (_, r) => [S.idOfRole[r], roleName(r), r + 1])];
  for (const [tid, name, i] of tids) {
    ev.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name } });
    ev.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: i } });
  }
  const sliceName = (st, ch) => {
    if (st === ST.SENDING || st === ST.RECEIVING) {
      const f = S.chanToFlower.get(ch);
      return `${st === ST.SENDING ? 'send' : 'receive'} ${f === undefined ? `channel ${ch}` : `flower ${f}`}`;
    }
    return STATE_NAME[st];
  };
  // the open slices end now
  const now = tr.now;
  const s = tr.slices.slice();
  if (tr.open) {
    for (let r = 0; r < S.N; r++) {
      if (now > tr.open.start[r] && tr.open.state[r] !== ST.DEAD) s.push(r, tr.open.start[r], now - tr.open.start[r], tr.open.state[r], tr.open.chan[r]);
    }
  }
  for (let i = 0; i < s.length; i += 5) {
    const r = s[i], st = s[i + 3];
    ev.push({ name: sliceName(st, s[i + 4]), cat: st === ST.RUNNING ? 'run' : 'state', ph: 'X', pid, tid: S.idOfRole[r], ts: s[i + 1], dur: s[i + 2] });
  }
  // main runs between the switches it makes (small runs: every switch)
  const sw = tr.switches;
  for (let i = 0; i + 3 < sw.length; i += 3) {
    if (sw[i + 2] === S.mainId) {
      const ts = sw[i], end = sw[i + 3];
      ev.push({ name: 'running (page code)', cat: 'run', ph: 'X', pid, tid: S.mainId, ts, dur: Math.max(1, end - ts) });
    }
  }
  for (let i = 0; i < tr.counters.length; i += 3) {
    ev.push({ name: 'run queue', ph: 'C', pid, ts: tr.counters[i], args: { length: tr.counters[i + 1] } });
    ev.push({ name: 'bees finished', ph: 'C', pid, ts: tr.counters[i], args: { bees: tr.counters[i + 2] } });
  }
  return {
    traceEvents: ev,
    displayTimeUnit: 'ns',
    otherData: {
      clock: 'ts is the scheduler switch count since reset (1 µs = 1 switch)',
      recording: S.small ? 'every switch (schedule callback) and every tasklet state after each rt.run({ ticks: 1 })'
        : `tasklet states sampled every ${SAMPLE_MS} ms of wall time (running slices not recorded)`,
      truncated: tr.truncated,
      switches: rt.stats.switches, channelOps: rt.stats.channelOps,
      ...(S.tl.cursor >= 0 ? { restored: `up to snapshot ${S.tl.cursor} (switch ${tr.now} since reset), restored from the timeline` } : {}),
    },
  };
}

function exportTrace() {
  const json = JSON.stringify(buildTrace());
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `bees-trace-${S.F}f-${S.B}b-seed${S.opts.seed}.json`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  log('info', `Trace exported (${(json.length / 1024).toFixed(0)} KiB): open it in ui.perfetto.dev or chrome://tracing; one track per tasklet.`);
}

// ---- the frame loop ------------------------------------------------------------

let lastFrame = 0;
function frame(ts) {
  requestAnimationFrame(frame);
  const dt = lastFrame ? Math.min(100, ts - lastFrame) : 16;
  if (S && S.running === true && frames.running) frames.intervals.push(ts - lastFrame);
  if (frames.intervals.length > 4000) frames.intervals.splice(0, 1000);
  frames.running = !!(S && S.running === true);
  lastFrame = ts;
  frames.started = performance.now();
  if (!S || !rt) return; // (rt is null while a snapshot is being restored)
  if (S.running === true && !locked) {
    S.wallMs += dt;
    let ticks;
    if (speed === Infinity) ticks = Infinity;
    else {
      S.owed = (S.owed ?? 0) + (speed * dt) / 1000;
      ticks = Math.floor(S.owed);
      S.owed -= ticks;
    }
    const run = S;
    // (a reset queued before this slice replaces the run: then nothing runs)
    if (ticks > 0) exclusive(() => (S === run && run.running === true ? advance(ticks, SLICE_MS) : 0)).then(() => render(ts, dt), (e) => fail(e));
    else render(ts, dt);
  } else {
    render(ts, dt);
  }
}

function render(ts, dt) {
  if (!S || !rt) return;
  const t0 = performance.now();
  drawHive(ts, dt);
  const t1 = performance.now();
  if (S.dirty) {
    S.panelsDirty = true;
    S.dirty = false;
  }
  // the DOM panels a few times a second; on other frames one chart's data
  const sampled = S.sampledInFrame;
  S.sampledInFrame = false;
  if (S.panelsDirty && ts - (S.panelAt ?? -1e9) >= PANEL_MS && !(sampled && !S.small)) {
    S.panelAt = ts;
    S.panelsDirty = false;
    updatePanels();
    drawSwim();
  } else if (!(sampled && !S.small)) {
    updateCharts(ts);
  }
  if (frames.running) {
    // script time of this frame: the scheduler slice (from the frame's start) and the drawing
    frames.work.push([t0 - frames.started, t1 - t0, performance.now() - t1]);
    if (frames.work.length > 4000) frames.work.splice(0, 1000);
  }
}

function fail(e) {
  console.error(e);
  log('err', `page error: ${esc(e.message)}`);
  if (S) S.running = false;
  setStatus('error', `error: ${e.message}`);
}

/** Median and p95 of the frame intervals while running (the last `last` frames, or all kept). */
function frameStats(last = Infinity) {
  const a = frames.intervals.slice(-Math.min(last, frames.intervals.length)).sort((x, y) => x - y);
  const q = (p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  const w = frames.work;
  const part = (i) => {
    const v = w.map((x) => x[i]).sort((x, y) => x - y);
    return v.length ? { median: v[v.length >> 1], p95: v[Math.min(v.length - 1, Math.floor(0.95 * v.length))] } : null;
  };
  if (!a.length) return { n: 0, median: NaN, p95: NaN, max: NaN, scheduler: null, hive: null, panels: null };
  return { n: a.length, median: q(0.5), p95: q(0.95), max: a[a.length - 1], scheduler: part(0), hive: part(1), panels: part(2) };
}

// ---- controls -------------------------------------------------------------------

function start() {
  if (!S) return;
  // from a restored snapshot: after the restore, then the run diverges from there
  if (S.tl.cursor >= 0 || S.tl.pending) {
    const run = S;
    return exclusive(() => { if (S === run) go(); });
  }
  go();
}

function go() {
  if (S.status === 'done' || S.status === 'deadlock') return;
  diverge();
  S.running = true;
  S.owed = 1;
  setStatus('running', `running at ${speedText()}`);
}

function pause() {
  if (!S) return;
  const was = S.running;
  S.running = false;
  if (was && S.status === 'running') setStatus('paused', 'paused');
}

function step() {
  if (!S) return Promise.resolve();
  pause();
  if (S.status === 'done' || S.status === 'deadlock') return Promise.resolve(state());
  return exclusive(async () => {
    diverge();
    await advance(1, 1000);
    if (S.status === 'ready' || S.status === 'running') setStatus('paused', 'paused (stepping)');
    S.dirty = true;
    return state();
  });
}

// the speed slider's stops, in switches per second; the last is "as fast as a frame allows"
const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, Infinity];
const speedFromSlider = (v) => SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, v))];
function sliderFromSpeed(s) {
  let best = 0;
  for (let i = 0; i < SPEEDS.length; i++) if (Math.abs(Math.log(SPEEDS[i] / s)) < Math.abs(Math.log(SPEEDS[best] / s))) best = i;
  return s === Infinity ? SPEEDS.length - 1 : best;
}
const speedText = () => (speed === Infinity ? 'max speed' : `${fmt(speed)} switches/s`);
function setSpeed(s) {
  if (s !== Infinity && !(Number.isFinite(s) && s > 0)) throw new RangeError('speed must be > 0 switches/s or Infinity');
  speed = s;
  $('i-speed').value = sliderFromSpeed(s);
  $('o-speed').textContent = speedText();
  if (S?.status === 'running') setStatus('running', `running at ${speedText()}`);
}

$('i-speed').addEventListener('input', (e) => setSpeed(speedFromSlider(Number(e.target.value))));
$('b-start').addEventListener('click', () => { const p = start(); if (p) p.catch(fail); });
$('b-pause').addEventListener('click', pause);
$('b-step').addEventListener('click', () => step().catch(fail));
$('b-reset').addEventListener('click', () => reset().catch(fail));
$('b-trace').addEventListener('click', () => S && exportTrace());
$('f-kill-bee').addEventListener('click', () => S && killTasklet('bee').catch(fail));
$('f-kill-flower').addEventListener('click', () => S && killTasklet('flower').catch(fail));
$('f-close').addEventListener('click', () => S && closeFlower().catch(fail));
window.addEventListener('resize', () => { if (S) { layoutHive(); S.dirty = true; } });

// ---- scripting: window.demo ----------------------------------------------------

function state() {
  if (!S || !rt) return null;
  const nec = sim.refresh().nectarView();
  return {
    bees: Array.from(nec, (nectar, b) => ({ id: b, nectar })),
    flowers: S.flowerCh.map((ch, f) => ({ id: f, balance: ch ? ch.balance : 0, visits: sim.flowerVisits(f) })),
    switches: rt.stats.switches,
    // the switches between simulation tasklets: rt.stats.switches less the
    // page's rt.run() calls (each adds one), whose number depends on the frames
    ticks: simTicks(),
    events: sim.events,
    channelOps: rt.stats.channelOps,
    running: S.running === true,
    status: S.status,
    finished: sim.finished,
    visits: sim.visits,
  };
}

window.demo = {
  start, pause, step, reset, state, setSpeed,
  /** Frame-interval figures (ms) over the frames drawn while running since the last reset/clear. */
  frameStats,
  clearFrameStats() { frames.intervals = []; frames.work = []; },
  /** Points each chart currently holds. */
  chartPoints() {
    const out = {};
    for (const [k, c] of chartInfo) out[k] = c.points;
    return out;
  },
  /** Updates each chart has drawn since reset. */
  chartDraws() {
    const out = {};
    for (const [k, c] of chartInfo) out[k] = c.draws;
    return out;
  },
  /** Mean milliseconds per chart update in the worker. */
  chartCost() {
    const out = {};
    for (const [k, c] of chartInfo) out[k] = c.draws ? +(c.ms / c.draws).toFixed(2) : 0;
    return out;
  },
  trace: () => buildTrace(),
  exportTrace: () => exportTrace(),
  killBee: () => killTasklet('bee'),
  killFlower: () => killTasklet('flower'),
  closeFlower: () => closeFlower(),
  select: (name) => {
    const m = /^(flower|bee) (\d+)$/.exec(name);
    select(name === 'main' ? -2 : !m ? -1 : m[1] === 'flower' ? Number(m[2]) : S.F + Number(m[2]));
  },
  log: () => Array.from($('log').children, (li) => li.textContent),
  /** Snapshots kept on the timeline (rewind() takes 0..snapshots()-1). */
  snapshots: () => (S ? S.tl.snaps.length : 0),
  /** Restore snapshot `index` into a fresh runtime (pauses); resolves to state(). */
  rewind: (index) => rewind(index),
  /** Continue from the restored snapshot (start() does the same). */
  continue: () => start(),
  /** The timeline: each snapshot's point, size; the cursor (-1: live); timings in ms. */
  timeline: () => timelineInfo(),
  get runtime() { return rt; },
  /** Milliseconds per call of the page's per-frame work (for tuning). */
  profile() {
    const time = (f) => { const t0 = performance.now(); for (let i = 0; i < 20; i++) f(); return (performance.now() - t0) / 20; };
    return { hive: time(() => drawHive(performance.now(), 16)), panels: time(updatePanels), inspect: time(inspectNow), charts: time(() => { for (const c of chartInfo.values()) { c.busy = false; c.postedAt = -1e9; } for (const k of CHART_IDS) S.chartDue[k] = true; updateCharts(performance.now()); }) };
  },
};

setSpeed(speedFromSlider(Number($('i-speed').value)));
requestAnimationFrame(frame);
reset().then(() => { document.documentElement.dataset.ready = '1'; }, fail);
