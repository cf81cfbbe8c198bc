// Beyond Stackless (API.md §3): buffered channels, select, snapshot/restore.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime, StateError, TimeoutError } from 'stackless-wasm';

describe('buffered channels', () => {
  test('send completes without a receiver while fewer than capacity values wait', async () => {
    const rt = await createRuntime();
    const ch = rt.channel({ capacity: 2 });
    assert.equal(ch.capacity, 2);
    const obj = { a: 1 };
    await ch.send(obj);
    await ch.send(2n ** 70n);
    assert.equal(ch.balance, 2);
    assert.equal(rt.stats.switches, 0);
    assert.equal(await ch.receive(), obj);
    assert.equal(await ch.receive(), 2n ** 70n);
    assert.equal(ch.balance, 0);
    rt.destroy();
  });

  test('producer runs ahead by the capacity, then rendezvous (ordered trace)', async () => {
    const rt = await createRuntime();
    const ch = rt.channel({ capacity: 2 });
    const log = [];
    rt.spawn(async function producer() {
      for (let i = 0; i < 5; i++) { log.push(`s${i}`); await ch.send(i); }
      log.push('sdone');
    });
    rt.spawn(async function consumer() {
      for (let i = 0; i < 5; i++) log.push(`r${await ch.receive()}`);
    });
    await rt.run();
    assert.deepEqual(log, ['s0', 's1', 's2', 'r0', 'r1', 'r2', 's3', 'r3', 's4', 'r4', 'sdone']);
    rt.destroy();
  });

  test('a C tasklet and a JS tasklet share a buffered channel', async () => {
    const rt = await createRuntime();
    const a = rt.channel({ capacity: 4 }), b = rt.channel({ capacity: 4 });
    rt.spawnC('echo', a, b, 3);
    for (const v of [1, 2, 3]) await a.send(v);
    await rt.run();
    assert.deepEqual([await b.receive(), await b.receive(), await b.receive()], [2, 3, 4]);
    rt.destroy();
  });

  test('closing: buffered values are still received, then ChannelClosedError', async () => {
    const rt = await createRuntime();
    const ch = rt.channel({ capacity: 3 });
    await ch.send('x');
    ch.close();
    assert.equal(ch.closed, false);
    assert.equal(await ch.receive(), 'x');
    assert.equal(ch.closed, true);
    await assert.rejects(ch.receive(), (e) => e.name === 'ChannelClosedError');
    rt.destroy();
  });

  test('bad capacities', async () => {
    const rt = await createRuntime();
    assert.throws(() => rt.channel({ capacity: 1.5 }), TypeError);
    assert.throws(() => rt.channel({ capacity: -1 }), RangeError);
    assert.throws(() => rt.channel({ capacity: 2 ** 30 }), RangeError);
    rt.destroy();
  });
});

describe('select', () => {
  test('non-blocking: -1 when none ready; the first ready case in array order wins', async () => {
    const rt = await createRuntime();
    const c1 = rt.channel({ capacity: 1 }), c2 = rt.channel({ capacity: 1 });
    assert.deepEqual(await rt.select([{ receive: c1 }, { receive: c2 }], { block: false }), { index: -1 });
    await c2.send('two');
    await c1.send('one');
    assert.deepEqual(await rt.select([{ receive: c1 }, { receive: c2 }], { block: false }), { index: 0, value: 'one' });
    assert.deepEqual(await rt.select([{ receive: c1 }, { receive: c2 }], { block: false }), { index: 1, value: 'two' });
    assert.deepEqual(await rt.select([{ send: c1, value: 5 }, { receive: c2 }]), { index: 0 });
    assert.equal(c1.balance, 1);
    rt.destroy();
  });

  test('blocking: waits on all cases, the first partner completes its case, the rest are withdrawn', async () => {
    const rt = await createRuntime();
    const c1 = rt.channel(), c2 = rt.channel();
    const log = [];
    rt.spawn(async function sender() { log.push('t>'); await c2.send({ hi: 1 }); log.push('t<'); });
    log.push('m>');
    const r = await rt.select([{ receive: c1 }, { receive: c2 }]);
    log.push(`m<${r.index}`);
    assert.deepEqual(r.value, { hi: 1 });
    assert.equal(c1.balance, 0);
    assert.equal(c2.balance, 0);
    await rt.run();
    assert.deepEqual(log, ['m>', 't>', 'm<1', 't<']);
    rt.destroy();
  });

  test('a selecting tasklet is blocked, FIFO with other waiters, and can be killed', async () => {
    const rt = await createRuntime();
    const c1 = rt.channel(), c2 = rt.channel();
    const log = [];
    const a = rt.spawn(async function a() {
      try { log.push(`a:${JSON.stringify(await rt.select([{ receive: c1 }, { send: c2, value: 7 }]))}`); } catch (e) { log.push(`a:${e.name}`); }
    });
    const b = rt.spawn(async function b() { log.push(`b:${await c1.receive()}`); });
    await rt.run();
    assert.equal(a.blocked, true);
    assert.equal(c1.balance, -2);
    assert.equal(c2.balance, 1);
    assert.equal(c1.queue, a);
    await c1.send('first'); // goes to a, the longest waiting
    await c1.send('second');
    await rt.run();
    assert.deepEqual(log, ['a:{"index":0,"value":"first"}', 'b:second']);
    assert.equal(c2.balance, 0);
    // kill while selecting
    const k = rt.spawn(async () => { try { await rt.select([{ receive: c1 }]); } catch (e) { log.push(e.name); throw e; } });
    await rt.run();
    await k.kill();
    assert.equal(c1.balance, 0);
    assert.equal(log.at(-1), 'TaskletExit');
    assert.equal(b.alive, false);
    rt.destroy();
  });

  test('select from main with nothing runnable: DeadlockError; misuse is typed', async () => {
    const rt = await createRuntime();
    const other = await createRuntime();
    const c = rt.channel();
    await assert.rejects(rt.select([{ receive: c }]), (e) => e.name === 'DeadlockError');
    assert.equal(c.balance, 0);
    await assert.rejects(rt.select([]), TypeError);
    await assert.rejects(rt.select([{ nope: c }]), TypeError);
    await assert.rejects(rt.select([{ receive: other.channel() }]), StateError);
    await assert.rejects(rt.select([{ receive: c }], { block: 'yes' }), TypeError);
    rt.destroy();
    other.destroy();
  });
});

describe('snapshot / restore', () => {
  test('a runtime of C tasklets continues from a snapshot exactly as the original', async () => {
    const rt = await createRuntime();
    const info = rt.channel();
    rt.spawnC('bees', info, 5, 200, 3, -1);
    const sim = await info.receive();
    await rt.run({ ticks: 300 });
    const snap = rt.snapshot();
    assert.ok(snap instanceof Uint8Array);
    const nectar = (r) => Array.from(new Int32Array(r.memory, new Int32Array(r.memory)[sim / 4 + 9], 200));
    const before = nectar(rt);
    await rt.run();
    const a = { nectar: nectar(rt), switches: rt.stats.switches, dump: rt.dump() };
    const rt2 = await createRuntime({ snapshot: snap });
    assert.deepEqual(nectar(rt2), before);
    await rt2.run();
    assert.deepEqual({ nectar: nectar(rt2), switches: rt2.stats.switches, dump: rt2.dump() }, a);
    assert.ok(a.nectar.every((n) => n === 5));
    // the restored runtime is a full runtime
    const x = rt2.channel(), y = rt2.channel();
    rt2.spawnC('echo', x, y, 1);
    await x.send(1);
    assert.equal(await y.receive(), 2);
    rt.destroy();
    rt2.destroy();
  });

  test('refuses with live JS tasklets or JS values held by C; rejects bad snapshots', async () => {
    const rt = await createRuntime();
    const ch = rt.channel();
    rt.spawn(async function js() { await ch.receive(); });
    await rt.run();
    assert.throws(() => rt.snapshot(), (e) => e instanceof StateError && /js/.test(e.message));
    await ch.send(0);
    await rt.run();
    const held = rt.channel({ capacity: 1 });
    await held.send({ o: 1 });
    assert.throws(() => rt.snapshot(), StateError);
    await held.receive();
    const snap = rt.snapshot();
    await assert.rejects(createRuntime({ snapshot: snap.subarray(0, 100) }), TypeError);
    await assert.rejects(createRuntime({ snapshot: new Uint8Array(64) }), TypeError);
    await assert.rejects(createRuntime({ snapshot: 'x' }), TypeError);
    rt.destroy();
  });
});

describe('timers', () => {
  test('sleep: only the caller waits, others run; run() waits while only sleepers remain', async () => {
    const rt = await createRuntime();
    const log = [];
    const t0 = performance.now();
    rt.spawn(async function slow() { await rt.sleep(40); log.push('slow'); });
    rt.spawn(async function quick() { await rt.sleep(10); log.push('quick'); });
    rt.spawn(async function busy() { for (let i = 0; i < 3; i++) { log.push(`busy${i}`); await rt.schedule(); } });
    await rt.run();
    assert.deepEqual(log, ['busy0', 'busy1', 'busy2', 'quick', 'slow']);
    assert.ok(performance.now() - t0 >= 39, `run returned after ${performance.now() - t0} ms`);
    assert.equal(rt.stats.blocked, 0);
    rt.destroy();
  });

  test('main sleeping lets tasklets run; C tasklets keep running meanwhile', async () => {
    const rt = await createRuntime();
    const a = rt.channel(), b = rt.channel();
    rt.spawnC('echo', a, b, 1);
    const log = [];
    rt.spawn(async () => { await a.send(1); log.push(`echo:${await b.receive()}`); });
    const t0 = performance.now();
    await rt.sleep(20);
    assert.ok(performance.now() - t0 >= 19);
    assert.deepEqual(log, ['echo:2']);
    rt.destroy();
  });

  test('timeouts: receive, send and select reject with TimeoutError and leave nothing queued', async () => {
    const rt = await createRuntime();
    const ch = rt.channel();
    const t0 = performance.now();
    await assert.rejects(ch.receive({ timeout: 15 }), TimeoutError);
    assert.ok(performance.now() - t0 >= 14);
    assert.equal(ch.balance, 0);
    await assert.rejects(ch.send('x', { timeout: 5 }), TimeoutError);
    assert.equal(ch.balance, 0);
    await assert.rejects(rt.select([{ receive: ch }, { receive: rt.channel() }], { timeout: 5 }), TimeoutError);
    // a partner in time wins
    rt.spawn(async () => { await rt.sleep(5); await ch.send('in time'); });
    assert.equal(await ch.receive({ timeout: 2000 }), 'in time');
    // bad timeouts
    await assert.rejects(ch.receive({ timeout: -1 }), RangeError);
    await assert.rejects(ch.receive({ timeout: 'soon' }), TypeError);
    await assert.rejects(rt.sleep(-5), RangeError);
    rt.destroy();
  });

  test('a sleeping tasklet can be killed; without sleepers a deadlock is still reported', async () => {
    const rt = await createRuntime();
    const log = [];
    const z = rt.spawn(async function z() { try { await rt.sleep(100000); } catch (e) { log.push(e.name); } });
    await rt.schedule();
    assert.equal(z.blocked, true);
    await z.kill();
    assert.deepEqual(log, ['TaskletExit']);
    await assert.rejects(rt.channel().receive(), (e) => e.name === 'DeadlockError');
    rt.destroy();
  });
});
