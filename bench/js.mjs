// JS-side benchmarks, one workload per process so runs do not disturb
// each other: `node bench/js.mjs <impl> <workload> [n]`.
//   impl: `js` (stackless-wasm JS tasklets), `cmain` (JS main driving C
//         tasklets), `async` (the plain async/await reference channel)
//   workload: W1 ping-pong, W2 ring, W3 spawn, W4 bees (DESIGN.md)
// Prints one JSON line. Every workload checks its result.
import { createRuntime } from 'stackless-wasm';
import { AsyncChannel } from './async-channel.mjs';

const [impl, workload, nArg] = process.argv.slice(2);
const now = () => performance.now();

function check(ok, what) {
  if (!ok) {
    console.error(`check failed: ${what}`);
    process.exit(1);
  }
}

// A runtime-agnostic face: spawn, channel, run.
async function makeEnv() {
  if (impl === 'async') {
    const tasks = [];
    return {
      channel: () => new AsyncChannel(),
      spawn: (fn, ...args) => { tasks.push(fn(...args)); },
      run: async () => {},
      heap: () => process.memoryUsage().heapUsed,
    };
  }
  const rt = await createRuntime();
  return {
    rt,
    channel: () => rt.channel(),
    spawn: (fn, ...args) => rt.spawn(fn, ...args),
    run: () => rt.run(),
    heap: () => process.memoryUsage().heapUsed + rt.memory.byteLength,
  };
}

async function w1(env, n) {
  const c1 = env.channel(), c2 = env.channel();
  env.spawn(async () => {
    for (;;) {
      const v = await c1.receive();
      if (v < 0) return;
      await c2.send(v + 1);
    }
  });
  let v = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    await c1.send(i);
    v = await c2.receive();
    if (v !== i + 1) check(false, `W1 reply ${v} at ${i}`);
  }
  const dt = now() - t0;
  await c1.send(-1);
  return { W1_ns: (dt * 1e6) / n, round_trips: n };
}

async function w1c(env, n) {
  // JS main against a C echo tasklet
  const c1 = env.channel(), c2 = env.channel();
  env.rt.spawnC('echo', c1, c2, n);
  let v = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    await c1.send(i);
    v = await c2.receive();
    if (v !== i + 1) check(false, `W1 reply ${v} at ${i}`);
  }
  return { W1_ns: ((now() - t0) * 1e6) / n, round_trips: n };
}

async function w2(env, hops) {
  const N = 1000;
  const ch = Array.from({ length: N + 1 }, () => env.channel());
  for (let i = 0; i < N; i++) {
    env.spawn(async (k) => {
      for (;;) {
        const v = await ch[k].receive();
        await ch[k + 1].send(v < 0 ? v : v + 1);
        if (v < 0) return;
      }
    }, i);
  }
  const laps = Math.max(1, Math.round(hops / N));
  let v = 0;
  const t0 = now();
  for (let lap = 0; lap < laps; lap++) {
    await ch[0].send(v);
    v = await ch[N].receive();
  }
  const dt = now() - t0;
  check(v === laps * N, `W2 final ${v}`);
  await ch[0].send(-1);
  await ch[N].receive();
  return { W2_ns: (dt * 1e6) / (laps * N), hops: laps * N };
}

async function w3(env, n) {
  const ch = env.channel();
  let sum = 0;
  globalThis.gc?.();
  const before = env.heap();
  const t0 = now();
  for (let i = 0; i < n; i++) env.spawn(async () => { const v = await ch.receive(); sum += v; });
  await env.run(); // JS tasklets: every one now blocks on receive
  if (impl === 'async') await new Promise((r) => setImmediate(r));
  globalThis.gc?.();
  const after = env.heap();
  for (let i = 0; i < n; i++) await ch.send(i);
  await env.run();
  if (impl === 'async') await new Promise((r) => setImmediate(r));
  const ms = now() - t0;
  check(sum === (n * (n - 1)) / 2, `W3 sum ${sum}`);
  return { W3_ms: ms, W3_bytes_per_tasklet: (after - before) / n, tasklets: n };
}

async function w4(env, n) {
  const FLOWERS = 5;
  const flowers = Array.from({ length: FLOWERS }, () => env.channel());
  const reply = Array.from({ length: n }, () => env.channel());
  const done = env.channel();
  const nectar = new Int32Array(n);
  let visits = 0;
  const t0 = now();
  for (let f = 0; f < FLOWERS; f++) {
    env.spawn(async () => {
      for (;;) {
        const b = await flowers[f].receive();
        visits++;
        await reply[b].send(++nectar[b]);
      }
    });
  }
  for (let b = 0; b < n; b++) {
    env.spawn(async () => {
      let x = b + 1, have = 0;
      while (have < 5) {
        x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
        await flowers[(x >>> 16) % FLOWERS].send(b);
        have = await reply[b].receive();
      }
      await done.send(b);
    });
  }
  let sum = 0;
  for (let b = 0; b < n; b++) sum += await done.receive();
  const ms = now() - t0;
  check(visits === 5 * n && sum === (n * (n - 1)) / 2, `W4 visits ${visits}`);
  return { W4_ms: ms, bees: n };
}

const env = await makeEnv();
const runs = { W1: impl === 'cmain' ? w1c : w1, W2: w2, W3: w3, W4: w4 };
const defaults = { W1: 200000, W2: 200000, W3: 100000, W4: 10000 };
const n = Number(nArg ?? defaults[workload]);
check(runs[workload], `unknown workload ${workload}`);
const result = await runs[workload](env, n);
console.log(JSON.stringify({ impl, workload, ...result }));
process.exit(0);
