// Tasklets and the scheduler: creation, binding, queue operations,
// run/switch, state getters, schedule / scheduleRemove and rt.run().
// Expected traces follow STACKLESS.md §1-§3 (rules R1-R13).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, StateError } from 'stackless-wasm';
import { fresh, pingpong, fails, same } from './helpers.mjs';

const T = { timeout: 20000 };

// Snapshot of the six state getters, for compact assertions.
function state(t) {
  return {
    alive: t.alive, blocked: t.blocked, scheduled: t.scheduled,
    paused: t.paused, isMain: t.isMain, isCurrent: t.isCurrent,
  };
}
const S = (alive, blocked, scheduled, paused, isMain = false, isCurrent = false) =>
  ({ alive, blocked, scheduled, paused, isMain, isCurrent });

describe('creation: tasklet / spawn / setup / bind', () => {
  test('createRuntime gives a runtime whose current tasklet is main', T, async (t) => {
    const rt = await fresh(t);
    same(rt.current, rt.main);
    assert.equal(rt.main.isMain, true);
    assert.equal(rt.main.isCurrent, true);
    assert.equal(rt.main.alive, true);
    assert.equal(rt.main.scheduled, true);
    assert.equal(rt.main.paused, false);
    assert.equal(rt.main.blocked, false);
    assert.equal(rt.runcount, 1);
  });

  test('rt.tasklet(fn) is bound but not alive and not scheduled', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.tasklet(async function body() { log.push('ran'); });
    assert.deepEqual(state(tk), S(false, false, false, false));
    assert.equal(rt.runcount, 1);
    await rt.run();
    assert.deepEqual(log, [], 'an unscheduled tasklet does not run');
  });

  test('setup appends to the run queue, returns the tasklet and passes its args', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.tasklet(async function body(a, b, c) { log.push(`body ${a} ${b} ${c}`); });
    const r = tk.setup(1, 'two', 3n);
    same(r, tk);
    assert.deepEqual(state(tk), S(true, false, true, false));
    assert.equal(rt.runcount, 2);
    assert.deepEqual(log, []);
    await rt.run();
    assert.deepEqual(log, ['body 1 two 3']);
    assert.deepEqual(state(tk), S(false, false, false, false));
    assert.equal(rt.runcount, 1);
  });

  test('R1: spawn does not run the tasklet', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a(x) { log.push(`a${x}`); }, 1);
    const b = rt.spawn(async function b(x) { log.push(`b${x}`); }, 2);
    log.push('spawned');
    assert.equal(a.alive, true);
    assert.equal(a.scheduled, true);
    assert.equal(b.scheduled, true);
    assert.equal(rt.runcount, 3);
    // even letting the JS event loop run does not start them
    await new Promise((r) => setTimeout(r, 5));
    log.push('after timeout');
    await rt.run();
    log.push('after run');
    assert.deepEqual(log, ['spawned', 'after timeout', 'a1', 'b2', 'after run']);
  });

  test('spawn of a plain (non-async) function also runs it', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(function plain(x) { log.push(`plain ${x}`); }, 7);
    await rt.run();
    assert.deepEqual(log, ['plain 7']);
  });

  test('rt.tasklet() without a function, then bind(fn) and setup()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.tasklet();
    assert.equal(tk.alive, false);
    await fails(() => tk.setup(), StateError, 'setup of an unbound tasklet');
    assert.equal(tk.bind(async function late(v) { log.push(`late ${v}`); }), tk);
    assert.equal(tk.alive, false);
    assert.equal(tk.scheduled, false);
    tk.setup('x');
    assert.equal(tk.alive, true);
    await rt.run();
    assert.deepEqual(log, ['late x']);
  });

  test('bind replaces the function of a not-yet-set-up tasklet', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.tasklet(async function first() { log.push('first'); });
    tk.bind(async function second() { log.push('second'); });
    tk.setup();
    await rt.run();
    assert.deepEqual(log, ['second']);
  });

  test('a finished tasklet can be set up again (rebind and reuse)', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.spawn(async function once(v) { log.push(`once ${v}`); }, 1);
    await rt.run();
    assert.equal(tk.alive, false);
    tk.setup(2);
    await rt.run();
    tk.bind(async function twice(v) { log.push(`twice ${v}`); });
    tk.setup(3);
    await rt.run();
    assert.deepEqual(log, ['once 1', 'once 2', 'twice 3']);
  });

  test('setup of an alive tasklet is a StateError; bind of a scheduled one too', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const tk = rt.spawn(async function x() { log.push('x'); });
    await fails(() => tk.setup(), StateError);
    await fails(() => tk.bind(async () => {}), StateError);
    assert.equal(rt.runcount, 2);
    await rt.run();
    assert.deepEqual(log, ['x'], 'the tasklet ran exactly once');
    await pingpong(rt);
  });

  test('bind of the current tasklet or of main is a StateError', T, async (t) => {
    const rt = await fresh(t);
    await fails(() => rt.main.bind(async () => {}), StateError);
    const log = [];
    rt.spawn(async function self() {
      try { rt.current.bind(async () => {}); log.push('no error'); } catch (e) { log.push(e.name); }
    });
    await rt.run();
    assert.deepEqual(log, ['StateError']);
    await pingpong(rt);
  });
});

describe('ids and names', () => {
  test('ids are integers unique within the runtime', T, async (t) => {
    const rt = await fresh(t);
    const ts = [rt.main];
    for (let i = 0; i < 50; i++) ts.push(i % 2 ? rt.tasklet(async () => {}) : rt.spawn(async () => {}));
    for (const x of ts) assert.ok(Number.isInteger(x.id), `id ${x.id} is an integer`);
    assert.equal(new Set(ts.map((x) => x.id)).size, ts.length);
    await rt.run();
    // new tasklets made after others died still get fresh ids
    const more = [rt.spawn(async () => {}), rt.tasklet()];
    for (const m of more) assert.ok(!ts.some((x) => x.id === m.id));
    await rt.run();
  });

  test('ids are stable: the same Tasklet keeps its id through its life', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    let inside;
    const tk = rt.spawn(async function keeper() { inside = rt.current.id; await ch.receive(); });
    const id0 = tk.id;
    await rt.run();
    assert.equal(inside, id0);
    assert.equal(ch.queue.id, id0);
    await ch.send(1);
    assert.equal(tk.id, id0);
  });

  test('name defaults to the function name', T, async (t) => {
    const rt = await fresh(t);
    async function worker() {}
    const named = async function alsoNamed() {};
    assert.equal(rt.tasklet(worker).name, 'worker');
    assert.equal(rt.spawn(named).name, 'alsoNamed');
    await rt.run();
  });

  test('name of an anonymous or unbound tasklet is tasklet-<id>', T, async (t) => {
    const rt = await fresh(t);
    const anon = rt.spawn(async () => {});
    assert.equal(anon.name, `tasklet-${anon.id}`);
    const unbound = rt.tasklet();
    assert.equal(unbound.name, `tasklet-${unbound.id}`);
    unbound.bind(async function nowNamed() {});
    assert.equal(unbound.name, 'nowNamed');
    await rt.run();
  });

  test('name is settable and keeps the set value (also after running)', T, async (t) => {
    const rt = await fresh(t);
    const tk = rt.spawn(async function orig() {});
    tk.name = 'renamed';
    assert.equal(tk.name, 'renamed');
    let seen;
    const probe = rt.spawn(async () => { seen = tk.name; });
    probe.name = 'probe';
    await rt.run();
    assert.equal(seen, 'renamed');
    assert.equal(tk.name, 'renamed');
    assert.equal(probe.name, 'probe');
  });
});

describe('state getters at each stage', () => {
  test('fresh, scheduled, running, blocked, paused, dead', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const seen = {};
    const tk = rt.tasklet(async function life() {
      seen.running = state(tk);
      seen.mainWhileRun = state(rt.main);
      seen.current = rt.current === tk;
      await ch.receive();
      seen.resumed = state(tk);
      await rt.scheduleRemove();
      seen.reinserted = state(tk);
    });
    assert.deepEqual(state(tk), S(false, false, false, false), 'bound, not set up');
    tk.setup();
    assert.deepEqual(state(tk), S(true, false, true, false), 'set up: scheduled');
    await rt.run();
    assert.deepEqual(seen.running, S(true, false, true, false, false, true), 'running');
    // R5.1: main inside run() is paused (it is not in the run queue)
    assert.deepEqual(seen.mainWhileRun, S(true, false, false, true, true, false), 'main during run()');
    assert.equal(seen.current, true);
    assert.deepEqual(state(tk), S(true, true, true, false), 'blocked on receive');
    assert.deepEqual(state(rt.main), S(true, false, true, false, true, true), 'main after run()');
    await ch.send('go');
    assert.deepEqual(seen.resumed, S(true, false, true, false, false, true));
    assert.deepEqual(state(tk), S(true, false, false, true), 'after scheduleRemove: paused');
    tk.insert();
    assert.deepEqual(state(tk), S(true, false, true, false), 'inserted again');
    await rt.run();
    assert.deepEqual(seen.reinserted, S(true, false, true, false, false, true));
    assert.deepEqual(state(tk), S(false, false, false, false), 'dead');
  });

  test('remove() pauses a scheduled tasklet and insert() schedules it again', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() { log.push('a'); });
    const b = rt.spawn(async function b() { log.push('b'); });
    same(a.remove(), a);
    assert.deepEqual(state(a), S(true, false, false, true));
    assert.equal(rt.runcount, 2);
    await rt.run();
    assert.deepEqual(log, ['b']);
    assert.equal(a.alive, true);
    same(a.insert(), a);
    assert.deepEqual(state(a), S(true, false, true, false));
    assert.equal(rt.runcount, 2);
    await rt.run();
    assert.deepEqual(log, ['b', 'a']);
    assert.equal(b.alive, false);
  });

  test('remove() of a paused or unstarted-unscheduled tasklet is a no-op', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.spawn(async () => {});
    a.remove();
    a.remove();
    assert.equal(a.paused, true);
    const b = rt.tasklet(async () => {});
    b.remove();
    assert.equal(b.alive, false);
    assert.equal(rt.runcount, 1);
  });

  test('insert() of an already scheduled tasklet does not move it', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async () => { log.push('a'); });
    rt.spawn(async () => { log.push('b'); });
    rt.spawn(async () => { log.push('c'); });
    a.insert();
    a.insert();
    assert.equal(rt.runcount, 4);
    await rt.run();
    assert.deepEqual(log, ['a', 'b', 'c']);
  });

  test('insert() appends a paused tasklet at the end of the run queue', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async () => { log.push('a'); });
    rt.spawn(async () => { log.push('b'); });
    a.remove();
    rt.spawn(async () => { log.push('c'); });
    a.insert();
    await rt.run();
    assert.deepEqual(log, ['b', 'c', 'a']);
  });

  test('insert() of a dead or blocked tasklet is a StateError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const dead = rt.spawn(async () => {});
    const blocked = rt.spawn(async () => { await ch.receive(); });
    await rt.run();
    await fails(() => dead.insert(), StateError);
    await fails(() => blocked.insert(), StateError);
    await fails(() => blocked.remove(), StateError);
    assert.equal(ch.balance, -1);
    assert.equal(blocked.blocked, true);
    await ch.send(0);
    assert.equal(blocked.alive, false);
    await pingpong(rt);
  });

  test('isCurrent and rt.current inside tasklets', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function fa() {
      log.push(`a cur=${rt.current === a} a.isCurrent=${a.isCurrent} b.isCurrent=${b.isCurrent} main.isCurrent=${rt.main.isCurrent}`);
      await rt.schedule();
      log.push(`a again cur=${rt.current === a}`);
    });
    const b = rt.spawn(async function fb() {
      log.push(`b cur=${rt.current === b} a.isCurrent=${a.isCurrent} b.isCurrent=${b.isCurrent}`);
    });
    await rt.run();
    assert.deepEqual(log, [
      'a cur=true a.isCurrent=true b.isCurrent=false main.isCurrent=false',
      'b cur=true a.isCurrent=false b.isCurrent=true',
      'a again cur=true',
    ]);
    same(rt.current, rt.main);
    assert.equal(rt.main.isCurrent, true);
    assert.equal(a.isMain, false);
  });
});

describe('rt.current, rt.main, rt.runcount', () => {
  test('runcount counts the run queue including main while it is queued', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    assert.equal(rt.runcount, 1);
    rt.spawn(async function a() { log.push(`a ${rt.runcount}`); });
    rt.spawn(async function b() { log.push(`b ${rt.runcount}`); });
    assert.equal(rt.runcount, 3);
    // main in run() is not counted (PYPY test_getruncount)
    await rt.run();
    assert.deepEqual(log, ['a 2', 'b 1']);
    assert.equal(rt.runcount, 1);
  });

  test('runcount counts main while main waits in schedule()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async function a() { log.push(`a ${rt.runcount}`); });
    await rt.schedule();
    assert.deepEqual(log, ['a 2']);
    assert.equal(rt.runcount, 1);
  });

  test('rt.main is the same object everywhere', T, async (t) => {
    const rt = await fresh(t);
    const m = rt.main;
    let inside;
    rt.spawn(async () => { inside = rt.main; });
    await rt.run();
    same(inside, m);
    same(rt.main, m);
    same(rt.current, m);
  });
});

describe('R12: t.run()', () => {
  function three(rt, log) {
    const mk = (n) => rt.spawn(async function named() { log.push(n); });
    const ts = ['t1', 't2', 't3'].map(mk);
    ts.forEach((x, i) => { x.name = `t${i + 1}`; });
    return ts;
  }

  test('t1.run() runs t1, t2, t3 and then returns to main', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const [t1] = three(rt, log);
    await t1.run();
    log.push('main');
    assert.deepEqual(log, ['t1', 't2', 't3', 'main']);
  });

  test('t2.run() runs t2 and t3 only; t1 runs after main (FIFO upset)', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const [, t2] = three(rt, log);
    await t2.run();
    log.push('main');
    assert.equal(rt.runcount, 2);
    await rt.run();
    log.push('end');
    assert.deepEqual(log, ['t2', 't3', 'main', 't1', 'end']);
  });

  test('a removed t2, run: only t2 runs before main', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const [, t2] = three(rt, log);
    t2.remove();
    await t2.run();
    log.push('main');
    await rt.run();
    log.push('end');
    assert.deepEqual(log, ['t2', 'main', 't1', 't3', 'end']);
  });

  test('t.run() from a tasklet: caller stays runnable and resumes after t', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const c = rt.tasklet(async function c() { log.push('c'); });
    rt.spawn(async function a() {
      log.push('a1');
      c.setup();
      c.remove();
      await c.run();
      log.push('a2');
    });
    rt.spawn(async function b() { log.push('b'); });
    await rt.run();
    // [a, b] + c run -> [c, a, b]
    assert.deepEqual(log, ['a1', 'c', 'a2', 'b']);
  });

  test('run() of the current tasklet is a no-op', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async () => { log.push('x'); });
    await rt.main.run();
    log.push('main');
    await rt.run();
    assert.deepEqual(log, ['main', 'x']);
  });

  test('run() of a dead or blocked tasklet is a StateError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const dead = rt.spawn(async () => {});
    const blocked = rt.spawn(async () => { await ch.receive(); });
    await rt.run();
    await fails(() => dead.run(), StateError);
    await fails(() => blocked.run(), StateError);
    await fails(() => rt.tasklet(async () => {}).run(), StateError);
    assert.equal(blocked.blocked, true);
    await ch.send(1);
    await pingpong(rt);
  });
});

describe('R13: t.switch()', () => {
  test('switch pauses the caller: main resumes only when nothing else runs', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() {
      for (let i = 1; i <= 3; i++) {
        log.push(`a${i} mainPaused=${rt.main.paused}`);
        await rt.schedule();
      }
    });
    log.push('m1');
    await a.switch();
    log.push('m2');
    assert.deepEqual(log, ['m1', 'a1 mainPaused=true', 'a2 mainPaused=true', 'a3 mainPaused=true', 'm2']);
  });

  test('contrast: run() keeps the caller in the queue', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() {
      for (let i = 1; i <= 3; i++) {
        log.push(`a${i}`);
        await rt.schedule();
      }
    });
    log.push('m1');
    await a.run();
    log.push('m2');
    await rt.run();
    assert.deepEqual(log, ['m1', 'a1', 'm2', 'a2', 'a3']);
  });

  test('a switched-away tasklet stays paused until someone inserts it', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    let a;
    const b = rt.spawn(async function b() {
      log.push('b1');
      await a.switch(); // b is paused from here on
      log.push('b2');
    });
    a = rt.spawn(async function a() {
      log.push(`a b.paused=${b.paused}`);
    });
    await rt.run();
    assert.deepEqual(log, ['b1', 'a b.paused=true']);
    assert.deepEqual(state(b), S(true, false, false, true));
    b.insert();
    await rt.run();
    assert.deepEqual(log, ['b1', 'a b.paused=true', 'b2']);
  });

  test('a tasklet switching back to main', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() {
      log.push('a1');
      await rt.main.switch();
      log.push('a2');
    });
    await a.switch();
    log.push('main');
    assert.deepEqual(state(a), S(true, false, false, true));
    assert.equal(rt.runcount, 1);
    await a.switch();
    log.push('main2');
    assert.deepEqual(log, ['a1', 'main', 'a2', 'main2']);
    assert.equal(a.alive, false);
  });

  test('switch to self is a no-op; switch to blocked or dead is a StateError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await rt.main.switch();
    assert.equal(rt.main.scheduled, true);
    const blocked = rt.spawn(async () => { await ch.receive(); });
    const dead = rt.spawn(async () => {});
    await rt.run();
    await fails(() => blocked.switch(), StateError);
    await fails(() => dead.switch(), StateError);
    assert.equal(rt.main.scheduled, true, 'a failed switch does not pause main');
    assert.equal(rt.runcount, 1);
    await ch.send(0);
    await pingpong(rt);
  });
});

describe('rt.schedule / rt.scheduleRemove', () => {
  test('schedule from main alone resolves to main at once', T, async (t) => {
    const rt = await fresh(t);
    same(await rt.schedule(), rt.main);
    assert.equal(await rt.schedule('test'), 'test');
    const o = {};
    assert.equal(await rt.schedule(o), o);
    assert.equal(await rt.schedule(null), null);
  });

  test('schedule inside a tasklet resolves to that tasklet or the value', T, async (t) => {
    const rt = await fresh(t);
    const got = [];
    const a = rt.spawn(async () => {
      got.push((await rt.schedule()) === a);
      got.push(await rt.schedule(42));
      got.push(await rt.schedule('s'));
    });
    rt.spawn(async () => { await rt.schedule(); await rt.schedule(); });
    await rt.run();
    assert.deepEqual(got, [true, 42, 's']);
  });

  test('R2: cooperative round robin gives 1 2 1 2 1 2', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const f = async (i) => { for (let n = 0; n < 3; n++) { log.push(i); await rt.schedule(); } };
    rt.spawn(f, 1);
    rt.spawn(f, 2);
    await rt.run();
    assert.deepEqual(log, [1, 2, 1, 2, 1, 2]);
  });

  test('R2: scheduling cleanup trace mb fb gb hb fa ga ha ma', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const mk = (n) => async () => { log.push(`${n}b`); await rt.schedule(); log.push(`${n}a`); };
    rt.spawn(mk('f'));
    rt.spawn(mk('g'));
    rt.spawn(mk('h'));
    log.push('mb');
    await rt.run();
    log.push('ma');
    assert.deepEqual(log, 'mb fb gb hb fa ga ha ma'.split(' '));
  });

  test('main taking turns with schedule()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async () => {
      for (let i = 0; i < 3; i++) { log.push(`a${i}`); await rt.schedule(); }
      log.push('aend');
    });
    for (let i = 0; i < 3; i++) { log.push(`m${i}`); await rt.schedule(); }
    log.push('mdone');
    await rt.run();
    assert.deepEqual(log, ['m0', 'a0', 'm1', 'a1', 'm2', 'a2', 'mdone', 'aend']);
  });

  test('schedule from main with two tasklets: a1 b1 m a2 b2', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const mk = (n) => async () => { log.push(`${n}1`); await rt.schedule(); log.push(`${n}2`); };
    rt.spawn(mk('a'));
    rt.spawn(mk('b'));
    await rt.schedule();
    log.push('m');
    await rt.run();
    assert.deepEqual(log, ['a1', 'b1', 'm', 'a2', 'b2']);
  });

  test('scheduleRemove in a tasklet: paused until inserted, resolves its value', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() {
      log.push('a1');
      const v = await rt.scheduleRemove('back');
      log.push(`a2 ${v}`);
    });
    rt.spawn(async function b() { log.push('b'); });
    await rt.run();
    assert.deepEqual(log, ['a1', 'b']);
    assert.deepEqual(state(a), S(true, false, false, true));
    assert.equal(rt.runcount, 1);
    a.insert();
    await rt.run();
    assert.deepEqual(log, ['a1', 'b', 'a2 back']);
  });

  test('scheduleRemove default value is the calling tasklet', T, async (t) => {
    const rt = await fresh(t);
    let got;
    const a = rt.spawn(async () => { got = await rt.scheduleRemove(); });
    await rt.run();
    a.insert();
    await rt.run();
    same(got, a);
  });

  test('R4b: scheduleRemove from main alone returns at once', T, async (t) => {
    const rt = await fresh(t);
    same(await rt.scheduleRemove(), rt.main);
    assert.equal(await rt.scheduleRemove(5), 5);
    assert.equal(rt.main.scheduled, true);
    assert.equal(rt.runcount, 1);
    await pingpong(rt);
  });

  test('scheduleRemove from main: others run, then main is revived', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async () => { log.push('a1'); await rt.schedule(); log.push('a2'); });
    rt.spawn(async () => { log.push('b'); });
    log.push('m1');
    const v = await rt.scheduleRemove('mv');
    log.push(`m2 ${v}`);
    assert.deepEqual(log, ['m1', 'a1', 'b', 'a2', 'm2 mv']);
    assert.equal(rt.main.scheduled, true);
  });

  test('R4 combined: main and the only other tasklet both scheduleRemove', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async () => { log.push('a1'); await rt.scheduleRemove(); log.push('a2'); });
    await rt.scheduleRemove();
    log.push('main');
    assert.equal(a.paused, true);
    a.insert();
    await rt.run();
    assert.deepEqual(log, ['a1', 'main', 'a2']);
  });

  test('R4a: scheduleRemove of the last tasklet ends run()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async () => { log.push('a1'); await rt.scheduleRemove(); log.push('a2'); });
    await rt.run();
    log.push('run returned');
    assert.equal(a.paused, true);
    assert.deepEqual(log, ['a1', 'run returned']);
    await a.run();
    assert.deepEqual(log, ['a1', 'run returned', 'a2']);
  });
});

describe('rt.run()', () => {
  test('run with nothing to run returns at once', T, async (t) => {
    const rt = await fresh(t);
    await rt.run();
    assert.equal(await rt.run({ ticks: 5 }), 0);
    assert.equal(rt.runcount, 1);
    assert.equal(rt.main.scheduled, true);
  });

  test('run({ ticks }) stops after n switches and resolves the runnable count', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const mk = (n) => async () => { for (let i = 0; i < 3; i++) { log.push(`${n}${i}`); await rt.schedule(); } };
    rt.spawn(mk('a'));
    rt.spawn(mk('b'));
    rt.spawn(mk('c'));
    assert.equal(await rt.run({ ticks: 3 }), 3);
    assert.deepEqual(log, ['a0', 'b0', 'c0']);
    assert.equal(rt.current, rt.main);
    assert.equal(rt.main.scheduled, true);
    assert.equal(rt.runcount, 4);
    assert.equal(await rt.run({ ticks: 2 }), 3);
    assert.deepEqual(log, ['a0', 'b0', 'c0', 'a1', 'b1']);
    // a later run continues where it stopped
    await rt.run();
    assert.deepEqual(log, ['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
    assert.equal(rt.runcount, 1);
  });

  test('run({ ticks }) resolves 0 when the queue ran empty', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async () => { log.push('a'); });
    rt.spawn(async () => { log.push('b'); });
    assert.equal(await rt.run({ ticks: 100 }), 0);
    assert.deepEqual(log, ['a', 'b']);
  });

  test('run({ ticks: 1 }) repeatedly steps one tasklet switch at a time', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const mk = (n) => async () => { for (let i = 0; i < 2; i++) { log.push(`${n}${i}`); await rt.schedule(); } };
    rt.spawn(mk('a'));
    rt.spawn(mk('b'));
    const counts = [];
    for (let i = 0; i < 10 && rt.runcount > 1; i++) {
      counts.push(await rt.run({ ticks: 1 }));
      counts.push(log.join(','));
    }
    assert.deepEqual(counts, [
      2, 'a0',
      2, 'a0,b0',
      2, 'a0,b0,a1',
      2, 'a0,b0,a1,b1',
      1, 'a0,b0,a1,b1', // a ends, b is next
      0, 'a0,b0,a1,b1',
    ]);
  });

  test('R5.3: run returns when the rest are blocked; they stay blocked', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const a = rt.spawn(async () => { log.push('a'); log.push(`a got ${await ch.receive()}`); });
    await rt.run();
    assert.deepEqual(log, ['a']);
    assert.equal(a.blocked, true);
    assert.equal(ch.balance, -1);
    await ch.send('v');
    assert.deepEqual(log, ['a', 'a got v']);
  });

  test('R5.6: nested run in a tasklet returns first', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async function a() {
      log.push('a1');
      await rt.run();
      log.push('a2');
    });
    rt.spawn(async function b() {
      log.push('b1');
      await rt.schedule();
      log.push('b2');
    });
    await rt.run();
    log.push('main');
    assert.deepEqual(log, ['a1', 'b1', 'b2', 'a2', 'main']);
  });

  test('nested run: the inner caller is paused while it waits', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const a = rt.spawn(async function a() {
      await rt.run();
      log.push('a done');
    });
    rt.spawn(async function b() {
      log.push(`b a.paused=${a.paused} main.paused=${rt.main.paused} runcount=${rt.runcount}`);
    });
    await rt.run();
    assert.deepEqual(log, ['b a.paused=true main.paused=true runcount=1', 'a done']);
  });

  test('nested run: an error goes to the innermost run()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const err = new Error('inner');
    rt.spawn(async function a() {
      try {
        await rt.run();
        log.push('a no error');
      } catch (e) {
        log.push(`a caught ${e === err}`);
      }
    });
    rt.spawn(async function b() { log.push('b'); throw err; });
    await rt.run();
    log.push('main');
    assert.deepEqual(log, ['b', 'a caught true', 'main']);
  });

  test('main.run() from a tasklet wakes main in run() (R5.7)', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async function a() {
      log.push('a1');
      await rt.main.run();
      log.push('a2');
    });
    await rt.run();
    log.push('main');
    assert.equal(rt.runcount, 2);
    await rt.run();
    assert.deepEqual(log, ['a1', 'main', 'a2']);
  });
});

test('many runtimes can be created and used one after another', T, async () => {
  for (let i = 0; i < 3; i++) {
    const rt = await createRuntime();
    await pingpong(rt);
    rt.destroy();
  }
});
