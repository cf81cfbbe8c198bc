// Limits from JS: a C tasklet that overflows the tasklet stack region, or
// the wasm call stack, or traps, dies with an error that reaches run();
// the other tasklets and the runtime go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntime } from 'stackless-wasm';

async function echoes(rt, n) {
  const a = rt.channel(), b = rt.channel();
  const t = rt.spawnC('echo', a, b, n);
  for (let i = 0; i < n; i++) {
    await a.send(i);
    assert.equal(await b.receive(), i + 1);
  }
  await rt.run(); // the echo finishes its count
  assert.equal(t.alive, false);
}

test('C tasklet overflowing the tasklet stack region: RangeError, others go on', async () => {
  const rt = await createRuntime();
  const ch = rt.channel(), out = rt.channel();
  // a bystander blocked in the middle of its own deep stack
  const bystander = rt.spawnC('deep', ch, 40, out);
  await rt.run();
  assert.equal(bystander.blocked, true);
  // 128+ bytes per frame x 4000 frames does not fit in 255 KiB
  const deep = rt.spawnC('deep', rt.channel(), 4000);
  await assert.rejects(rt.run(), (e) => e instanceof RangeError && /stack overflow/.test(e.message) && /deep/.test(e.message));
  assert.equal(deep.alive, false);
  // the bystander's frames survived: it verifies all 40 arrays on resume
  await ch.send(5);
  assert.equal(await out.receive(), 5);
  await rt.run();
  assert.equal(bystander.alive, false);
  await echoes(rt, 3);
  rt.destroy();
});

test('C tasklet overflowing the wasm call stack: RangeError, runtime goes on', async () => {
  const rt = await createRuntime();
  const deep = rt.spawnC('deep', rt.channel(), 1000000);
  await assert.rejects(rt.run(), RangeError);
  assert.equal(deep.alive, false);
  await echoes(rt, 3);
  rt.destroy();
});

test('C tasklet that traps dies with an Error naming it; runtime goes on', async () => {
  const rt = await createRuntime();
  const order = [];
  rt.spawn(async function before() { order.push('before'); await rt.schedule(); order.push('before2'); });
  const c = rt.spawnC('crash');
  rt.spawn(async function after() { order.push('after'); });
  await assert.rejects(rt.run(), (e) => /crash/.test(e.message));
  assert.equal(c.alive, false);
  await rt.run();
  assert.deepEqual(order, ['before', 'after', 'before2']);
  await echoes(rt, 2);
  rt.destroy();
});
