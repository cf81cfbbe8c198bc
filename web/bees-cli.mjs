#!/usr/bin/env node
// npm run bees -- [--bees N] [--flowers N] [--seed N] [--preference -1|0|1]
//
// The seed article's bees and flowers, headless: the C tasklets of
// csrc/ctasklets/bees.c on the stackless-wasm package, printing the seed's
// own lines in the order the tasklets wrote them, then a summary.
import { createRuntime } from 'stackless-wasm';
import { BeesSim, checkOptions, eventLine } from './sim.mjs';

// Switches per run() slice. Between two switches one tasklet writes a few
// events (with preference 1 a bee may hand itself to every waiting flower
// before it blocks: up to flowers + 2), so slices this short never wrap
// the event ring (65,536 entries) between drains.
const sliceFor = (sim) => Math.max(1, Math.min(16384, Math.floor(sim.eventCap / (sim.flowers + 3))));

const USAGE = 'usage: npm run bees -- [--bees N] [--flowers N] [--seed N] [--preference -1|0|1]';

// --name value or --name=value; values may be negative (--preference -1).
function options(argv) {
  const values = { bees: '10', flowers: '5', seed: '1', preference: '-1' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in values)) throw new RangeError(`unknown argument '${arg}'`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new RangeError(`--${m[1]} needs a value`);
    values[m[1]] = v;
  }
  const num = (name) => {
    const s = values[name];
    if (!/^-?\d+$/.test(s)) throw new RangeError(`--${name} must be an integer (got '${s}')`);
    return Number(s);
  };
  return checkOptions({ bees: num('bees'), flowers: num('flowers'), seed: num('seed'), preference: num('preference') });
}

async function main() {
  let o;
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    console.error(`bees: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const out = process.stdout;
  out.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

  const t0 = performance.now();
  const rt = await createRuntime();
  const sim = await BeesSim.start(rt, o);
  let lines = [];
  const print = (kind, a, b, c) => {
    const line = eventLine(kind, a, b, c);
    if (line !== null) lines.push(line);
  };
  const flush = async () => {
    if (!lines.length) return;
    const text = lines.join('\n') + '\n';
    lines = [];
    if (!out.write(text)) await new Promise((r) => out.once('drain', r));
  };

  const slice = sliceFor(sim);
  let errors = 0;
  for (;;) {
    let left;
    try {
      left = await rt.run({ ticks: slice });
    } catch (e) {
      // a tasklet died with an error; the others go on
      errors++;
      console.error(`bees: ${e.name}: ${e.message}`);
      left = 1;
    }
    sim.drain(print);
    await flush();
    if (left === 0) break;
  }
  const wall = performance.now() - t0;
  const st = rt.stats;
  sim.refresh();
  const summary = [
    '',
    `bees ${o.bees}, flowers ${o.flowers}, seed ${o.seed}, preference ${o.preference}`,
    `visits ${sim.visits}, finished bees ${sim.finished}/${o.bees}, switches ${st.switches}, channel operations ${st.channelOps}`,
    `wall time ${wall.toFixed(1)} ms`,
  ];
  if (sim.lost) summary.push(`events lost: ${sim.lost}`);
  lines.push(...summary);
  await flush();
  rt.destroy();
  if (errors || sim.lost || sim.finished !== o.bees) process.exitCode = 1;
}

await main();
