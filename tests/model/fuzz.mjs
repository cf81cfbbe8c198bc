#!/usr/bin/env node
// Differential fuzzing: seeded random programs run on the reference model
// (model.mjs) and on the real runtime (the npm package), compared after
// every step of main.
//
// A program: `nch` channels, then a list of operations performed by main.
// `spawn` carries the script of the new JS tasklet (its own list of
// operations, possibly spawning more; `c` says whether the tasklet catches
// that operation's error or dies of it); `rebind` binds a tasklet to a new
// script and sets it up again; `echo` / `forward` / `failC` start the C
// tasklets of csrc/ctasklets/builtin.c. Tasklets are named by id (main is
// 1, then in creation order, the same on both sides); an operation on an
// id that does not exist yet is skipped. The trace holds every completed
// operation of a JS tasklet ("T3 recv c1 -> 7"), every step of main
// ("M run 3 -> 2"), every switch ("~ T1>T3", the schedule callback) and
// every channel operation ("? c1 T3 recv block", the channel callback).
// After each step of main the trace and the state (each tasklet's state
// and flags, the run queue, channels, counters) must be equal.
//
// Library: genProgram, runProgram, runSeed, shrink, formatProgram,
// formatDivergence. CLI:
//   node tests/model/fuzz.mjs --seed N [--steps M] [--shrink]
//        replay one seed: the program, the trace and the first divergence;
//        --shrink first reduces it to a minimal program that still diverges
//   node tests/model/fuzz.mjs --program '<json>' | file.json  [--shrink]
//        the same for a program printed by an earlier run
//   node tests/model/fuzz.mjs --seeds K [--start S] [--steps M] [--seconds T]
//        run seeds S..S+K-1 (or until T seconds, default $FUZZ_SECONDS);
//        exit 1 on the first divergence, printing its replay command
//   --exclude k1,k2   leave these kinds of operation out of generated
//        programs (to look past a known bug)
import { createRuntime, TaskletExit, DeadlockError, ChannelClosedError, StateError } from 'stackless-wasm';
import { Model, EXIT, echo, forward, fail } from './model.mjs';

// ---- programs ----------------------------------------------------------

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAIN_W = {
  spawn: 14, echo: 3, forward: 1, run: 16, send: 6, recv: 6, sendExc: 1, sched: 4, schedRm: 2,
  kill: 4, throw: 2, insert: 3, remove: 2, runT: 3, switchT: 2, close: 2, open: 3, pref: 3, sall: 2,
  rebind: 2, failC: 1,
};
const JS_W = {
  send: 10, recv: 10, sendExc: 2, sched: 8, schedRm: 3, spawn: 3, echo: 1, forward: 1, kill: 3,
  throw: 2, insert: 3, remove: 2, runT: 2, switchT: 2, close: 1, open: 2, pref: 2, sall: 1, run: 2,
  fail: 2, rebind: 1, failC: 1,
};

class Gen {
  constructor(seed, exclude = []) {
    this.r = mulberry32(seed);
    this.mainW = { ...MAIN_W };
    this.jsW = { ...JS_W };
    for (const k of exclude) this.mainW[k] = this.jsW[k] = 0;
    this.spawned = 0; // tasklets the program creates, as generated so far
    this.vals = 0;
    this.errs = 0;
  }
  int(n) { return Math.floor(this.r() * n); }
  pick(w) {
    const keys = Object.keys(w);
    let x = this.r() * keys.reduce((s, k) => s + w[k], 0);
    for (const k of keys) if ((x -= w[k]) < 0) return k;
    return keys[keys.length - 1];
  }
  ch() { return 1 + this.int(this.nch); }
  tid() { return this.r() < 0.1 ? 1 : 2 + this.int(this.spawned + 1); }
  // a fresh error tag; sometimes a TaskletExit instance
  err() { return this.r() < 0.15 ? 'TaskletExit' : `E${++this.errs}`; }

  op(who, depth) {
    const k = this.pick(who === 'main' ? this.mainW : this.jsW);
    const op = { k };
    switch (k) {
      case 'send': op.ch = this.ch(); op.v = 10 * ++this.vals; break;
      case 'recv': case 'close': case 'open': op.ch = this.ch(); break;
      case 'sendExc': op.ch = this.ch(); op.err = this.err(); break;
      case 'sched': case 'schedRm': if (this.r() < 0.5) op.v = 10 * ++this.vals; break;
      case 'spawn':
        this.spawned++;
        op.script = depth < 2 ? this.script(depth + 1) : [];
        break;
      case 'rebind': // bind a new script and set up again (same id)
        op.t = this.tid();
        op.script = depth < 2 ? this.script(depth + 1) : [];
        break;
      case 'echo':
        this.spawned++;
        op.a = this.ch(); op.b = this.ch(); op.n = 1 + this.int(3);
        break;
      case 'forward': { // only towards a higher channel: no endless cycle
        this.spawned++;
        if (this.nch < 2) return { k: 'sched' };
        op.a = 1 + this.int(this.nch - 1);
        op.b = op.a + 1 + this.int(this.nch - op.a);
        break;
      }
      case 'kill': op.t = this.tid(); op.pending = this.r() < 0.4; break;
      case 'throw': op.t = this.tid(); op.err = this.err(); op.pending = this.r() < 0.4; break;
      case 'insert': case 'remove': case 'runT': case 'switchT': op.t = this.tid(); break;
      case 'pref': op.ch = this.ch(); op.p = this.int(3) - 1; break;
      case 'sall': op.ch = this.ch(); op.on = this.r() < 0.5; break;
      case 'run': if (this.r() < 0.75) op.ticks = 1 + this.int(8); break;
      case 'fail': op.err = this.err(); break;
      case 'failC': // csrc/ctasklets/builtin.c fail(code, value)
        this.spawned++;
        op.code = -1000 - 1 - this.int(50);
        break;
      default: break;
    }
    if (who !== 'main' && k !== 'fail') op.c = this.r() < 0.75; // catch its error
    return op;
  }

  script(depth) {
    const n = 1 + this.int(5);
    const s = [];
    for (let i = 0; i < n; i++) s.push(this.op('js', depth));
    return s;
  }
}

/** The program of `seed` with `steps` steps of main (without the kinds
 * of operation in `exclude`). */
export function genProgram(seed, steps, exclude = []) {
  const g = new Gen(seed, exclude);
  g.nch = 2 + g.int(3);
  const main = [];
  for (let i = 0; i < steps; i++) main.push(g.op('main', 0));
  return { seed, steps, nch: g.nch, main, exclude: exclude.length ? exclude : undefined };
}

export function fmtOp(op) {
  const T = (id) => `T${id}`, C = (id) => `c${id}`;
  switch (op.k) {
    case 'send': return `send ${C(op.ch)} ${op.v}`;
    case 'recv': case 'close': case 'open': return `${op.k} ${C(op.ch)}`;
    case 'sendExc': return `sendExc ${C(op.ch)} ${op.err}`;
    case 'sched': case 'schedRm': return op.v === undefined ? op.k : `${op.k} ${op.v}`;
    case 'spawn': return `spawn[${op.script.length}]`;
    case 'rebind': return `rebind T${op.t}[${op.script.length}]`;
    case 'echo': return `echo ${C(op.a)} ${C(op.b)} ${op.n}`;
    case 'forward': return `forward ${C(op.a)} ${C(op.b)}`;
    case 'kill': return `kill ${T(op.t)}${op.pending ? ' pending' : ''}`;
    case 'throw': return `throw ${T(op.t)} ${op.err}${op.pending ? ' pending' : ''}`;
    case 'insert': case 'remove': case 'runT': case 'switchT': return `${op.k} ${T(op.t)}`;
    case 'pref': return `pref ${C(op.ch)} ${op.p}`;
    case 'sall': return `sall ${C(op.ch)} ${op.on ? 1 : 0}`;
    case 'run': return op.ticks ? `run ${op.ticks}` : 'run';
    case 'fail': return `fail ${op.err}`;
    case 'failC': return `failC ${op.code}`;
    default: return JSON.stringify(op);
  }
}

/** The program as text: one line per op, scripts indented under spawns. */
export function formatProgram(p) {
  const lines = [`seed ${p.seed}: ${p.nch} channels, ${p.steps} steps of main`];
  const walk = (ops, ind, tag) => ops.forEach((op, i) => {
    const c = op.c === undefined ? '' : op.c ? '' : '   (uncaught)';
    lines.push(`${ind}${tag}${i + 1}. ${fmtOp(op)}${c}`);
    if (op.script) walk(op.script, `${ind}    `, '');
  });
  walk(p.main, '', 'step ');
  return lines.join('\n');
}

// The schedule and channel callbacks' entries in the trace.
const fmtSwitch = (a, b) => `  ~ T${a && a.id}>T${b && b.id}`;
const fmtChannel = (c, t, sending, willblock) =>
  `  ? c${c && c.id} T${t && t.id} ${sending ? 'send' : 'recv'}${willblock ? ' block' : ''}`;

const errName = (e) => (e && (e.tag ?? e.name)) ?? String(e);

function fmtRes(r) {
  if (r.error !== undefined) return `!${errName(r.error)}`;
  const v = r.value;
  if (v === undefined) return 'ok';
  if (v !== null && typeof v === 'object') return `T${v.id}`;
  return String(v);
}

// A JS tasklet's code, shared by both sides: yields its operations,
// receives their outcome, logs each, returns the error it dies of.
function* script(id, ops, log, mkErr) {
  log(`T${id} start`);
  for (const op of ops) {
    if (op.k === 'fail') {
      log(`T${id} fail ${op.err}`);
      return mkErr(op.err);
    }
    const r = yield op;
    log(`T${id} ${fmtOp(op)} -> ${fmtRes(r)}`);
    if (r.error !== undefined && !op.c) {
      log(`T${id} dies`);
      return r.error;
    }
  }
  log(`T${id} end`);
  return null;
}

// ---- the model side --------------------------------------------------------

function modelSide(p) {
  const m = new Model();
  const trace = [];
  const log = (s) => trace.push(s);
  const mkErr = (tag) => (tag === EXIT ? { name: EXIT } : { name: tag, tag });
  for (let i = 0; i < p.nch; i++) m.newChannel();
  const ch = (id) => m.channels.get(id);
  m.onSwitch = (a, b) => log(fmtSwitch(a, b));
  m.onChannel = (c, t, s, w) => log(fmtChannel(c, t, s, w));
  m.exec = (op) => {
    const t = op.t === undefined ? null : m.tasklets.get(op.t);
    if (op.t !== undefined && !t) return { value: 'skip' };
    switch (op.k) {
      case 'send': return m.chanOp(ch(op.ch), 1, op.v, null);
      case 'sendExc': return m.chanOp(ch(op.ch), 1, 0, mkErr(op.err));
      case 'recv': return m.chanOp(ch(op.ch), -1);
      case 'sched': return m.schedule(op.v, false);
      case 'schedRm': return m.schedule(op.v, true);
      case 'spawn': return m.spawn('js', (id) => script(id, op.script, log, mkErr));
      case 'rebind': return m.rebind(t, (id) => script(id, op.script, log, mkErr));
      case 'echo': return m.spawn('c', () => echo(op.a, op.b, op.n));
      case 'forward': return m.spawn('c', () => forward(op.a, op.b));
      case 'failC': return m.spawn('c', () => fail(op.code));
      case 'kill': return m.throwTo(t, { name: EXIT }, op.pending);
      case 'throw': return m.throwTo(t, mkErr(op.err), op.pending);
      case 'insert': return m.insert(t);
      case 'remove': return m.remove(t);
      case 'runT': return m.runTasklet(t, false);
      case 'switchT': return m.runTasklet(t, true);
      case 'close': ch(op.ch).closing = true; return { value: undefined };
      case 'open': ch(op.ch).closing = false; return { value: undefined };
      case 'pref': ch(op.ch).preference = op.p; return { value: undefined };
      case 'sall': ch(op.ch).scheduleAll = op.on; return { value: undefined };
      case 'run': return m.run(op.ticks ?? 0);
      default: throw new Error(`model: unknown op ${op.k}`);
    }
  };
  return {
    trace,
    ops: 0,
    step(op) {
      const r = m.mainOp(op);
      log(`M ${fmtOp(op)} -> ${fmtRes(r)}`);
    },
    snapshot() {
      const ts = [...m.tasklets.values()].map((t) => {
        const q = m.queued(t);
        const flags = `${+t.alive}${+!!t.chan}${+(q || !!t.chan)}${+(t.alive && !q && !t.chan)}`;
        return `T${t.id}:${m.stateOf(t)}:c${t.chan ? t.chan.id : 0}:${flags}`;
      });
      const chs = [...m.channels.values()].map((c) => {
        const b = m.balance(c);
        return `c${c.id}:b${b}:${c.closing ? 'closing' : '-'}:${c.closing && b === 0 ? 'closed' : '-'}:p${c.preference}:${c.scheduleAll ? 'all' : '-'}:q${c.queue.length ? c.queue[0].id : 0}`;
      });
      const alive = [...m.tasklets.values()].filter((t) => t.alive).length;
      const blocked = [...m.channels.values()].reduce((s, c) => s + c.queue.length, 0);
      return {
        current: m.current.id,
        runQueue: m.rq.map((t) => t.id).join(' '),
        tasklets: ts.join(' '),
        channels: chs.join(' '),
        stats: `tasklets ${alive} runnable ${m.rq.length} blocked ${blocked} switches ${m.switches} runcount ${m.rq.length}`,
      };
    },
    close() {},
  };
}

// ---- the real side ---------------------------------------------------------

class FuzzError extends Error {
  constructor(tag) { super(tag); this.name = tag; this.tag = tag; }
}

// Real errors by class name (the runtime's own classes must be these).
function checkClass(e) {
  if (e instanceof Error && e.code <= -1000 && e.value === 7) return Object.assign(e, { tag: `C${e.code}` });
  if (e instanceof FuzzError || e instanceof TaskletExit || e instanceof DeadlockError ||
      e instanceof ChannelClosedError || e instanceof StateError) return e;
  const x = new Error(`unexpected error ${e && e.name}: ${e && e.message}`);
  x.tag = `Unexpected(${e && e.name}: ${e && e.message})`;
  return x;
}

async function realSide(p, stepTimeout) {
  const rt = await createRuntime();
  const trace = [];
  const log = (s) => trace.push(s);
  const mkErr = (tag) => (tag === EXIT ? new TaskletExit() : new FuzzError(tag));
  const chans = [];
  for (let i = 0; i < p.nch; i++) chans.push(rt.channel());
  rt.setScheduleCallback((a, b) => log(fmtSwitch(a, b)));
  rt.setChannelCallback((c, t, s, w) => log(fmtChannel(c, t, s, w)));
  const ch = (id) => chans[id - 1];
  const handles = new Map([[1, rt.main]]); // keeps every Tasklet reachable
  const side = { trace, rt, ops: 0 };

  function op1(op) {
    const t = op.t === undefined ? null : handles.get(op.t);
    if (op.t !== undefined && !t) return 'skip';
    switch (op.k) {
      case 'send': return ch(op.ch).send(op.v);
      case 'sendExc': return ch(op.ch).sendException(mkErr(op.err));
      case 'recv': return ch(op.ch).receive();
      case 'sched': return op.v === undefined ? rt.schedule() : rt.schedule(op.v);
      case 'schedRm': return op.v === undefined ? rt.scheduleRemove() : rt.scheduleRemove(op.v);
      case 'spawn': {
        let id = 0;
        const tk = rt.tasklet(() => drive(script(id, op.script, log, mkErr)));
        id = tk.id;
        handles.set(id, tk);
        return tk.setup();
      }
      case 'rebind':
        t.bind(() => drive(script(t.id, op.script, log, mkErr)));
        t.setup();
        return undefined;
      case 'echo': case 'forward': case 'failC': {
        const name = op.k === 'failC' ? 'fail' : op.k;
        const args = op.k === 'echo' ? [ch(op.a), ch(op.b), op.n]
          : op.k === 'forward' ? [ch(op.a), ch(op.b)] : [op.code, 7];
        const tk = rt.spawnC(name, ...args);
        handles.set(tk.id, tk);
        return tk;
      }
      case 'kill': return t.kill({ pending: op.pending });
      case 'throw': return t.throw(mkErr(op.err), { pending: op.pending });
      case 'insert': t.insert(); return undefined;
      case 'remove': t.remove(); return undefined;
      case 'runT': return t.run();
      case 'switchT': return t.switch();
      case 'close': ch(op.ch).close(); return undefined;
      case 'open': ch(op.ch).open(); return undefined;
      case 'pref': ch(op.ch).preference = op.p; return undefined;
      case 'sall': ch(op.ch).scheduleAll = op.on; return undefined;
      case 'run': return op.ticks ? rt.run({ ticks: op.ticks }) : rt.run();
      default: throw new Error(`unknown op ${op.k}`);
    }
  }
  async function exec(op) {
    side.ops++;
    try {
      return { value: await op1(op) };
    } catch (e) {
      return { error: checkClass(e) };
    }
  }
  async function drive(g) {
    let r = g.next();
    while (!r.done) r = g.next(await exec(r.value));
    if (r.value) throw r.value;
  }

  side.step = async (op) => {
    let timer;
    const hang = new Promise((resolve) => { timer = setTimeout(() => resolve('hang'), stepTimeout); });
    const r = await Promise.race([exec(op), hang]).finally(() => clearTimeout(timer));
    if (r === 'hang') throw new Error(`main's operation never settled (${stepTimeout} ms)`);
    log(`M ${fmtOp(op)} -> ${fmtRes(r)}`);
  };
  side.snapshot = () => {
    const ins = rt.inspect();
    const st = new Map();
    for (let i = 0; i < ins.ids.length; i++) st.set(ins.ids[i], [ins.states[i], ins.channels[i]]);
    const ts = [...handles.keys()].sort((a, b) => a - b).map((id) => {
      const t = handles.get(id);
      const [s, c] = st.get(id) ?? [6, 0];
      const flags = `${+t.alive}${+t.blocked}${+t.scheduled}${+t.paused}`;
      return `T${id}:${s}:c${c}:${flags}`;
    });
    const chs = chans.map((c) => `c${c.id}:b${c.balance}:${c.closing ? 'closing' : '-'}:${c.closed ? 'closed' : '-'}:p${c.preference}:${c.scheduleAll ? 'all' : '-'}:q${c.queue ? c.queue.id : 0}`);
    const s = rt.stats;
    return {
      current: rt.current.id,
      runQueue: Array.from(ins.runQueue).join(' '),
      tasklets: ts.join(' '),
      channels: chs.join(' '),
      stats: `tasklets ${s.tasklets} runnable ${s.runnable} blocked ${s.blocked} switches ${s.switches} runcount ${rt.runcount}`,
    };
  };
  side.close = () => rt.destroy();
  return side;
}

// ---- comparison ----------------------------------------------------------

/**
 * Run program `p` on both sides, comparing after every step of main.
 * Resolves { steps, ops, divergence } where steps is the number of steps
 * compared and divergence (null if none) describes the first mismatch.
 */
export async function runProgram(p, { stepTimeout = 3000, keepTrace = false } = {}) {
  const model = modelSide(p);
  let real;
  let steps = 0;
  let divergence = null;
  let seen = 0; // trace entries already compared
  try {
    real = await realSide(p, stepTimeout);
    for (let i = 0; i < p.main.length && !divergence; i++) {
      const op = p.main[i];
      const where = `step ${i + 1} (${fmtOp(op)})`;
      let failed = null;
      try { model.step(op); } catch (e) { failed = `the model failed: ${e.stack}`; }
      if (!failed) {
        try { await real.step(op); } catch (e) { failed = `the runtime failed: ${e.stack ?? e}`; }
      }
      let ms, rs;
      if (!failed) {
        ms = model.snapshot();
        try { rs = real.snapshot(); } catch (e) { failed = `the runtime failed in inspection: ${e.stack ?? e}`; }
      }
      if (failed) {
        divergence = { step: i + 1, where, message: failed, model: model.trace.slice(seen), real: real.trace.slice(seen) };
        break;
      }
      steps++;
      const n = Math.max(model.trace.length, real.trace.length);
      for (let j = seen; j < n; j++) {
        if (model.trace[j] !== real.trace[j]) {
          divergence = {
            step: i + 1, where, message: `trace differs at entry ${j + 1}`,
            model: model.trace.slice(seen), real: real.trace.slice(seen),
          };
          break;
        }
      }
      if (!divergence) {
        for (const key of Object.keys(ms)) {
          if (ms[key] !== rs[key]) {
            divergence = {
              step: i + 1, where, message: `${key} differs`,
              model: [`${key}: ${ms[key]}`], real: [`${key}: ${rs[key]}`],
              modelState: ms, realState: rs, trace: model.trace.slice(seen),
            };
            break;
          }
        }
      }
      seen = model.trace.length;
    }
  } finally {
    try { real?.close(); } catch { /* already broken */ }
  }
  return { steps, ops: real ? real.ops : 0, divergence, trace: keepTrace ? model.trace : undefined, realTrace: keepTrace ? real?.trace : undefined };
}

export async function runSeed(seed, steps, opts) {
  return runProgram(genProgram(seed, steps), opts);
}

export function formatDivergence(p, d) {
  const ex = p.exclude ? ` --exclude ${p.exclude.join(',')}` : '';
  const generated = JSON.stringify(genProgram(p.seed, p.steps, p.exclude)) === JSON.stringify(p);
  const replay = generated
    ? `node tests/model/fuzz.mjs --seed ${p.seed} --steps ${p.steps}${ex}  (add --shrink for a minimal program)`
    : `node tests/model/fuzz.mjs --program '${JSON.stringify(p)}'`;
  const out = [`DIVERGENCE ${generated ? `seed ${p.seed} ` : ''}at ${d.where}: ${d.message}`, `replay: ${replay}`];
  if (d.trace) out.push('  trace of this step:', ...d.trace.map((s) => `    ${s}`));
  out.push('  model:', ...d.model.map((s) => `    ${s}`), '  runtime:', ...d.real.map((s) => `    ${s}`));
  if (d.modelState) {
    for (const k of Object.keys(d.modelState)) {
      out.push(`  ${k}:`, `    model   ${d.modelState[k]}`, `    runtime ${d.realState[k]}`);
    }
  }
  return out.join('\n');
}

// ---- shrinking -------------------------------------------------------------

// Paths of every op: [i] is step i of main, [i, j] op j of the script
// spawned by step i, and so on; in pre-order.
function paths(ops, prefix = []) {
  const out = [];
  ops.forEach((op, i) => {
    out.push([...prefix, i]);
    if (op.script) out.push(...paths(op.script, [...prefix, i]));
  });
  return out;
}

function without(p, path) {
  const q = structuredClone(p);
  let ops = q.main;
  for (const i of path.slice(0, -1)) ops = ops[i].script;
  ops.splice(path[path.length - 1], 1);
  q.steps = q.main.length;
  return q;
}

/**
 * A smaller program that still diverges: drops the steps after the first
 * divergence, then every op whose removal keeps a divergence of the same
 * kind, until none can go.
 */
export async function shrink(p, opts = {}) {
  const kind = (d) => (d.message.startsWith('the model failed') ? 'model' : 'runtime');
  let r = await runProgram(p, opts);
  if (!r.divergence) return null;
  const want = kind(r.divergence);
  let cur = structuredClone(p);
  cur.main = cur.main.slice(0, r.divergence.step);
  cur.steps = cur.main.length;
  for (let changed = true; changed;) {
    changed = false;
    for (const path of paths(cur.main).reverse()) {
      const cand = without(cur, path);
      r = await runProgram(cand, { ...opts, stepTimeout: 1000 });
      if (r.divergence && kind(r.divergence) === want) {
        cur = cand;
        cur.main = cur.main.slice(0, r.divergence.step);
        cur.steps = cur.main.length;
        changed = true;
      }
    }
  }
  return cur;
}

// ---- CLI ------------------------------------------------------------------

async function cli(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    if (a === '--shrink') { args.shrink = true; continue; }
    args[a.slice(2)] = argv[i + 1];
    i++;
  }
  const steps = Number(args.steps ?? 50);
  const exclude = args.exclude ? args.exclude.split(',') : [];
  if (args.seed !== undefined || args.program !== undefined) {
    let p;
    if (args.program !== undefined) {
      const text = args.program.trim().startsWith('{') ? args.program
        : (await import('node:fs')).readFileSync(args.program, 'utf8');
      p = JSON.parse(text);
    } else {
      p = genProgram(Number(args.seed), steps, exclude);
    }
    if (args.shrink !== undefined) {
      const small = await shrink(p);
      if (!small) {
        console.log('no divergence: nothing to shrink');
        return 0;
      }
      console.log(`shrunk from ${paths(p.main).length} to ${paths(small.main).length} operations:`);
      console.log(`  --program '${JSON.stringify(small)}'`);
      p = small;
    }
    console.log(formatProgram(p));
    const r = await runProgram(p, { keepTrace: true });
    console.log('\ntrace (model):');
    for (const s of r.trace) console.log(`  ${s}`);
    if (r.divergence) {
      console.log(`\n${formatDivergence(p, r.divergence)}`);
      return 1;
    }
    console.log(`\nno divergence: ${r.steps} steps compared, ${r.ops} operations`);
    return 0;
  }
  const start = Number(args.start ?? 1);
  const count = Number(args.seeds ?? 1000);
  const seconds = Number(args.seconds ?? process.env.FUZZ_SECONDS ?? 0);
  const t0 = Date.now();
  let compared = 0, ops = 0, n = 0;
  for (let seed = start; seed < start + count; seed++) {
    if (seconds && Date.now() - t0 > seconds * 1000) break;
    const p = genProgram(seed, steps, exclude);
    const r = await runProgram(p);
    compared += r.steps;
    ops += r.ops;
    n++;
    if (r.divergence) {
      console.log(formatDivergence(p, r.divergence));
      console.log(`after ${n} seeds, ${compared} steps compared`);
      return 1;
    }
    if (n % 1000 === 0) {
      const s = (Date.now() - t0) / 1000;
      console.log(`${n} seeds, ${compared} steps compared, ${ops} operations, ${(compared / s).toFixed(0)} steps/s`);
    }
  }
  const s = (Date.now() - t0) / 1000;
  console.log(`no divergence: ${n} seeds (${start}..${start + n - 1}), ${compared} model steps compared, ` +
    `${ops} operations, ${s.toFixed(1)} s, ${(compared / s).toFixed(0)} steps/s`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  cli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    console.error(e);
    process.exitCode = 2;
  });
}
