// Errors: the exported classes, deadlock (R10), tasklet errors reaching
// run()/main (R5.5, R11), kill/throw (R14), C tasklet failures and
// crashes, misuse (TypeError / RangeError / StateError). After every
// rejected call the runtime must keep working (pingpong).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRuntime, TaskletExit, DeadlockError, ChannelClosedError, StateError,
} from 'stackless-wasm';
import { fresh, pingpong, fails, within, same } from './helpers.mjs';

const T = { timeout: 20000 };

describe('error classes', () => {
  for (const [cls, name] of [
    [TaskletExit, 'TaskletExit'], [DeadlockError, 'DeadlockError'],
    [ChannelClosedError, 'ChannelClosedError'], [StateError, 'StateError'],
  ]) {
    test(`${name} is an exported Error subclass with name ${name}`, T, () => {
      assert.equal(typeof cls, 'function');
      const e = new cls('msg');
      assert.ok(e instanceof cls);
      assert.ok(e instanceof Error);
      assert.equal(e.name, name);
      assert.equal(e.message, 'msg');
      assert.ok(Object.prototype.isPrototypeOf.call(Error.prototype, cls.prototype));
    });
  }

  test('the classes are distinct', T, () => {
    const all = [TaskletExit, DeadlockError, ChannelClosedError, StateError];
    for (const a of all) for (const b of all) {
      if (a !== b) assert.ok(!(new a('x') instanceof b), `${a.name} is not a ${b.name}`);
    }
  });
});

describe('deadlock (R10)', () => {
  test('main receiving with nothing runnable: DeadlockError, then still works', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await assert.rejects(ch.receive(), (e) => e instanceof DeadlockError && /Deadlock/.test(e.message));
    assert.equal(ch.balance, 0, 'main is not left in the channel queue');
    assert.equal(rt.main.blocked, false);
    assert.equal(rt.main.scheduled, true);
    same(rt.current, rt.main);
    assert.equal(rt.runcount, 1);
    await pingpong(rt);
    // the same channel is still usable
    rt.spawn(async () => { await ch.send('ok'); });
    assert.equal(await ch.receive(), 'ok');
  });

  test('main sending with nothing runnable: DeadlockError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await assert.rejects(ch.send(1), (e) => e instanceof DeadlockError && /Deadlock/.test(e.message));
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test('main receiving while the others are all blocked: DeadlockError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const other = rt.channel();
    const a = rt.spawn(async () => { await other.receive(); });
    await rt.run();
    await assert.rejects(ch.receive(), DeadlockError);
    assert.equal(a.blocked, true);
    assert.equal(other.balance, -1);
    await other.send(0);
    await pingpong(rt);
  });

  test('a tasklet blocking last while main is in run(): run returns, it stays blocked', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const a = rt.spawn(async () => {
      log.push('a');
      try { log.push(`a got ${await ch.receive()}`); } catch (e) { log.push(`a ${e.name}`); }
    });
    await rt.run();
    log.push('run returned');
    assert.equal(a.blocked, true);
    await ch.send(1);
    assert.deepEqual(log, ['a', 'run returned', 'a got 1']);
  });

  test('a tasklet blocking last while main waits on a channel gets DeadlockError', T, async (t) => {
    const rt = await fresh(t);
    const mainCh = rt.channel();
    const other = rt.channel();
    const log = [];
    rt.spawn(async function t1() {
      log.push('t1');
      try {
        await other.receive();
        log.push('t1 received');
      } catch (e) {
        log.push(`t1 ${e instanceof DeadlockError ? 'DeadlockError' : e}`);
        assert.match(e.message, /Deadlock/);
      }
      await mainCh.send('from t1');
      log.push('t1 end');
    });
    const v = await mainCh.receive();
    log.push(`main got ${v}`);
    await rt.run();
    assert.deepEqual(log, ['t1', 't1 DeadlockError', 'main got from t1', 't1 end']);
    assert.equal(other.balance, 0);
    assert.equal(mainCh.balance, 0);
    await pingpong(rt);
  });

  test('an uncaught tasklet DeadlockError reaches main blocked on a channel', T, async (t) => {
    const rt = await fresh(t);
    const mainCh = rt.channel();
    const other = rt.channel();
    const log = [];
    rt.spawn(async function t1() {
      log.push('t1');
      await other.receive();
      log.push('not reached');
    });
    await assert.rejects(mainCh.receive(), DeadlockError);
    assert.deepEqual(log, ['t1']);
    assert.equal(mainCh.balance, 0);
    assert.equal(other.balance, 0);
    await pingpong(rt);
  });

  test('the last tasklet ending while main waits on receive: DeadlockError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async () => { log.push('a'); await rt.schedule(); log.push('a end'); });
    await assert.rejects(ch.receive(), (e) => e instanceof DeadlockError && /Deadlock/.test(e.message));
    assert.deepEqual(log, ['a', 'a end']);
    assert.equal(ch.balance, 0);
    assert.equal(rt.main.blocked, false);
    await pingpong(rt);
  });

  test('the last tasklet ending while main waits on send: DeadlockError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async () => { log.push('a'); });
    await assert.rejects(ch.send('x'), DeadlockError);
    assert.deepEqual(log, ['a']);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test('DeadlockError can be caught inside a tasklet that then goes on', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const log = [];
    rt.spawn(async () => {
      for (let i = 0; i < 2; i++) {
        try { await b.receive(); } catch (e) { log.push(e.name); }
      }
      await a.send('done');
    });
    log.push(await a.receive());
    assert.deepEqual(log, ['DeadlockError', 'DeadlockError', 'done']);
  });
});

describe('tasklet errors reach run() / main (R5.5, R11)', () => {
  test('run() rejects with the same error object; other tasklets stay runnable', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('boom');
    const log = [];
    const a = rt.spawn(async function a() { log.push('a'); throw err; });
    const b = rt.spawn(async function b() { log.push('b'); });
    const c = rt.spawn(async function c() { log.push('c'); });
    await assert.rejects(rt.run(), (e) => e === err);
    assert.deepEqual(log, ['a']);
    assert.equal(a.alive, false);
    assert.equal(b.alive, true);
    assert.equal(b.scheduled, true);
    assert.equal(c.scheduled, true);
    same(rt.current, rt.main);
    assert.equal(rt.runcount, 3);
    await rt.run();
    assert.deepEqual(log, ['a', 'b', 'c']);
    await pingpong(rt);
  });

  test('an error after a few switches interrupts run() at once', T, async (t) => {
    const rt = await fresh(t);
    const err = new TypeError('late');
    const log = [];
    rt.spawn(async () => { for (let i = 0; i < 3; i++) { log.push(`a${i}`); await rt.schedule(); } });
    rt.spawn(async () => { log.push('b0'); await rt.schedule(); log.push('b1'); throw err; });
    await assert.rejects(rt.run(), (e) => e === err);
    assert.deepEqual(log, ['a0', 'b0', 'a1', 'b1']);
    await rt.run();
    assert.deepEqual(log, ['a0', 'b0', 'a1', 'b1', 'a2']);
  });

  test('a synchronous throw from a plain function body reaches run()', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('sync');
    rt.spawn(function plain() { throw err; });
    await assert.rejects(rt.run(), (e) => e === err);
    await pingpong(rt);
  });

  test('a non-Error thrown value reaches run() unchanged', T, async (t) => {
    const rt = await fresh(t);
    const thing = { not: 'an error' };
    rt.spawn(async () => { throw thing; });
    await assert.rejects(rt.run(), (e) => e === thing);
    await pingpong(rt);
  });

  test('error while main waits in schedule(): schedule rejects with it', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('in schedule');
    const log = [];
    rt.spawn(async () => { log.push('a'); throw err; });
    rt.spawn(async () => { log.push('b'); });
    await assert.rejects(rt.schedule(), (e) => e === err);
    log.push('main');
    await rt.run();
    assert.deepEqual(log, ['a', 'main', 'b']);
  });

  test('error while main is blocked on receive: receive rejects with it', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('in receive');
    rt.spawn(async () => { throw err; });
    await assert.rejects(ch.receive(), (e) => e === err);
    assert.equal(ch.balance, 0, 'main left the channel queue');
    await pingpong(rt);
  });

  test('error while main waits in t.switch() / t.run(): that call rejects with it', T, async (t) => {
    const rt = await fresh(t);
    const e1 = new Error('during switch');
    const e2 = new Error('during run');
    const a = rt.spawn(async () => { throw e1; });
    await assert.rejects(a.switch(), (e) => e === e1);
    assert.equal(rt.main.scheduled, true, 'main is runnable again');
    const b = rt.spawn(async () => { throw e2; });
    await assert.rejects(b.run(), (e) => e === e2);
    // [main, c] -> c.run(): c yields back to main (run resolves), then dies
    // at its next turn, while main waits in schedule()
    const c = rt.spawn(async () => { await rt.schedule(); throw e1; });
    await c.run();
    await assert.rejects(rt.schedule(), (e) => e === e1);
    await pingpong(rt);
  });

  test('a receiver dying right after main\'s send: the send rejects with its error', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('after receive');
    const log = [];
    rt.spawn(async () => { log.push(`got ${await ch.receive()}`); throw err; });
    await rt.run();
    // preference -1: the receiver runs at once and dies; main's send raises
    await assert.rejects(ch.send(1), (e) => e === err);
    assert.deepEqual(log, ['got 1']);
    await pingpong(rt);
  });

  test('R18: an uncaught sendException kills the receiver and reaches run()', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('via channel');
    const r = rt.spawn(async () => { await ch.receive(); });
    rt.spawn(async () => { await ch.sendException(err); });
    await assert.rejects(rt.run(), (e) => e === err);
    assert.equal(r.alive, false);
    await pingpong(rt);
  });

  test('an uncaught TaskletExit thrown by the tasklet itself is silent', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawn(async () => { log.push('a'); throw new TaskletExit(); });
    rt.spawn(async () => { log.push('b'); });
    await rt.run();
    assert.deepEqual(log, ['a', 'b']);
  });

  test('finally blocks of a dying tasklet run before run() rejects', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('x');
    const log = [];
    rt.spawn(async () => { try { await rt.schedule(); throw err; } finally { log.push('finally'); } });
    await assert.rejects(rt.run(), (e) => { log.push('rejected'); return e === err; });
    assert.deepEqual(log, ['finally', 'rejected']);
  });
});

describe('kill and throw (R14)', () => {
  function blockedVictim(rt, ch, log) {
    return rt.spawn(async function victim() {
      log.push('v:start');
      try {
        await ch.receive();
        log.push('v:received');
      } catch (e) {
        log.push(`v:${e instanceof TaskletExit ? 'TaskletExit' : e.message}`);
        throw e;
      } finally {
        log.push('v:finally');
      }
    });
  }

  test('kill of a blocked tasklet: TaskletExit at its receive, silently', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const v = blockedVictim(rt, ch, log);
    await rt.run();
    assert.equal(ch.balance, -1);
    log.push('m:kill');
    await v.kill();
    log.push('m:after');
    assert.deepEqual(log, ['v:start', 'm:kill', 'v:TaskletExit', 'v:finally', 'm:after']);
    assert.equal(v.alive, false);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test('kill({ pending: true }) of a blocked tasklet: unblocked now, dies when it runs', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const v = blockedVictim(rt, ch, log);
    await rt.run();
    log.push('m:kill');
    await v.kill({ pending: true });
    log.push('m:after');
    assert.equal(v.alive, true);
    assert.equal(v.blocked, false);
    assert.equal(v.scheduled, true);
    assert.equal(ch.balance, 0);
    await rt.run();
    assert.deepEqual(log, ['v:start', 'm:kill', 'm:after', 'v:TaskletExit', 'v:finally']);
    assert.equal(v.alive, false);
  });

  test('throw into a blocked tasklet: its receive rejects with that error', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('thrown');
    const log = [];
    const v = rt.spawn(async () => {
      try { await ch.receive(); } catch (e) { log.push(`v:caught same=${e === err}`); }
      log.push('v:end');
    });
    await rt.run();
    log.push('m:throw');
    await v.throw(err);
    log.push('m:after');
    assert.deepEqual(log, ['m:throw', 'v:caught same=true', 'v:end', 'm:after']);
    assert.equal(ch.balance, 0);
  });

  test('throw into a blocked tasklet that does not catch: throw() rejects with it', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('uncaught');
    const log = [];
    const v = blockedVictim(rt, ch, log);
    await rt.run();
    await assert.rejects(v.throw(err), (e) => e === err);
    assert.deepEqual(log, ['v:start', 'v:uncaught', 'v:finally']);
    assert.equal(v.alive, false);
    await pingpong(rt);
  });

  test('throw({ pending: true }) into a blocked tasklet: raised when it runs', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('later');
    const log = [];
    const v = blockedVictim(rt, ch, log);
    await rt.run();
    await v.throw(err, { pending: true });
    log.push('m:after');
    assert.equal(v.blocked, false);
    assert.equal(ch.balance, 0);
    await assert.rejects(rt.run(), (e) => e === err);
    assert.deepEqual(log, ['v:start', 'm:after', 'v:later', 'v:finally']);
  });

  test('kill of a runnable (started) tasklet: TaskletExit at its schedule()', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const v = rt.spawn(async () => {
      log.push('v1');
      try { await rt.schedule(); log.push('v2'); } catch (e) { log.push(`v:${e.name}`); throw e; }
    });
    await rt.schedule();
    log.push('m:kill');
    assert.equal(v.scheduled, true);
    await v.kill();
    log.push('m:after');
    assert.deepEqual(log, ['v1', 'm:kill', 'v:TaskletExit', 'm:after']);
    assert.equal(v.alive, false);
    assert.equal(rt.runcount, 1);
  });

  test('throw into a runnable tasklet that catches and goes on', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('wake');
    const log = [];
    const v = rt.spawn(async () => {
      log.push('v1');
      try { await rt.schedule(); } catch (e) { log.push(`v:${e.message}`); }
      await rt.schedule();
      log.push('v3');
    });
    await rt.schedule();
    await v.throw(err);
    log.push('m');
    await rt.run();
    assert.deepEqual(log, ['v1', 'v:wake', 'm', 'v3']);
  });

  test('kill({ pending: true }) of a runnable tasklet: it dies at its next turn', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const v = rt.spawn(async () => {
      log.push('v1');
      try { await rt.schedule(); log.push('v2'); } catch (e) { log.push(`v:${e.name}`); throw e; }
    });
    const w = rt.spawn(async () => { log.push('w1'); await rt.schedule(); log.push('w2'); });
    await rt.schedule();
    await v.kill({ pending: true });
    log.push('m');
    await rt.run();
    assert.deepEqual(log, ['v1', 'w1', 'm', 'v:TaskletExit', 'w2']);
    assert.equal(v.alive, false);
    assert.equal(w.alive, false);
  });

  test('kill of a never-started tasklet: its body never runs', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const v = rt.spawn(async () => { log.push('body'); });
    rt.spawn(async () => { log.push('w'); });
    // [main, v, w]: switching to v rotates the ring to [v, w, main] (as
    // t.run() does, R12), so w runs before main resumes
    await v.kill();
    log.push('m:after');
    assert.equal(v.alive, false);
    await rt.run();
    assert.deepEqual(log, ['w', 'm:after']);
  });

  test('kill({ pending: true }) of a never-started tasklet: dies before its body', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const v = rt.spawn(async () => { log.push('body'); });
    rt.spawn(async () => { log.push('w'); });
    await v.kill({ pending: true });
    assert.equal(v.alive, true);
    log.push('m');
    await rt.run();
    assert.deepEqual(log, ['m', 'w']);
    assert.equal(v.alive, false);
  });

  test('throw into a never-started tasklet: body skipped, throw() rejects with it', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('early');
    const log = [];
    const v = rt.spawn(async () => { log.push('body'); });
    await assert.rejects(v.throw(err), (e) => e === err);
    assert.equal(v.alive, false);
    assert.deepEqual(log, []);
    await pingpong(rt);
  });

  test('throw({ pending: true }) into a never-started tasklet: run() rejects, body skipped', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('early pending');
    const log = [];
    const v = rt.spawn(async () => { log.push('body'); });
    await v.throw(err, { pending: true });
    await assert.rejects(rt.run(), (e) => e === err);
    assert.deepEqual(log, []);
    assert.equal(v.alive, false);
  });

  test('kill of a paused (removed) tasklet', T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const v = rt.spawn(async () => {
      log.push('v1');
      try { await rt.scheduleRemove(); } catch (e) { log.push(`v:${e.name}`); throw e; }
    });
    await rt.run();
    assert.equal(v.paused, true);
    await v.kill();
    assert.deepEqual(log, ['v1', 'v:TaskletExit']);
    assert.equal(v.alive, false);
  });

  test('kill from another tasklet: the killer resumes right after the victim', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const v = blockedVictim(rt, ch, log);
    await rt.run();
    rt.spawn(async function killer() { log.push('k:kill'); await v.kill(); log.push('k:after'); });
    rt.spawn(async function other() { log.push('o'); });
    await rt.run();
    assert.deepEqual(log, ['v:start', 'k:kill', 'v:TaskletExit', 'v:finally', 'k:after', 'o']);
  });

  test('a tasklet that catches TaskletExit keeps running', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const v = rt.spawn(async () => {
      try { await ch.receive(); } catch (e) { log.push(`caught ${e.name}`); }
      log.push(`v got ${await ch.receive()}`);
    });
    await rt.run();
    await v.kill();
    assert.equal(v.alive, true);
    assert.equal(v.blocked, true);
    await ch.send('again');
    assert.deepEqual(log, ['caught TaskletExit', 'v got again']);
  });

  test('throw(err) with a TaskletExit instance: that object is raised, death is silent', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const exit = new TaskletExit('custom exit');
    const log = [];
    const v = rt.spawn(async () => {
      try { await ch.receive(); } catch (e) { log.push(`same=${e === exit} ${e.message}`); throw e; }
    });
    await rt.run();
    await v.throw(exit);
    assert.deepEqual(log, ['same=true custom exit']);
    assert.equal(v.alive, false);
    await pingpong(rt);
  });

  test('sendException(err) with a TaskletExit instance: the receiver gets that object', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const exit = new TaskletExit('sent exit');
    const log = [];
    rt.spawn(async () => {
      try { await ch.receive(); } catch (e) { log.push(`same=${e === exit} ${e.message}`); throw e; }
    });
    await rt.run();
    await ch.sendException(exit);
    await rt.run();
    assert.deepEqual(log, ['same=true sent exit']);
    await pingpong(rt);
  });

  test('kill or throw of the current tasklet raises at once in the caller', T, async (t) => {
    const rt = await fresh(t);
    const err = new Error('self');
    const log = [];
    rt.spawn(async () => {
      try { await rt.current.throw(err); log.push('no'); } catch (e) { log.push(`throw: same=${e === err}`); }
      try { await rt.current.kill(); log.push('no'); } catch (e) { log.push(`kill: ${e instanceof TaskletExit}`); }
    });
    await rt.run();
    assert.deepEqual(log, ['throw: same=true', 'kill: true']);
    await assert.rejects(rt.main.throw(err), (e) => e === err);
    await pingpong(rt);
  });

  test('kill of a dead tasklet is a no-op; throw to a dead tasklet is a StateError', T, async (t) => {
    const rt = await fresh(t);
    const v = rt.spawn(async () => {});
    await rt.run();
    assert.equal(v.alive, false);
    assert.equal(await v.kill(), undefined);
    await v.kill({ pending: true });
    await assert.rejects(v.throw(new Error('dead')), StateError);
    await assert.rejects(v.throw(new Error('dead'), { pending: true }), StateError);
    const unbound = rt.tasklet(async () => {});
    await unbound.kill();
    await assert.rejects(unbound.throw(new Error('never set up')), StateError);
    await pingpong(rt);
  });
});

describe('C tasklet failures', () => {
  test("a C 'fail' tasklet's error reaches run()", T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    rt.spawnC('fail', -1005, 7);
    rt.spawn(async () => { log.push('after'); });
    await assert.rejects(rt.run(), (e) => e instanceof Error && /-1005/.test(`${e.message} ${e.code}`));
    assert.deepEqual(log, [], 'run() rejects at once');
    await rt.run();
    assert.deepEqual(log, ['after']);
    await pingpong(rt);
  });

  test("a C 'fail' error reaches main blocked on a receive", T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    rt.spawnC('fail', -1007, 1);
    await assert.rejects(ch.receive(), (e) => e instanceof Error && /-1007/.test(`${e.message} ${e.code}`));
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test("a C 'crash' tasklet: run() rejects and the runtime keeps working", T, async (t) => {
    const rt = await fresh(t);
    const log = [];
    const c = rt.spawnC('crash');
    rt.spawn(async () => { log.push('js after crash'); });
    await assert.rejects(rt.run(), Error);
    assert.equal(c.alive, false);
    await rt.run();
    assert.deepEqual(log, ['js after crash']);
    await pingpong(rt);
    // echo still works, too
    const a = rt.channel();
    const b = rt.channel();
    rt.spawnC('echo', a, b, 1);
    await a.send(1);
    assert.equal(await b.receive(), 2);
  });

  test("a C 'crash' while main waits on a channel rejects main's op", T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    rt.spawnC('crash');
    await assert.rejects(ch.receive(), Error);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test("a C 'crash' after a blocked C tasklet: the blocked one survives", T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    rt.spawnC('echo', a, b, 1);
    await rt.run();
    rt.spawnC('crash');
    await assert.rejects(rt.run(), Error);
    await a.send(10);
    assert.equal(await b.receive(), 11);
    await pingpong(rt);
  });

  test('throw into a blocked C tasklet: it dies, throw() rejects with the same error', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const c = rt.spawnC('echo', a, b);
    await rt.run();
    const err = new Error('into C');
    await assert.rejects(c.throw(err), (e) => e === err);
    assert.equal(c.alive, false);
    assert.equal(a.balance, 0);
    await pingpong(rt);
  });

  test('sendException to a blocked C receiver: it dies and the error reaches main', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const c = rt.spawnC('echo', a, b);
    await rt.run();
    const err = new Error('exception for C');
    // preference -1: the C receiver runs at once, does not handle it, dies
    await assert.rejects(a.sendException(err), (e) => e === err);
    assert.equal(c.alive, false);
    await pingpong(rt);
  });

  test('kill of a blocked C tasklet', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const c = rt.spawnC('echo', a, b);
    await rt.run();
    await c.kill();
    assert.equal(c.alive, false);
    assert.equal(a.balance, 0);
    await pingpong(rt);
  });

  test('a deep C tasklet can be killed while blocked', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const d = rt.spawnC('deep', ch, 50);
    await rt.run();
    assert.equal(ch.balance, -1);
    await d.kill();
    assert.equal(ch.balance, 0);
    assert.equal(d.alive, false);
    await pingpong(rt);
  });
});

describe('misuse', () => {
  test('TypeError for wrong argument types', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await fails(() => rt.tasklet(42), TypeError);
    await fails(() => rt.tasklet('fn'), TypeError);
    await fails(() => rt.spawn(42), TypeError);
    await fails(() => rt.spawn(), TypeError);
    await fails(() => { ch.preference = 'x'; }, TypeError);
    await fails(() => { ch.preference = 0.5; }, TypeError);
    await fails(() => rt.run({ ticks: 'a' }), TypeError);
    await fails(() => rt.run(5), TypeError);
    await fails(() => rt.spawnC(42), TypeError);
    await fails(() => rt.spawnC('echo', ch, 'b'), TypeError);
    await fails(() => rt.setScheduleCallback(42), TypeError);
    await fails(() => rt.setChannelCallback('x'), TypeError);
    await fails(() => rt.tasklet().bind(7), TypeError);
    assert.equal(ch.preference, -1);
    assert.equal(rt.runcount, 1);
    await pingpong(rt);
  });

  test('RangeError for wrong argument values', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await fails(() => { ch.preference = 5; }, RangeError);
    await fails(() => { ch.preference = -2; }, RangeError);
    await fails(() => rt.run({ ticks: 0 }), RangeError);
    await fails(() => rt.run({ ticks: -3 }), RangeError);
    await fails(() => rt.spawnC('no-such-tasklet'), RangeError);
    await fails(() => rt.spawnC('echo', ch, 2n ** 64n), RangeError);
    assert.equal(ch.preference, -1);
    await pingpong(rt);
  });

  test('StateError: switch to a blocked tasklet', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const v = rt.spawn(async () => { await ch.receive(); });
    await rt.run();
    await assert.rejects(v.switch(), StateError);
    assert.equal(v.blocked, true);
    assert.equal(rt.main.scheduled, true);
    await ch.send(1);
    await pingpong(rt);
  });

  test('StateError: run a dead tasklet', T, async (t) => {
    const rt = await fresh(t);
    const v = rt.spawn(async () => {});
    await rt.run();
    await assert.rejects(v.run(), StateError);
    await pingpong(rt);
  });

  test('StateError: remove the current tasklet (main, or inside a tasklet)', T, async (t) => {
    const rt = await fresh(t);
    await fails(() => rt.main.remove(), StateError);
    assert.equal(rt.main.scheduled, true);
    const log = [];
    rt.spawn(async () => {
      try { rt.current.remove(); log.push('removed'); } catch (e) { log.push(e.name); }
      await rt.schedule();
      log.push('still runs');
    });
    await rt.run();
    assert.deepEqual(log, ['StateError', 'still runs']);
    await pingpong(rt);
  });

  test('StateError: a second concurrent blocking call from main', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async function sender() { log.push('sender'); await ch.send('x'); log.push('sender done'); });
    const p1 = ch.receive();
    // main's further calls, made while p1 is pending, must be refused (and
    // not be performed on behalf of the tasklet that is current now)
    const more = [within(ch.receive()), within(rt.schedule()), within(rt.run())];
    for (const r of await Promise.allSettled(more)) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.reason instanceof StateError, String(r.reason));
    }
    assert.equal(await within(p1), 'x');
    await within(rt.run());
    assert.deepEqual(log, ['sender', 'sender done']);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test('StateError: a second concurrent call while main waits in run()', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async function a() { log.push('a1'); await rt.schedule(); log.push('a2'); });
    const p1 = rt.run();
    await assert.rejects(within(ch.send(1)), StateError);
    await within(p1);
    assert.deepEqual(log, ['a1', 'a2']);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });

  test('StateError: a channel operation inside a channel callback', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const other = rt.channel();
    const inner = [];
    rt.setChannelCallback(() => {
      rt.setChannelCallback(null); // only the first call
      inner.push(other.send('nested'));
    });
    rt.spawn(async () => { await ch.send('outer'); });
    assert.equal(await ch.receive(), 'outer');
    assert.equal(inner.length, 1);
    await assert.rejects(within(inner[0]), StateError);
    assert.equal(other.balance, 0);
    await rt.run();
    await pingpong(rt);
  });

  test('use after rt.destroy() is a StateError', T, async () => {
    const rt = await createRuntime();
    const ch = rt.channel();
    const tk = rt.spawn(async () => {});
    rt.destroy();
    await fails(() => rt.spawn(async () => {}), StateError);
    await fails(() => rt.tasklet(), StateError);
    await fails(() => rt.channel(), StateError);
    await fails(() => rt.run(), StateError);
    await fails(() => rt.schedule(), StateError);
    await fails(() => rt.current, StateError);
    await fails(() => rt.main, StateError);
    await fails(() => rt.runcount, StateError);
    await fails(() => rt.stats, StateError);
    await fails(() => rt.spawnC('echo', 1, 2), StateError);
    await fails(() => ch.send(1), StateError);
    await fails(() => ch.receive(), StateError);
    await fails(() => ch.balance, StateError);
    await fails(() => ch.close(), StateError);
    await fails(() => tk.alive, StateError);
    await fails(() => tk.run(), StateError);
    await fails(() => tk.kill(), StateError);
    rt.destroy(); // twice is harmless
    // a new runtime is unaffected
    const rt2 = await createRuntime();
    await pingpong(rt2);
    rt2.destroy();
  });

  test('after every kind of rejected call the runtime still works', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const dead = rt.spawn(async () => {});
    await rt.run();
    const attempts = [
      () => ch.receive(), // deadlock
      () => dead.run(),
      () => dead.switch(),
      () => dead.throw(new Error('x')),
      () => rt.run({ ticks: 0 }),
      () => rt.tasklet(1),
      () => rt.main.remove(),
      () => { ch.close(); return ch.send(1).finally(() => ch.open()); },
    ];
    for (const f of attempts) {
      await assert.rejects(async () => f());
      await pingpong(rt);
    }
  });
});
