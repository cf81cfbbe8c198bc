// Differential test (issue 6): seeded random programs run on the reference
// model (tests/model/model.mjs, written from STACKLESS.md) and on the real
// runtime, compared after every step of main: the trace (every operation of
// every JS tasklet and of main, every switch and channel callback), each
// tasklet's state, the run queue, the channels and the counters.
// A divergence prints a replay command (node tests/model/fuzz.mjs ...).
//
// MODEL_SEEDS / MODEL_STEPS override the bounded default; `make fuzz-model`
// runs many more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genProgram, runProgram, formatDivergence } from './model/fuzz.mjs';

const SEEDS = Number(process.env.MODEL_SEEDS ?? 400);
const STEPS = Number(process.env.MODEL_STEPS ?? 40);
const BUDGET_MS = 40000; // stay well under a minute on a loaded machine

test(`random programs: runtime and model agree (${SEEDS} seeds x ${STEPS} steps)`, { timeout: 120000 }, async () => {
  const t0 = performance.now();
  let steps = 0, ops = 0, seeds = 0;
  const failures = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    if (performance.now() - t0 > BUDGET_MS) break;
    const p = genProgram(seed, STEPS);
    const r = await runProgram(p);
    steps += r.steps;
    ops += r.ops;
    seeds++;
    if (r.divergence) failures.push(formatDivergence(p, r.divergence));
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`model: ${steps} steps compared (${seeds} seeds, ${ops} operations) in ${s.toFixed(1)} s, ` +
    `${(steps / s).toFixed(0)} steps/s; ${failures.length} seeds diverged`);
  assert.ok(seeds >= Math.min(SEEDS, 50), `only ${seeds} seeds ran in the time budget`);
  if (failures.length) {
    assert.fail(`${failures.length} of ${seeds} seeds diverged; the first:\n${failures.slice(0, 3).join('\n\n')}`);
  }
});

// Minimal programs of the divergences the fuzzer found, one test each (the
// model side is right in each; the rule is cited).
const regressions = [
  {
    name: 'run({ticks}) spent while its watchdog was re-inserted (main.insert() from a tasklet): the watchdog is queued once (API.md ticks; STACKLESS R5.7)',
    program: { nch: 1, main: [
      { k: 'spawn', script: [{ k: 'insert', t: 1, c: true }, { k: 'sched', c: true }] },
      { k: 'spawn', script: [{ k: 'sched', c: true }] },
      { k: 'run', ticks: 1 },
      { k: 'run' },
    ] },
  },
  {
    name: 'an exception already handed to a receiver survives its sender\'s call failing (R18)',
    program: { nch: 2, main: [
      { k: 'close', ch: 1 },
      { k: 'sall', ch: 2, on: true },
      { k: 'echo', a: 2, b: 1, n: 2 },
      { k: 'spawn', script: [{ k: 'send', ch: 1, v: 30, c: false }] },
      { k: 'sendExc', ch: 2, err: 'E2' },
      { k: 'run', ticks: 5 },
    ] },
  },
  {
    name: 'an exception thrown into a tasklet survives the thrower being killed before the target runs (R14)',
    program: { nch: 1, main: [
      { k: 'spawn', script: [{ k: 'schedRm', c: true }] },
      { k: 'run' },
      { k: 'spawn', script: [{ k: 'throw', t: 2, err: 'E1', pending: false, c: true }] },
      { k: 'run', ticks: 1 },
      { k: 'kill', t: 3, pending: false },
      { k: 'run' },
    ] },
  },
  {
    name: 'bind + setup of a paused tasklet runs the new function, the old frames are dropped (§2.2 bind)',
    program: { nch: 1, main: [
      { k: 'spawn', script: [{ k: 'schedRm', c: true }, { k: 'sched', v: 1, c: true }] },
      { k: 'run' },
      { k: 'rebind', t: 2, script: [{ k: 'sched', v: 2, c: true }] },
      { k: 'run' },
    ] },
  },
];

for (const { name, program } of regressions) {
  test(`regression: ${name}`, { timeout: 20000 }, async () => {
    const p = { seed: 0, steps: program.main.length, ...program };
    const r = await runProgram(p);
    if (r.divergence) assert.fail(formatDivergence(p, r.divergence));
    assert.equal(r.steps, p.main.length);
  });
}
