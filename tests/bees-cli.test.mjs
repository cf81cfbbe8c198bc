// `npm run bees` (web/bees-cli.mjs): the seed's bees and flowers as C
// tasklets, printed in the seed's own words. The expected output is derived
// here from the simulation's rules and Stackless's scheduling (a model in
// plain JS), independently of the C code that produces it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../web/bees-cli.mjs', import.meta.url));

function bees(...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr, lines: stdout.split('\n') });
    });
  });
}

/** The simulation's event lines (the summary after the first blank line is cut). */
const events = (lines) => lines.slice(0, lines.indexOf(''));

/** bees.c's per-bee LCG: the flowers bee b visits, in order. */
function* flowerChoices(seed, b, flowers) {
  let x = (seed + b + 1) >>> 0;
  for (;;) {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    yield (x >>> 16) % flowers;
  }
}

/**
 * Stackless's round robin with channel preference -1 (the receiver runs
 * first), as the seed relies on: a sender finding a waiting receiver
 * switches to it and goes to the back of the run queue; a receiver
 * finding a waiting sender takes its value and puts the sender at the
 * back; an operation with no partner blocks and the next tasklet runs.
 */
function model({ bees: B, flowers: F, seed }) {
  const out = [];
  const nectar = new Array(B).fill(0);
  const waiting = Array.from({ length: F }, () => ({ receiver: false, senders: [] }));
  const choice = Array.from({ length: B }, (_, b) => flowerChoices(seed, b, F));
  // a tasklet is a generator yielding what it does next
  function* flower(f) {
    out.push(`flower ${f} is listening`);
    for (;;) {
      const b = yield { recv: f };
      nectar[b]++;
      out.push(`Flower ${f} is giving Bee ${b} nectar`);
    }
  }
  function* bee(b) {
    while (nectar[b] < 5) {
      const f = choice[b].next().value;
      yield { send: f, value: b };
      out.push(`Bee ${b} got nectar from Flower ${f} I now have ${nectar[b]} nectar`);
    }
  }
  const queue = [];
  const flowerT = [];
  for (let f = 0; f < F; f++) queue.push(flowerT[f] = { g: flower(f) });
  for (let b = 0; b < B; b++) queue.push({ g: bee(b) });
  while (queue.length) {
    const t = queue.shift();
    let input = t.input;
    t.input = undefined;
    for (;;) {
      const { value: op, done } = t.g.next(input);
      if (done) break;
      if ('recv' in op) {
        const ch = waiting[op.recv];
        if (ch.senders.length) { // a bee waits: take it, it runs later
          const s = ch.senders.shift();
          queue.push(s.t);
          input = s.value;
          continue;
        }
        ch.receiver = true; // block
        break;
      }
      const ch = waiting[op.send];
      if (ch.receiver) { // the flower runs now, the bee after everyone else
        ch.receiver = false;
        flowerT[op.send].input = op.value;
        queue.unshift(flowerT[op.send]);
        queue.push(t);
        break;
      }
      ch.senders.push({ t, value: op.value }); // block
      break;
    }
  }
  return out;
}

test('the first lines: flowers listen in order, then the seed\'s exchanges', async () => {
  const { lines } = await bees('--bees', '5', '--flowers', '3', '--seed', '1');
  // Bee b's first flower is ((x >> 16) % 3) for x = LCG(seed + b + 1):
  // 2, 2, 2, 1, 2. Each send wakes that (waiting) flower at once, which
  // prints and waits again; the bees print once every bee has sent.
  assert.deepEqual(lines.slice(0, 13), [
    'flower 0 is listening',
    'flower 1 is listening',
    'flower 2 is listening',
    'Flower 2 is giving Bee 0 nectar',
    'Flower 2 is giving Bee 1 nectar',
    'Flower 2 is giving Bee 2 nectar',
    'Flower 1 is giving Bee 3 nectar',
    'Flower 2 is giving Bee 4 nectar',
    'Bee 0 got nectar from Flower 2 I now have 1 nectar',
    'Flower 2 is giving Bee 0 nectar',
    'Bee 1 got nectar from Flower 2 I now have 1 nectar',
    'Flower 0 is giving Bee 1 nectar',
    'Bee 2 got nectar from Flower 2 I now have 1 nectar',
  ]);
});

test('the whole run follows Stackless scheduling with receiver preference', async () => {
  for (const o of [{ bees: 5, flowers: 3, seed: 1 }, { bees: 7, flowers: 2, seed: 42 }, { bees: 40, flowers: 5, seed: 9 }]) {
    const { lines } = await bees('--bees', `${o.bees}`, '--flowers', `${o.flowers}`, '--seed', `${o.seed}`);
    assert.deepEqual(events(lines), model(o), JSON.stringify(o));
  }
});

test('every bee collects exactly 5 nectar; the summary counts the visits', async () => {
  const B = 200, F = 7;
  const { lines } = await bees('--bees', `${B}`, '--flowers', `${F}`, '--seed', '3');
  const ev = events(lines);
  const got = ev.filter((l) => / got nectar from /.test(l));
  const give = ev.filter((l) => /^Flower \d+ is giving Bee \d+ nectar$/.test(l));
  assert.equal(got.length, 5 * B);
  assert.equal(give.length, 5 * B);
  assert.equal(ev.filter((l) => / is listening$/.test(l)).length, F);
  assert.equal(ev.length, F + 10 * B, 'no other lines');
  for (let b = 0; b < B; b++) {
    const mine = got.filter((l) => l.startsWith(`Bee ${b} got`));
    assert.deepEqual(mine.map((l) => Number(/have (\d+) nectar$/.exec(l)[1])), [1, 2, 3, 4, 5], `bee ${b}`);
  }
  const summary = lines.slice(ev.length + 1).join('\n');
  assert.match(summary, new RegExp(`bees ${B}, flowers ${F}, seed 3, preference -1`));
  assert.match(summary, new RegExp(`visits ${5 * B}, finished bees ${B}/${B}, switches \\d+`));
  assert.match(summary, /wall time [\d.]+ ms/);
});

test('the same seed gives the same run; another seed a different one', async () => {
  const args = ['--bees', '30', '--flowers', '4'];
  const a = events((await bees(...args, '--seed', '11')).lines);
  const b = events((await bees(...args, '--seed', '11')).lines);
  const c = events((await bees(...args, '--seed', '12')).lines);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(c.length, a.length, 'the same amount of work either way');
});

test('large runs lose no events between drains', async () => {
  const { lines } = await bees('--bees', '10000', '--flowers', '5', '--seed', '1');
  const ev = events(lines);
  assert.equal(ev.length, 5 + 10 * 10000);
  assert.doesNotMatch(lines.join('\n'), /events lost/);
});

test('bad arguments are refused with the usage', async () => {
  await assert.rejects(bees('--bees', 'many'), (e) => e.code === 2 && /--bees must be an integer/.test(e.stderr) && /usage:/.test(e.stderr));
  await assert.rejects(bees('--preference', '2'), (e) => e.code === 2 && /preference/.test(e.stderr));
  await assert.rejects(bees('--colour', 'blue'), (e) => e.code === 2 && /unknown argument/.test(e.stderr));
});
