// Schedule and channel callbacks (STACKLESS.md §2.1, R16), rt.stats,
// independent runtimes and destroy().
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

// the counters API.md names (rt.stats may carry more)
const counters = (rt) => { const { tasklets, runnable, blocked, switches, channelOps } = rt.stats; return { tasklets, runnable, blocked, switches, channelOps }; };
import { createRuntime, StateError } from 'stackless-wasm';
import { fresh, pingpong, within } from './helpers.mjs';

const T = { timeout: 20000 };

// Labels tasklets by id (robust even if a callback gets a fresh view
// object for a tasklet): 'main' or the label registered for that id.
function labeler(rt) {
  const names = new Map([[rt.main.id, 'main']]);
  const L = (t) => (t === null || t === undefined ? String(t) : names.get(t.id) ?? `?${t.id}`);
  L.add = (t, name) => { names.set(t.id, name); return t; };
  return L;
}

describe('setScheduleCallback', () => {
  test('returns the previous callback (null at first) and can be removed', T, async (t) => {
    const rt = await fresh(t);
    const calls = [];
    const f1 = () => calls.push('f1');
    const f2 = () => calls.push('f2');
    assert.equal(rt.setScheduleCallback(f1), null);
    assert.equal(rt.setScheduleCallback(f2), f1);
    rt.spawn(async () => {});
    await rt.run();
    assert.deepEqual(calls, ['f2', 'f2']);
    assert.equal(rt.setScheduleCallback(null), f2);
    rt.spawn(async () => {});
    await rt.run();
    assert.deepEqual(calls, ['f2', 'f2'], 'no calls once removed');
    assert.equal(rt.setScheduleCallback(f1), null);
  });

  test('called with (prev, next) on every switch, including from a dying tasklet', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const log = [];
    rt.setScheduleCallback((prev, next) => log.push(`${L(prev)}->${L(next)}`));
    L.add(rt.spawn(async () => { log.push('a'); }), 'a');
    L.add(rt.spawn(async () => { log.push('b'); }), 'b');
    await rt.run();
    assert.deepEqual(log, ['main->a', 'a', 'a->b', 'b', 'b->main']);
  });

  test('switches around a channel rendezvous', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const ch = rt.channel();
    const log = [];
    rt.setScheduleCallback((prev, next) => log.push(`${L(prev)}->${L(next)}`));
    L.add(rt.spawn(async () => { log.push('r:wait'); log.push(`r:got ${await ch.receive()}`); }), 'r');
    L.add(rt.spawn(async () => { log.push('s:send'); await ch.send(1); log.push('s:sent'); }), 's');
    await rt.run();
    assert.deepEqual(log, [
      'main->r', 'r:wait', 'r->s', 's:send', 's->r', 'r:got 1', 'r->s', 's:sent', 's->main',
    ]);
  });

  test('round robin with schedule(): one call per real switch', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const log = [];
    rt.setScheduleCallback((prev, next) => log.push(`${L(prev)}->${L(next)}`));
    const body = (n) => async () => { log.push(`${n}1`); await rt.schedule(); log.push(`${n}2`); };
    L.add(rt.spawn(body('a')), 'a');
    L.add(rt.spawn(body('b')), 'b');
    await rt.schedule();
    log.push('m');
    await rt.run();
    assert.deepEqual(log, [
      'main->a', 'a1', 'a->b', 'b1', 'b->main', 'm',
      'main->a', 'a2', 'a->b', 'b2', 'b->main',
    ]);
  });

  test('no call when nothing switches (schedule alone, run with nothing)', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.setScheduleCallback((p, n) => log.push([p, n]));
    await rt.schedule();
    await rt.scheduleRemove();
    await rt.run();
    await rt.main.run();
    await rt.main.switch();
    assert.deepEqual(log, []);
  });

  test('switches to and from C tasklets are reported too', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const a = rt.channel();
    const b = rt.channel();
    const log = [];
    L.add(rt.spawnC('echo', a, b, 1), 'echo');
    rt.setScheduleCallback((prev, next) => log.push(`${L(prev)}->${L(next)}`));
    await a.send(5);
    log.push('sent');
    log.push(`got ${await b.receive()}`);
    await rt.run();
    // main blocks sending -> echo receives (it continues, main appended),
    // echo blocks sending -> main; main receives (continues); run: echo ends
    assert.deepEqual(log, ['main->echo', 'echo->main', 'sent', 'got 6', 'main->echo', 'echo->main']);
  });

  test('the callback gets the same Tasklet objects the user holds, with their names', T, async (t) => {
    const rt = await fresh(t);
    const seen = [];
    rt.setScheduleCallback((prev, next) => seen.push([prev, next, prev.name, next.name]));
    const a = rt.spawn(async function alpha() {});
    const b = rt.spawn(async function beta() {});
    await rt.run();
    // compared as strings: a failing deepEqual on Tasklet objects would
    // try to diff the whole wasm module behind them
    const who = (x) => (x === rt.main ? 'main' : x === a ? 'a' : x === b ? 'b' : `other object (id ${x.id})`);
    assert.deepEqual(seen.map((s) => `${who(s[0])}->${who(s[1])}`), ['main->a', 'a->b', 'b->main'],
      'prev/next are the Tasklet objects the user holds, the dying one included');
    assert.deepEqual(seen.map((s) => `${s[2]}->${s[3]}`), [
      `${rt.main.name}->alpha`, 'alpha->beta', `beta->${rt.main.name}`,
    ], 'a dying tasklet keeps its name');
  });

  test('an exception in the callback is reported and ignored', T, async (t) => {
    const rt = await fresh(t);
    const errors = [];
    const orig = console.error;
    console.error = (...args) => errors.push(args);
    try {
      rt.setScheduleCallback(() => { throw new Error('cb failure'); });
      const log = [];
      rt.spawn(async () => { log.push('a'); await rt.schedule(); log.push('a2'); });
      rt.spawn(async () => { log.push('b'); });
      await rt.run();
      assert.deepEqual(log, ['a', 'b', 'a2']);
      assert.ok(errors.length >= 1);
    } finally {
      console.error = orig;
    }
    rt.setScheduleCallback(null);
    await pingpong(rt);
  });
});

describe('setChannelCallback', () => {
  test('returns the previous callback (null at first)', T, async (t) => {
    const rt = await fresh(t);
    const f1 = () => {};
    const f2 = () => {};
    assert.equal(rt.setChannelCallback(f1), null);
    assert.equal(rt.setChannelCallback(f2), f1);
    assert.equal(rt.setChannelCallback(null), f2);
    assert.equal(rt.setChannelCallback(f1), null);
  });

  test('R16: the PYPY sequence (ch,main,recv,block) (ch,T,send,-) (ch,main,send,block) (ch,T,recv,-)', T, async (t) => {
    const rt = await fresh(t);
    const cb = [];
    const res = [];
    rt.setChannelCallback((chan, task, sending, willblock) => cb.push([chan, task, sending, willblock]));
    const chan = rt.channel();
    const task = rt.spawn(async function f() {
      await chan.send('hello');
      res.push(await chan.receive());
    });
    res.push(await chan.receive());
    await chan.send('world');
    assert.deepEqual(res, ['hello', 'world']);
    assert.equal(cb.length, 4);
    const L = labeler(rt);
    L.add(task, 'T');
    assert.deepEqual(cb.map(([c, tk, s, w]) => [c === chan, L(tk), s, w]), [
      [true, 'main', false, true],
      [true, 'T', true, false],
      [true, 'main', true, true],
      [true, 'T', false, false],
    ]);
    assert.ok(cb[1][1] === task, 'the tasklet argument is the user\'s Tasklet');
    assert.ok(cb[0][1] === rt.main);
  });

  test('called before each operation: the trace interleaves with the bodies', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const ch = rt.channel();
    const log = [];
    rt.setChannelCallback((c, tk, sending, willblock) => log.push(`cb ${L(tk)} ${sending ? 'send' : 'recv'}${willblock ? ' block' : ''}`));
    L.add(rt.spawn(async () => {
      for (let i = 0; i < 2; i++) { log.push(`p${i}`); await ch.send(i); }
    }), 'p');
    L.add(rt.spawn(async () => {
      for (let i = 0; i < 2; i++) log.push(`c${await ch.receive()}`);
    }), 'c');
    await rt.run();
    assert.deepEqual(log, [
      'p0', 'cb p send block',
      'cb c recv', 'c0',
      'cb c recv block',
      'p1', 'cb p send', 'c1',
    ]);
  });

  test('channel ops by C tasklets are reported too', T, async (t) => {
    const rt = await fresh(t);
    const L = labeler(rt);
    const a = rt.channel();
    const b = rt.channel();
    const log = [];
    L.add(rt.spawnC('echo', a, b, 1), 'echo');
    rt.setChannelCallback((c, tk, sending, willblock) => log.push(`${c === a ? 'a' : c === b ? 'b' : '?'} ${L(tk)} ${sending} ${willblock}`));
    await a.send(1);
    assert.equal(await b.receive(), 2);
    assert.deepEqual(log, [
      'a main true true', // echo not blocked yet: main blocks
      'a echo false false', // main waits: echo takes it
      'b echo true true', // nobody receives on b: echo blocks
      'b main false false', // echo waits on b: main takes it
    ]);
  });

  test('an exception in the channel callback is ignored', T, async (t) => {
    const rt = await fresh(t);
    const orig = console.error;
    console.error = () => {};
    try {
      rt.setChannelCallback(() => { throw new Error('cb'); });
      const ch = rt.channel();
      rt.spawn(async () => { await ch.send('v'); });
      assert.equal(await ch.receive(), 'v');
      await rt.run();
    } finally {
      console.error = orig;
    }
    rt.setChannelCallback(null);
    await pingpong(rt);
  });
});

describe('rt.stats', () => {
  test('exact counters through a small scenario', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(counters(rt), { tasklets: 1, runnable: 1, blocked: 0, switches: 0, channelOps: 0 });
    const ch = rt.channel();
    const inside = [];
    rt.spawn(async function r() { await ch.receive(); inside.push(['r after', counters(rt)]); });
    rt.spawn(async function s() { inside.push(['s before', counters(rt)]); await ch.send('x'); inside.push(['s after', counters(rt)]); });
    assert.deepEqual(counters(rt), { tasklets: 3, runnable: 3, blocked: 0, switches: 0, channelOps: 0 });
    await rt.run();
    // main->r (1), r blocks: r->s (2), s sends: s->r (3), r ends: r->s (4), s ends: s->main (5)
    assert.deepEqual(inside, [
      ['s before', { tasklets: 3, runnable: 1, blocked: 1, switches: 2, channelOps: 1 }],
      ['r after', { tasklets: 3, runnable: 2, blocked: 0, switches: 3, channelOps: 2 }],
      ['s after', { tasklets: 2, runnable: 1, blocked: 0, switches: 4, channelOps: 2 }],
    ]);
    assert.deepEqual(counters(rt), { tasklets: 1, runnable: 1, blocked: 0, switches: 5, channelOps: 2 });
  });

  test('a returned stats object is a snapshot; the counters keep moving', T, async (t) => {
    const rt = await fresh(t);
    const before = rt.stats;
    const ch = rt.channel();
    rt.spawn(async () => { await ch.receive(); });
    await rt.run();
    assert.deepEqual(counters(rt), { tasklets: 2, runnable: 1, blocked: 1, switches: 2, channelOps: 1 });
    assert.deepEqual(counters({ stats: before }), { tasklets: 1, runnable: 1, blocked: 0, switches: 0, channelOps: 0 });
    await ch.send(1); // main -> receiver (pref -1), receiver ends -> main
    assert.deepEqual(counters(rt), { tasklets: 1, runnable: 1, blocked: 0, switches: 4, channelOps: 2 });
  });

  test('runnable matches runcount and blocked matches the channel balances', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    for (let i = 0; i < 3; i++) rt.spawn(async () => { await a.receive(); });
    for (let i = 0; i < 2; i++) rt.spawn(async () => { await b.send(i); });
    rt.spawn(async () => {});
    assert.equal(rt.stats.runnable, rt.runcount);
    assert.equal(rt.stats.tasklets, 7);
    await rt.run();
    const s = rt.stats;
    assert.equal(s.runnable, rt.runcount);
    assert.equal(s.runnable, 1);
    assert.equal(s.blocked, 5);
    assert.equal(s.blocked, -a.balance + b.balance);
    assert.equal(s.tasklets, 6);
    assert.equal(s.channelOps, 5);
  });
});

describe('independent runtimes', () => {
  test('two runtimes do not share tasklets, queues, channels or counters', T, async () => {
    const rt1 = await createRuntime();
    const rt2 = await createRuntime();
    try {
      const log = [];
      rt1.spawn(async () => { log.push('one'); });
      rt2.spawn(async () => { log.push('two'); });
      rt2.spawn(async () => { log.push('two b'); });
      assert.equal(rt1.runcount, 2);
      assert.equal(rt2.runcount, 3);
      assert.ok(rt1.main !== rt2.main);
      await rt1.run();
      assert.deepEqual(log, ['one']);
      assert.equal(rt2.runcount, 3);
      assert.equal(rt2.stats.switches, 0);
      await rt2.run();
      assert.deepEqual(log, ['one', 'two', 'two b']);
      assert.equal(rt1.stats.switches, 2);
      assert.equal(rt2.stats.switches, 3);
    } finally {
      rt1.destroy();
      rt2.destroy();
    }
  });

  test('both runtimes can run at the same time, each keeping its own order', T, async () => {
    const rt1 = await createRuntime();
    const rt2 = await createRuntime();
    try {
      const log = [];
      for (const [rt, tag] of [[rt1, 'x'], [rt2, 'y']]) {
        const ch = rt.channel();
        rt.spawn(async () => { for (let i = 0; i < 3; i++) { log.push(`${tag}s${i}`); await ch.send(i); } });
        rt.spawn(async () => { for (let i = 0; i < 3; i++) log.push(`${tag}r${await ch.receive()}`); });
      }
      await within(Promise.all([rt1.run(), rt2.run()]));
      assert.deepEqual(log.filter((e) => e[0] === 'x'), ['xs0', 'xr0', 'xs1', 'xr1', 'xs2', 'xr2']);
      assert.deepEqual(log.filter((e) => e[0] === 'y'), ['ys0', 'yr0', 'ys1', 'yr1', 'ys2', 'yr2']);
      await pingpong(rt1);
      await pingpong(rt2);
    } finally {
      rt1.destroy();
      rt2.destroy();
    }
  });

  test('callbacks belong to one runtime', T, async () => {
    const rt1 = await createRuntime();
    const rt2 = await createRuntime();
    try {
      const calls = [];
      rt1.setScheduleCallback(() => calls.push('s1'));
      rt1.setChannelCallback(() => calls.push('c1'));
      assert.equal(rt2.setScheduleCallback(null), null);
      await pingpong(rt2);
      assert.deepEqual(calls, []);
      rt1.spawn(async () => {});
      await rt1.run();
      assert.deepEqual(calls, ['s1', 's1']);
    } finally {
      rt1.destroy();
      rt2.destroy();
    }
  });

  test('a deadlock or an error in one runtime does not disturb the other', T, async () => {
    const rt1 = await createRuntime();
    const rt2 = await createRuntime();
    try {
      const ch2 = rt2.channel();
      const log = [];
      rt2.spawn(async () => { log.push(`got ${await ch2.receive()}`); });
      await rt2.run();
      await assert.rejects(rt1.channel().receive());
      rt1.spawn(async () => { throw new Error('rt1 only'); });
      await assert.rejects(rt1.run(), /rt1 only/);
      assert.equal(ch2.balance, -1);
      await ch2.send('fine');
      assert.deepEqual(log, ['got fine']);
      await pingpong(rt1);
      await pingpong(rt2);
    } finally {
      rt1.destroy();
      rt2.destroy();
    }
  });

  test('destroying one runtime leaves the other working', T, async () => {
    const rt1 = await createRuntime();
    const rt2 = await createRuntime();
    const ch2 = rt2.channel();
    rt2.spawn(async () => { await ch2.send('still here'); });
    rt1.destroy();
    assert.equal(await ch2.receive(), 'still here');
    await pingpong(rt2);
    rt2.destroy();
  });

  test('creating runtimes does not pile up process-wide listeners', T, async () => {
    const warm = await createRuntime();
    warm.destroy();
    const before = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    const rts = [];
    for (let i = 0; i < 5; i++) rts.push(await createRuntime());
    const after = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    rts.forEach((rt) => rt.destroy());
    assert.deepEqual(after, before, 'each runtime should not add process listeners');
  });
});

describe('destroy', () => {
  test('a blocked tasklet\'s pending operation rejects with StateError', T, async () => {
    const rt = await createRuntime();
    const ch = rt.channel();
    const log = [];
    rt.spawn(async () => {
      try { await ch.receive(); log.push('received'); } catch (e) { log.push(e instanceof StateError ? 'StateError' : String(e)); }
    });
    await rt.run();
    rt.destroy();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(log, ['StateError']);
  });

  test('main\'s pending run() rejects with StateError when destroyed', T, async () => {
    const rt = await createRuntime();
    const ch = rt.channel();
    let destroyedInside = false;
    rt.spawn(async () => {
      rt.destroy();
      destroyedInside = true;
      await assert.rejects(async () => ch.receive(), StateError);
    });
    await assert.rejects(within(rt.run()), StateError);
    assert.equal(destroyedInside, true);
  });

  test('destroy is idempotent and later calls throw StateError', T, async () => {
    const rt = await createRuntime();
    const t = rt.spawn(async () => {});
    rt.destroy();
    rt.destroy();
    assert.throws(() => rt.channel(), StateError);
    assert.throws(() => rt.stats, StateError);
    assert.throws(() => rt.setScheduleCallback(null), StateError);
    assert.throws(() => rt.setChannelCallback(null), StateError);
    assert.throws(() => rt.cTasklets, StateError);
    assert.throws(() => t.scheduled, StateError);
    await assert.rejects(async () => rt.run(), StateError);
  });
});
