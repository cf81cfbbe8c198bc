// Channels: queue order and balance, preference / scheduleAll (R7, R8),
// sendException (R18), sendSequence, close (R17), queue, async iteration,
// value transport (JS <-> JS, JS <-> C) and many blocked tasklets.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelClosedError, DeadlockError } from 'stackless-wasm';
import { fresh, pingpong, fails, same } from './helpers.mjs';

const T = { timeout: 30000 };

describe('queue order and balance (R7)', () => {
  test('a new channel: balance 0, preference -1, not scheduleAll, open, empty', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    assert.equal(ch.balance, 0);
    assert.equal(ch.preference, -1);
    assert.equal(ch.scheduleAll, false);
    assert.equal(ch.closing, false);
    assert.equal(ch.closed, false);
    same(ch.queue, null);
  });

  test('blocked receivers are served FIFO, balance counts them', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const rs = [0, 1, 2].map((i) => rt.spawn(async () => {
      log.push(`r${i} waits`);
      const v = await ch.receive();
      log.push(`r${i} got ${v}`);
    }));
    await rt.run();
    assert.deepEqual(log, ['r0 waits', 'r1 waits', 'r2 waits']);
    assert.equal(ch.balance, -3);
    same(ch.queue, rs[0]);
    const steps = [];
    for (const v of ['a', 'b', 'c']) {
      await ch.send(v);
      steps.push([ch.balance, ch.queue === null ? null : rs.indexOf(ch.queue)]);
    }
    assert.deepEqual(log, ['r0 waits', 'r1 waits', 'r2 waits', 'r0 got a', 'r1 got b', 'r2 got c']);
    assert.deepEqual(steps, [[-2, 1], [-1, 2], [0, null]]);
  });

  test('blocked senders are served FIFO, balance counts them', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const ss = [0, 1, 2].map((i) => rt.spawn(async () => {
      log.push(`s${i}>`);
      await ch.send(`v${i}`);
      log.push(`s${i}<`);
    }));
    await rt.run();
    assert.equal(ch.balance, 3);
    same(ch.queue, ss[0]);
    assert.ok(ss.every((s) => s.blocked));
    const got = [];
    for (let i = 0; i < 3; i++) {
      got.push(await ch.receive());
      got.push(ch.balance);
    }
    // preference -1: the receiver (main) continues, the senders are queued
    assert.deepEqual(got, ['v0', 2, 'v1', 1, 'v2', 0]);
    assert.deepEqual(log, ['s0>', 's1>', 's2>']);
    assert.ok(ss.every((s) => !s.blocked && s.scheduled));
    await rt.run();
    assert.deepEqual(log, ['s0>', 's1>', 's2>', 's0<', 's1<', 's2<']);
  });

  test('blocked tasklets are blocked and scheduled, and main sees the queue head', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const a = rt.spawn(async () => { await ch.receive(); });
    const b = rt.spawn(async () => { await ch.receive(); });
    await rt.run();
    for (const x of [a, b]) {
      assert.equal(x.blocked, true);
      assert.equal(x.scheduled, true);
      assert.equal(x.paused, false);
      assert.equal(x.alive, true);
    }
    assert.equal(rt.runcount, 1);
    same(ch.queue, a);
    await ch.send(1);
    same(ch.queue, b);
    assert.equal(a.alive, false);
    await ch.send(2);
    same(ch.queue, null);
  });
});

describe('R8: preference and scheduleAll', () => {
  async function producerConsumer(rt, configure) {
    const ch = rt.channel();
    configure(ch);
    const log = [];
    rt.spawn(async function producer() {
      for (let i = 0; i < 10; i++) {
        log.push(`s${i}`);
        await ch.send(i);
      }
    });
    rt.spawn(async function consumer() {
      for (let i = 0; i < 10; i++) {
        const v = await ch.receive();
        log.push(`r${v}`);
      }
    });
    await rt.run();
    assert.equal(ch.balance, 0);
    return log.join(' ');
  }

  test('preference -1 (default): s0 r0 s1 r1 ... s9 r9', T, async (t) => {
    const rt = await fresh(t);
    const got = await producerConsumer(rt, () => {});
    const want = [];
    for (let i = 0; i < 10; i++) want.push(`s${i}`, `r${i}`);
    assert.equal(got, want.join(' '));
  });

  test('preference 0: s0 r0 s1 s2 r1 r2 s3 s4 r3 r4 ... s9 r9', T, async (t) => {
    const rt = await fresh(t);
    const got = await producerConsumer(rt, (ch) => { ch.preference = 0; });
    assert.equal(got, 's0 r0 s1 s2 r1 r2 s3 s4 r3 r4 s5 s6 r5 r6 s7 s8 r7 r8 s9 r9');
  });

  test('preference 1: s0 s1 r0 s2 r1 s3 r2 ... s9 r8 r9', T, async (t) => {
    const rt = await fresh(t);
    const got = await producerConsumer(rt, (ch) => { ch.preference = 1; });
    assert.equal(got, 's0 s1 r0 s2 r1 s3 r2 s4 r3 s5 r4 s6 r5 s7 r6 s8 r7 s9 r8 r9');
  });

  test('preference is settable and readable', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    for (const p of [1, 0, -1, 1]) {
      ch.preference = p;
      assert.equal(ch.preference, p);
    }
  });

  // One operation by main with a partner waiting and one other runnable
  // tasklet `o`: who runs next (R8 table).
  async function oneSend(rt, configure) {
    const ch = rt.channel();
    configure(ch);
    const log = [];
    rt.spawn(async function receiver() { log.push(`r:${await ch.receive()}`); });
    await rt.run(); // receiver blocks
    rt.spawn(async function other() { log.push('o'); });
    await ch.send('v');
    log.push('m');
    await rt.run();
    return log;
  }
  async function oneReceive(rt, configure) {
    const ch = rt.channel();
    configure(ch);
    const log = [];
    rt.spawn(async function sender() { await ch.send('v'); log.push('s:after'); });
    await rt.run(); // sender blocks
    rt.spawn(async function other() { log.push('o'); });
    log.push(`m:${await ch.receive()}`);
    await rt.run();
    return log;
  }

  test('send, preference -1: the receiver runs at once, the sender goes last', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneSend(rt, () => {}), ['r:v', 'o', 'm']);
  });
  test('send, preference 0: the sender continues, the receiver is appended', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneSend(rt, (ch) => { ch.preference = 0; }), ['m', 'o', 'r:v']);
  });
  test('send, preference 1: the sender continues, the receiver is appended', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneSend(rt, (ch) => { ch.preference = 1; }), ['m', 'o', 'r:v']);
  });
  test('receive, preference -1: the receiver continues, the sender is appended', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneReceive(rt, () => {}), ['m:v', 'o', 's:after']);
  });
  test('receive, preference 0: the receiver continues, the sender is appended', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneReceive(rt, (ch) => { ch.preference = 0; }), ['m:v', 'o', 's:after']);
  });
  test('receive, preference 1: the sender runs at once, the receiver goes last', T, async (t) => {
    const rt = await fresh(t);
    assert.deepEqual(await oneReceive(rt, (ch) => { ch.preference = 1; }), ['s:after', 'o', 'm:v']);
  });

  test('scheduleAll: both sides rescheduled, the next in line runs (send)', T, async (t) => {
    const rt = await fresh(t);
    for (const pref of [-1, 0, 1]) {
      const log = await oneSend(rt, (ch) => { ch.preference = pref; ch.scheduleAll = true; });
      assert.deepEqual(log, ['o', 'r:v', 'm'], `preference ${pref}`);
    }
  });

  test('scheduleAll: both sides rescheduled, the next in line runs (receive)', T, async (t) => {
    const rt = await fresh(t);
    for (const pref of [-1, 0, 1]) {
      const log = await oneReceive(rt, (ch) => { ch.preference = pref; ch.scheduleAll = true; });
      assert.deepEqual(log, ['o', 's:after', 'm:v'], `preference ${pref}`);
    }
  });

  test('scheduleAll is settable and readable', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.scheduleAll = true;
    assert.equal(ch.scheduleAll, true);
    ch.scheduleAll = false;
    assert.equal(ch.scheduleAll, false);
  });

  test('scheduleAll with a lone partner: the partner runs, then the caller', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.scheduleAll = true;
    const log = [];
    rt.spawn(async () => { log.push(`r:${await ch.receive()}`); });
    await rt.run();
    await ch.send(1);
    log.push('m');
    assert.deepEqual(log, ['r:1', 'm']);
  });
});

describe('sendException (R18)', () => {
  test('a blocked receiver rejects with that exact error object', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new RangeError('through the channel');
    const log = [];
    rt.spawn(async function r() {
      try {
        await ch.receive();
        log.push('no error');
      } catch (e) {
        log.push(`caught same=${e === err}`);
      }
    });
    await rt.run();
    log.push('send');
    await ch.sendException(err);
    log.push('sent');
    assert.deepEqual(log, ['send', 'caught same=true', 'sent']);
    assert.equal(ch.balance, 0);
  });

  test('a blocked sendException makes the later receive reject', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('later');
    const log = [];
    rt.spawn(async () => { log.push('s>'); await ch.sendException(err); log.push('s<'); });
    await rt.run();
    assert.equal(ch.balance, 1);
    await assert.rejects(ch.receive(), (e) => e === err);
    assert.equal(ch.balance, 0);
    await rt.run();
    assert.deepEqual(log, ['s>', 's<']);
  });

  test('non-Error values can be sent as exceptions', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const thing = { code: 7 };
    rt.spawn(async () => { await ch.sendException(thing); });
    await assert.rejects(ch.receive(), (e) => e === thing);
    await rt.run();
  });

  test('sendException then ordinary values keep their order', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const err = new Error('middle');
    rt.spawn(async () => {
      await ch.send(1);
      await ch.sendException(err);
      await ch.send(3);
    });
    const got = [];
    for (let i = 0; i < 3; i++) {
      try { got.push(await ch.receive()); } catch (e) { got.push(e === err ? 'err' : e); }
    }
    assert.deepEqual(got, [1, 'err', 3]);
    await rt.run();
  });
});

describe('sendSequence', () => {
  test('resolves the count and delivers in order', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async () => {
      for (;;) {
        const v = await ch.receive();
        log.push(`r:${v}`);
      }
    });
    await rt.run();
    log.push('seq');
    const n = await ch.sendSequence(['a', 'b', 'c']);
    log.push(`n=${n}`);
    assert.equal(n, 3);
    assert.deepEqual(log, ['seq', 'r:a', 'r:b', 'r:c', 'n=3']);
    assert.equal(ch.balance, -1);
  });

  test('from a tasklet to main, and generators / empty iterables', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    function* gen() { yield 10; yield 20; yield 30; }
    rt.spawn(async () => {
      log.push(`n=${await ch.sendSequence(gen())}`);
      log.push(`empty=${await ch.sendSequence([])}`);
    });
    const got = [await ch.receive(), await ch.receive(), await ch.receive()];
    assert.deepEqual(got, [10, 20, 30]);
    await rt.run();
    assert.deepEqual(log, ['n=3', 'empty=0']);
  });

  test('a non-iterable is a TypeError and the runtime keeps working', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    await fails(() => ch.sendSequence(42), TypeError);
    await fails(() => ch.sendSequence(null), TypeError);
    assert.equal(ch.balance, 0);
    await pingpong(rt);
  });
});

describe('close / open (R17)', () => {
  test('close on an idle channel: closing and closed; blocking ops reject', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.close();
    assert.equal(ch.closing, true);
    assert.equal(ch.closed, true);
    rt.spawn(async () => {}); // something runnable, so this is not a deadlock
    await assert.rejects(ch.receive(), ChannelClosedError);
    await assert.rejects(ch.send(1), ChannelClosedError);
    assert.equal(ch.balance, 0);
    same(rt.current, rt.main);
    ch.open();
    assert.equal(ch.closing, false);
    assert.equal(ch.closed, false);
    rt.spawn(async () => { await ch.send('after open'); });
    assert.equal(await ch.receive(), 'after open');
    await rt.run();
    await pingpong(rt);
  });

  test('a closing channel rejects a would-block op even with nothing runnable', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.close();
    await assert.rejects(ch.receive(), ChannelClosedError);
    await assert.rejects(ch.send(0), ChannelClosedError);
    await pingpong(rt);
  });

  test('a tasklet blocking on a closing channel gets ChannelClosedError', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.close();
    const log = [];
    rt.spawn(async () => {
      try { await ch.receive(); } catch (e) { log.push(e instanceof ChannelClosedError ? 'closed' : String(e)); }
      try { await ch.send(1); } catch (e) { log.push(e instanceof ChannelClosedError ? 'closed' : String(e)); }
    });
    await rt.run();
    assert.deepEqual(log, ['closed', 'closed']);
  });

  test('close wakes nobody; a partner-waiting op still completes; then closed', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    const rs = [0, 1].map((i) => rt.spawn(async () => { log.push(`r${i}:${await ch.receive()}`); }));
    await rt.run();
    ch.close();
    assert.equal(ch.closing, true);
    assert.equal(ch.closed, false, 'receivers still wait');
    await rt.run();
    assert.deepEqual(log, [], 'close wakes no one');
    assert.ok(rs.every((r) => r.blocked));
    await ch.send('x');
    assert.equal(ch.closed, false);
    await ch.send('y');
    assert.equal(ch.closed, true);
    assert.deepEqual(log, ['r0:x', 'r1:y']);
    await assert.rejects(ch.send('z'), ChannelClosedError);
    assert.equal(ch.closed, true);
  });

  test('receive from a closing channel with a waiting sender succeeds', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    rt.spawn(async () => { await ch.send('last'); });
    await rt.run();
    ch.close();
    assert.equal(ch.closed, false);
    assert.equal(await ch.receive(), 'last');
    assert.equal(ch.closed, true);
    await rt.run();
  });
});

describe('ch.queue', () => {
  test('the first blocked tasklet, then the next one, then null', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    same(ch.queue, null);
    const a = rt.spawn(async () => { await ch.send(1); });
    const b = rt.spawn(async () => { await ch.send(2); });
    await rt.run();
    same(ch.queue, a);
    assert.equal(await ch.receive(), 1);
    same(ch.queue, b);
    assert.equal(await ch.receive(), 2);
    same(ch.queue, null);
    await rt.run();
  });

  test('main blocked on a channel is its queue head', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    let info;
    rt.spawn(async () => {
      info = [ch.queue === rt.main, ch.balance, rt.main.blocked, rt.main.scheduled, rt.main.paused];
      await ch.send(1);
    });
    assert.equal(await ch.receive(), 1);
    assert.deepEqual(info, [true, -1, true, true, false]);
    assert.equal(rt.main.blocked, false);
  });

  test('a C tasklet in the queue is reported with its id', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const c = rt.spawnC('echo', a, b, 1);
    await rt.run();
    assert.notEqual(a.queue, null);
    assert.equal(a.queue.id, c.id);
    assert.equal(a.queue.blocked, true);
    await a.send(1);
    assert.equal(b.queue.id, c.id);
    assert.equal(await b.receive(), 2);
    same(a.queue, null);
    await rt.run();
  });
});

describe('for await (const v of ch)', () => {
  test('receives until closed; the producer closes before its last send', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const log = [];
    rt.spawn(async function producer() {
      for (let i = 0; i < 3; i++) {
        if (i === 2) ch.close();
        log.push(`s${i}`);
        await ch.send(i);
      }
      log.push('producer done');
    });
    for await (const v of ch) log.push(`r${v}`);
    log.push('loop done');
    await rt.run();
    assert.deepEqual(log, ['s0', 'r0', 's1', 'r1', 's2', 'r2', 'loop done', 'producer done']);
  });

  test('drains blocked senders of a closed channel, then stops', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    for (const v of ['a', 'b', 'c']) rt.spawn(async () => { await ch.send(v); });
    await rt.run();
    assert.equal(ch.balance, 3);
    ch.close();
    const got = [];
    for await (const v of ch) got.push(v);
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.equal(ch.closed, true);
    await rt.run();
  });

  test('a closed channel with no senders yields nothing', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    ch.close();
    const got = [];
    for await (const v of ch) got.push(v);
    assert.deepEqual(got, []);
  });

  test('inside a tasklet, fed by main', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const got = [];
    const c = rt.spawn(async () => {
      for await (const v of ch) got.push(v);
      got.push('end');
    });
    await rt.run();
    await ch.send(1);
    await ch.send(2);
    ch.close();
    await ch.send(3); // a receiver waits: still delivered
    assert.deepEqual(got, [1, 2, 3, 'end']);
    assert.equal(c.alive, false);
  });
});

describe('values JS -> JS', () => {
  const obj = { a: 1 };
  const arr = [1, 'two', { three: 3 }];
  const fn = function f() { return 1; };
  const sym = Symbol('s');
  const cases = [
    ['object', obj], ['array', arr], ['function', fn], ['symbol', sym],
    ['-0', -0], ['0', 0], ['NaN', NaN], ['1.5', 1.5], ['-1', -1],
    ['Infinity', Infinity], ['-Infinity', -Infinity],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER], ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER],
    ['2**53', 2 ** 53], ['2**53+2', 2 ** 53 + 2], ['2**64', 2 ** 64], ['1e300', 1e300],
    ['-2**31', -(2 ** 31)], ['2**32', 2 ** 32], ['5e-324', 5e-324],
    ['string', 'hello'], ['empty string', ''], ['unicode', 'héllo ✓ 😀'],
    ['undefined', undefined], ['null', null], ['true', true], ['false', false],
    ['0n', 0n], ['5n', 5n], ['-1n', -1n], ['2n**40n', 2n ** 40n], ['2n**63n-1n', 2n ** 63n - 1n],
    ['-(2n**63n)', -(2n ** 63n)], ['2n**64n', 2n ** 64n], ['2n**70n', 2n ** 70n], ['-(2n**70n)', -(2n ** 70n)],
    ['Map', new Map([[1, 2]])], ['Date', new Date(0)], ['Error', new Error('value, not thrown')],
    ['Uint8Array', new Uint8Array([1, 2, 3])],
  ];

  test('main -> tasklet: every value arrives unchanged (Object.is)', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const got = [];
    rt.spawn(async () => {
      for (let i = 0; i < cases.length; i++) got.push(await ch.receive());
    });
    for (const [, v] of cases) await ch.send(v);
    assert.equal(got.length, cases.length);
    cases.forEach(([name, v], i) => {
      assert.ok(Object.is(got[i], v), `${name}: got ${String(got[i])} (${typeof got[i]})`);
    });
  });

  test('tasklet -> main: every value arrives unchanged (Object.is)', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    rt.spawn(async () => { for (const [, v] of cases) await ch.send(v); });
    for (const [name, v] of cases) {
      const g = await ch.receive();
      assert.ok(Object.is(g, v), `${name}: got ${String(g)} (${typeof g})`);
    }
    await rt.run();
  });

  test('tasklet -> tasklet with blocked senders (values wait in the queue)', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    for (const [, v] of cases) rt.spawn(async () => { await ch.send(v); });
    await rt.run();
    assert.equal(ch.balance, cases.length);
    const got = [];
    rt.spawn(async () => { for (let i = 0; i < cases.length; i++) got.push(await ch.receive()); });
    await rt.run();
    cases.forEach(([name, v], i) => assert.ok(Object.is(got[i], v), name));
  });

  test('bigints stay bigints and numbers stay numbers', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    rt.spawn(async () => { for (const v of [7n, 7, 0n, 0, -3n, -3]) await ch.send(v); });
    const got = [];
    for (let i = 0; i < 6; i++) got.push(await ch.receive());
    assert.deepEqual(got.map((v) => typeof v), ['bigint', 'number', 'bigint', 'number', 'bigint', 'number']);
    assert.deepEqual(got, [7n, 7, 0n, 0, -3n, -3]);
  });

  test('the same object sent twice stays identical', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const o = {};
    rt.spawn(async () => { await ch.send(o); await ch.send(o); });
    const a = await ch.receive();
    const b = await ch.receive();
    assert.equal(a, o);
    assert.equal(b, o);
  });
});

describe('values through C tasklets', () => {
  test('echo adds 1 to numbers: 41 -> 42', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    rt.spawnC('echo', a, b);
    const got = [];
    for (const v of [41, 0, -1, -5, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53 - 2]) {
      await a.send(v);
      got.push(await b.receive());
    }
    assert.deepEqual(got, [42, 1, 0, -4, 2 ** 31, -(2 ** 31) + 1, 2 ** 32 + 1, 2 ** 53 - 1]);
    assert.ok(got.every((v) => typeof v === 'number'), 'results in the safe range decode as numbers');
  });

  test('echo on BigInts: 64-bit values, results decoded by size', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    rt.spawnC('echo', a, b);
    const inputs = [2n ** 40n, -(2n ** 40n), 2n ** 60n, -(2n ** 62n), 2n ** 63n - 2n, -(2n ** 63n)];
    const got = [];
    for (const v of inputs) {
      await a.send(v);
      got.push(await b.receive());
    }
    // every result equals input + 1 as a 64-bit integer
    assert.deepEqual(got.map((v) => BigInt(v)), inputs.map((v) => v + 1n));
    // values beyond 2**53 can only be represented exactly as BigInts
    got.forEach((v, i) => {
      const x = inputs[i] + 1n;
      if (x > 2n ** 53n || x < -(2n ** 53n)) assert.equal(typeof v, 'bigint', `result ${x}`);
    });
  });

  test('spawnC passes numbers and BigInts as 64-bit arguments (echo count)', T, async (t) => {
    const rt = await fresh(t);
    for (const count of [2, 2n]) {
      const a = rt.channel();
      const b = rt.channel();
      const c = rt.spawnC('echo', a, b, count);
      const got = [];
      for (let i = 0; i < 2; i++) {
        await a.send(i * 10);
        got.push(await b.receive());
      }
      assert.deepEqual(got, [1, 11]);
      await rt.run();
      assert.equal(c.alive, false, `echo stops after ${String(count)} values`);
    }
  });

  test('objects, strings, symbols and huge BigInts round-trip through forward keeping identity', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    rt.spawnC('forward', a, b);
    const o = { deep: [1, 2] };
    const f = () => 'x';
    const s = Symbol('sym');
    const values = [o, f, s, 'a string', [o], 2n ** 70n, -(2n ** 70n), null, undefined, true, false, 12345, -7];
    for (const v of values) {
      await a.send(v);
      const g = await b.receive();
      assert.ok(Object.is(g, v), `forward(${String(typeof v === 'symbol' ? 'symbol' : v)}) -> ${String(typeof g === 'symbol' ? 'symbol' : g)}`);
    }
  });

  test('forward with several values queued keeps order and identity', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const objs = Array.from({ length: 20 }, (_, i) => ({ i }));
    rt.spawn(async () => { for (const o of objs) await a.send(o); });
    rt.spawnC('forward', a, b);
    const got = [];
    rt.spawn(async () => { for (let i = 0; i < objs.length; i++) got.push(await b.receive()); });
    await rt.run();
    assert.equal(got.length, objs.length);
    got.forEach((g, i) => assert.equal(g, objs[i]));
  });

  test('JS -> C -> JS pipeline between tasklets: ordered trace', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const log = [];
    rt.spawn(async function producer() {
      for (let i = 0; i < 3; i++) { log.push(`p${i}`); await a.send(i); }
    });
    rt.spawnC('echo', a, b, 3);
    rt.spawn(async function consumer() {
      for (let i = 0; i < 3; i++) log.push(`c${await b.receive()}`);
    });
    await rt.run();
    assert.deepEqual(log, ['p0', 'c1', 'p1', 'c2', 'p2', 'c3']);
    assert.equal(a.balance, 0);
    assert.equal(b.balance, 0);
  });

  test('C -> JS -> C: two echos around a JS doubler', T, async (t) => {
    const rt = await fresh(t);
    const [in1, mid1, mid2, out] = [rt.channel(), rt.channel(), rt.channel(), rt.channel()];
    rt.spawnC('echo', in1, mid1);
    rt.spawn(async function doubler() {
      for (;;) await mid2.send((await mid1.receive()) * 2);
    });
    rt.spawnC('echo', mid2, out);
    const got = [];
    for (const v of [1, 5, 20]) {
      await in1.send(v);
      got.push(await out.receive());
    }
    // ((v + 1) * 2) + 1
    assert.deepEqual(got, [5, 13, 43]);
  });

  test('a C tasklet blocked receiving from JS stays blocked until a send', T, async (t) => {
    const rt = await fresh(t);
    const a = rt.channel();
    const b = rt.channel();
    const c = rt.spawnC('echo', a, b, 1);
    assert.equal(c.alive, true);
    assert.equal(c.scheduled, true);
    assert.equal(c.isMain, false);
    await rt.run();
    assert.equal(c.blocked, true);
    assert.equal(a.balance, -1);
    rt.spawn(async () => { await a.send(99); });
    await rt.run();
    assert.equal(c.blocked, true, 'now blocked sending on b');
    assert.equal(b.balance, 1);
    assert.equal(await b.receive(), 100);
    await rt.run();
    assert.equal(c.alive, false);
  });

  test('deep C tasklet: blocks at depth, verifies frames, sends the value', T, async (t) => {
    const rt = await fresh(t);
    const ch = rt.channel();
    const out = rt.channel();
    const log = [];
    rt.spawnC('deep', ch, 200, out);
    rt.spawn(async () => { log.push('js ran while deep was blocked'); });
    await rt.run();
    assert.equal(ch.balance, -1);
    await ch.send(777);
    assert.equal(await out.receive(), 777);
    assert.deepEqual(log, ['js ran while deep was blocked']);
  });

  test('rt.cTasklets lists the built-in C tasklets', T, async (t) => {
    const rt = await fresh(t);
    for (const n of ['echo', 'forward', 'fail', 'deep', 'crash']) assert.ok(rt.cTasklets.includes(n), n);
  });
});

test('10,000 blocked JS tasklets are released in order', { timeout: 120000 }, async (t) => {
  const rt = await fresh(t);
  const ch = rt.channel();
  const N = 10000;
  const records = [];
  const bad = [];
  for (let i = 0; i < N; i++) {
    rt.spawn(async () => {
      const v = await ch.receive();
      if (v !== i) bad.push([i, v]);
      records.push(i);
    });
  }
  await rt.run();
  assert.equal(ch.balance, -N);
  assert.equal(records.length, 0);
  for (let i = 0; i < N; i++) await ch.send(i);
  assert.equal(ch.balance, 0);
  assert.deepEqual(bad, []);
  assert.equal(records.length, N);
  for (let i = 0; i < N; i++) if (records[i] !== i) assert.fail(`record ${i} is ${records[i]}`);
  assert.equal(rt.runcount, 1);
  assert.equal(rt.stats.tasklets, 1);
  await pingpong(rt);
});

test('values sent into a deadlocked or rejected send do not leak into later receives', T, async (t) => {
  const rt = await fresh(t);
  const ch = rt.channel();
  const o = { lost: true };
  await assert.rejects(ch.send(o), DeadlockError);
  rt.spawn(async () => { await ch.send('fresh'); });
  assert.equal(await ch.receive(), 'fresh');
});
