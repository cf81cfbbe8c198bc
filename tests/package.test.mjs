// Packaging: `npm pack` ships what a user needs; installed from the tarball
// into an empty folder, `import 'stackless-wasm'` works and runs tasklets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

test('npm pack, install the tarball in an empty folder, import and ping-pong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackless-pack-'));
  try {
    // --ignore-scripts: `make test` has already built the module (prepack
    // would run make again, which is a no-op but slow to check)
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      { cwd: root, encoding: 'utf8' });
    const [info] = JSON.parse(out);
    const files = info.files.map((f) => f.path).sort();
    for (const f of ['wasm-build/index.mjs', 'wasm-build/index.d.ts', 'wasm-build/core.mjs',
      'wasm-build/core.wasm', 'csrc/stackless.h', 'package.json', 'README.md']) {
      assert.ok(files.includes(f), `tarball lacks ${f}: ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('node_modules/')), files.join(', '));

    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, info.filename)],
      { cwd: app, encoding: 'utf8' });
    assert.ok(existsSync(join(app, 'node_modules/stackless-wasm/wasm-build/core.wasm')));
    writeFileSync(join(app, 'main.mjs'), `
      import { createRuntime, DeadlockError } from 'stackless-wasm';
      const rt = await createRuntime();
      const ping = rt.channel(), pong = rt.channel();
      const trace = [];
      rt.spawn(async function echo() {
        for (;;) { const v = await ping.receive(); trace.push('t' + v); await pong.send(v + 1); }
      });
      let v = 0;
      for (let i = 0; i < 3; i++) { trace.push('m' + v); await ping.send(v); v = await pong.receive(); }
      const cin = rt.channel(), cout = rt.channel();
      rt.spawnC('echo', cin, cout, 1);
      await cin.send(100);
      const fromC = await cout.receive();
      let deadlock = '';
      try { await rt.channel().receive(); } catch (e) { deadlock = e instanceof DeadlockError ? 'DeadlockError' : String(e); }
      console.log(JSON.stringify({ trace: trace.join(' '), v, fromC, deadlock }));
    `);
    const result = JSON.parse(execFileSync('node', ['main.mjs'], { cwd: app, encoding: 'utf8' }));
    assert.deepEqual(result, { trace: 'm0 t0 m1 t1 m2 t2', v: 3, fromC: 101, deadlock: 'DeadlockError' });
    console.log(`# packaging: ${info.filename}, ${info.files.length} files, ${info.size} bytes packed; ` +
      `installed and ran: ${JSON.stringify(result)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
