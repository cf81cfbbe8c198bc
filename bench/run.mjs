// `make bench`: every workload of DESIGN.md for C tasklets in wasm, C
// tasklets natively, JS tasklets, and the plain async/await reference,
// each run in its own process, interleaved, RUNS times; prints the medians
// side by side and writes bench/results.json.
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';

const RUNS = Number(process.env.RUNS ?? 5);
const root = new URL('..', import.meta.url).pathname;
const node = process.execPath;

function run(cmd, args) {
  const out = execFileSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return JSON.parse(line);
}

const cwasm = (...a) => run(node, ['--no-experimental-fetch', 'build/bench/core-wasm.js', ...a]);
const cnative = (...a) => run('build/bench/core-native', a);
const js = (impl, w) => run(node, ['--expose-gc', 'bench/js.mjs', impl, w]);

// name -> [function producing one sample object, field to take]
const cases = {
  'c_wasm.W1_ns': [() => cwasm('pingpong', '1000000'), 'ns_per_roundtrip'],
  'c_wasm.W2_ns': [() => cwasm('ring', '1000000'), 'ns_per_hop'],
  'c_wasm.W3': [() => cwasm('spawn', '100000'), null],
  'c_wasm.W3_1M': [() => cwasm('spawn', '1000000'), null],
  'c_wasm.W4_ms': [() => cwasm('bees', '10000'), 'ms'],
  'c_wasm.switch_depth0_ns': [() => cwasm('depth', '0', '1000000'), 'ns_per_switch'],
  'c_wasm.switch_depth8_ns': [() => cwasm('depth', '8', '1000000'), 'ns_per_switch'],
  'c_wasm.switch_depth32_ns': [() => cwasm('depth', '32', '1000000'), 'ns_per_switch'],
  'native.W1_ns': [() => cnative('pingpong', '1000000'), 'ns_per_roundtrip'],
  'native.W2_ns': [() => cnative('ring', '1000000'), 'ns_per_hop'],
  'native.W3': [() => cnative('spawn', '10000'), null],
  'native.W4_ms': [() => cnative('bees', '10000'), 'ms'],
  'js.W1_ns': [() => js('js', 'W1'), 'W1_ns'],
  'js.W2_ns': [() => js('js', 'W2'), 'W2_ns'],
  'js.W3': [() => js('js', 'W3'), null],
  'js.W4_ms': [() => js('js', 'W4'), 'W4_ms'],
  'js_main_c_echo.W1_ns': [() => js('cmain', 'W1'), 'W1_ns'],
  'async_reference.W1_ns': [() => js('async', 'W1'), 'W1_ns'],
  'async_reference.W2_ns': [() => js('async', 'W2'), 'W2_ns'],
  'async_reference.W3': [() => js('async', 'W3'), null],
  'async_reference.W4_ms': [() => js('async', 'W4'), 'W4_ms'],
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const samples = {};
for (let r = 0; r < RUNS; r++) {
  for (const [name, [fn, field]] of Object.entries(cases)) {
    const res = fn();
    const put = (k, v) => (samples[k] ??= []).push(v);
    if (field) put(name, res[field]);
    else if ('W3_ms' in res) { // JS W3
      put(name.replace('W3', 'W3_ms'), res.W3_ms);
      put(name.replace('W3', 'W3_bytes_per_tasklet'), res.W3_bytes_per_tasklet);
    } else { // C W3
      const base = name.replace(/W3(_1M)?$/, '');
      const suffix = name.endsWith('_1M') ? '_1M' : '';
      put(`${base}W3_ms${suffix}`, res.ms);
      put(`${base}W3_bytes_per_tasklet${suffix}`, res.bytes_per_tasklet);
    }
  }
  process.stderr.write(`run ${r + 1}/${RUNS} done\n`);
}

const results = {};
for (const [k, xs] of Object.entries(samples)) {
  const [group, key] = k.split('.');
  (results[group] ??= {})[key] = Math.round(median(xs) * 10) / 10;
}
results.wasm_bytes = statSync(`${root}wasm-build/core.wasm`).size;
try {
  results.wasm_bytes_without_asyncify = statSync(`${root}build/bench/noasyncify.wasm`).size;
} catch { /* built by make bench */ }
results.machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
results.runs = RUNS;
results.date = new Date().toISOString().slice(0, 10);
writeFileSync(`${root}bench/results.json`, JSON.stringify(results, null, 2) + '\n');

const f = (v) => (v === undefined ? '-' : v >= 100 ? Math.round(v).toString() : v.toFixed(1));
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) + 'x' : '-');
const R = results;
const rows = [
  ['W1 ping-pong, ns/round trip', 'W1_ns'],
  ['W2 ring, ns/hop', 'W2_ns'],
  ['W3 spawn 100k, ms', 'W3_ms'],
  ['W3 bytes per blocked tasklet', 'W3_bytes_per_tasklet'],
  ['W4 bees 10k, ms', 'W4_ms'],
];
const lines = [];
lines.push(`Medians of ${RUNS} runs, ${R.machine}, ${R.date}`);
lines.push('');
lines.push('| workload | C tasklets (wasm) | C tasklets (native) | JS tasklets | async/await reference | JS / reference |');
lines.push('|---|--:|--:|--:|--:|--:|');
for (const [label, key] of rows) {
  lines.push(`| ${label} | ${f(R.c_wasm?.[key])} | ${f(R.native?.[key])} | ${f(R.js?.[key])} | ${f(R.async_reference?.[key])} | ${ratio(R.js?.[key], R.async_reference?.[key])} |`);
}
lines.push('');
lines.push(`C tasklets in wasm, 1,000,000 blocked: ${f(R.c_wasm.W3_ms_1M)} ms, ${f(R.c_wasm.W3_bytes_per_tasklet_1M)} bytes per tasklet`);
lines.push(`Raw switch (schedule) in wasm at call depth 0 / 8 / 32: ${f(R.c_wasm.switch_depth0_ns)} / ${f(R.c_wasm.switch_depth8_ns)} / ${f(R.c_wasm.switch_depth32_ns)} ns`);
lines.push(`JS main driving a C echo tasklet (W1): ${f(R.js_main_c_echo.W1_ns)} ns per round trip`);
lines.push(`core.wasm: ${R.wasm_bytes} bytes` + (R.wasm_bytes_without_asyncify ? ` (${R.wasm_bytes_without_asyncify} without Asyncify: +${R.wasm_bytes - R.wasm_bytes_without_asyncify})` : ''));
lines.push(`(native W3 uses 10,000 tasklets: each native tasklet has an mmap'd stack)`);
console.log(lines.join('\n'));
void readFileSync;
