// Shared helpers for the JS API tests (not a test file itself: the
// runner only picks up *.test.mjs).
import assert from 'node:assert/strict';
import { createRuntime } from 'stackless-wasm';

/** A fresh runtime for one test; destroyed by the returned cleanup. */
export async function fresh(t) {
  const rt = await createRuntime();
  if (t && typeof t.after === 'function') t.after(() => rt.destroy());
  return rt;
}

/**
 * The runtime still works: two tasklets play ping-pong on a fresh channel
 * under `rt.run()`, giving the ordered trace of Stackless's default
 * preference (-1), and main is current and alone afterwards.
 */
export async function pingpong(rt) {
  same(rt.current, rt.main, 'pingpong must start on main');
  const log = [];
  const ch = rt.channel();
  rt.spawn(async function ping() {
    for (let i = 0; i < 3; i++) {
      log.push(`ping${i}`);
      await ch.send(i);
    }
  });
  rt.spawn(async function pong() {
    for (let i = 0; i < 3; i++) {
      const v = await ch.receive();
      log.push(`pong${v}`);
    }
  });
  await rt.run();
  assert.deepEqual(log, ['ping0', 'pong0', 'ping1', 'pong1', 'ping2', 'pong2']);
  assert.equal(ch.balance, 0);
  same(rt.current, rt.main);
  assert.equal(rt.runcount, 1);
  // main itself takes part too
  const ch2 = rt.channel();
  const echo = rt.spawn(async function echoer() {
    const v = await ch2.receive();
    await ch2.send(v * 2);
  });
  await ch2.send(21);
  assert.equal(await ch2.receive(), 42);
  await rt.run();
  assert.equal(echo.alive, false);
  assert.equal(rt.runcount, 1);
}

/** Call fn (sync or async) and expect it to throw or reject with `cls`. */
export async function fails(fn, cls, message) {
  await assert.rejects(async () => fn(), cls, message);
}

/** A label for a Tasklet in traces: its name, or 'main'. */
export function label(rt, t) {
  if (t === null || t === undefined) return String(t);
  if (t.id === rt.main.id) return 'main';
  return t.name;
}

/**
 * `p`, or a rejection if it has not settled after `ms` milliseconds. Keeps
 * the event loop alive, so that a promise the runtime never settles fails
 * only its own test instead of ending the whole test file.
 */
export function within(p, ms = 3000, what = 'operation') {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled (${ms} ms)`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Identity check that stays cheap when it fails (assert.equal on Tasklet
 * objects would render a diff of the wasm module behind them).
 */
export function same(actual, expected, message) {
  if (actual === expected) return;
  const show = (x) => (x === null || x === undefined ? String(x)
    : typeof x === 'object' && typeof x.id === 'number' ? `${String(x)} (object)` : String(x));
  assert.fail(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
}
