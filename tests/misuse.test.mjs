// The misuse matrix (issue 6): every member of API.md §1 crossed with every
// kind of misuse that applies to it:
//   type      wrong argument type                      -> TypeError
//   range     wrong argument value                     -> RangeError
//   readonly  assignment to a read-only member         -> TypeError
//   dead / unbound / blocked / scheduled / alive / current / main / C tasklet:
//             an operation the tasklet's state forbids -> StateError
//             (or the no-op Stackless prescribes: kill or remove of a dead
//             tasklet, ...: "noop" rows)
//   closed    an operation that would block on a closing channel
//                                                      -> ChannelClosedError
//   foreign   a handle of another runtime              -> StateError
//   sched-cb / chan-cb: a call inside a schedule / channel callback, which
//             run in the middle of a switch or channel operation
//                                                      -> StateError
//   waiting   a second call while the caller (main or a tasklet) waits on
//             its first                                -> StateError
//   destroyed any call after rt.destroy() (also when destroy() is called
//             from a tasklet or a callback)            -> StateError
// Each case runs on a fresh runtime; afterwards main must be current and a
// ping-pong must work (helpers.mjs), so no rejected call may corrupt it.
// tests/errors.test.mjs has the narrative versions of some of these.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRuntime, TaskletExit, DeadlockError, ChannelClosedError, StateError,
} from 'stackless-wasm';
import { pingpong, within, same } from './helpers.mjs';

const T = { timeout: 20000 };
const noop = async () => {};

// ---- fixtures ---------------------------------------------------------------
// Handles in each state, made on demand. Tasklets left blocked or paused do
// not disturb the ping-pong afterwards (it uses channels of its own).
function fixture(rt) {
  const e = {
    rt,
    ch: rt.channel(),
    ch2: rt.channel(),
    fresh: rt.tasklet(async function fresh() {}), // bound, not set up
    unbound: rt.tasklet(),
    queued: rt.spawn(async function queued() {}), // set up, not started
    closed() {
      const ch = rt.channel();
      ch.close();
      return ch;
    },
    async dead() {
      const t = rt.spawn(async function dead() {});
      await rt.run();
      e.queued = rt.spawn(async function queued() {});
      return t;
    },
    async blocked() {
      const ch = rt.channel();
      const t = rt.spawn(async function blocked() {
        try { await ch.receive(); } catch { /* killed at the end */ }
      });
      await rt.run();
      assert.equal(t.blocked, true);
      e.queued = rt.spawn(async function queued() {});
      return t;
    },
    async paused() {
      const t = rt.spawn(async function paused() { await rt.scheduleRemove(); });
      await rt.run();
      assert.equal(t.paused, true);
      e.queued = rt.spawn(async function queued() {});
      return t;
    },
    async cBlocked() {
      const a = rt.channel();
      const t = rt.spawnC('echo', a, rt.channel(), 1);
      await rt.run();
      assert.equal(t.blocked, true);
      e.queued = rt.spawn(async function queued() {});
      return t;
    },
    // run fn(e) as the current JS tasklet; its outcome
    async inTasklet(fn) {
      let out;
      rt.spawn(async function caller() {
        try { out = { value: await fn() }; } catch (err) { out = { error: err }; }
      });
      await rt.run();
      assert.ok(out, 'the tasklet ran');
      return out;
    },
  };
  return e;
}

// ---- the matrix -------------------------------------------------------------
const cases = [];
/** A case: `member` misused as `kind`; `fn(e)` must throw or reject with `cls`. */
function row(member, kind, cls, fn) { cases.push({ member, kind, cls, fn }); }
/** A case whose call is a documented no-op: it must succeed. */
function noopRow(member, kind, fn) { cases.push({ member, kind, cls: null, fn }); }

// -- wrong argument types and values --
for (const bad of [42, 'fn', {}, true]) {
  row('rt.tasklet', 'type', TypeError, (e) => e.rt.tasklet(bad));
  row('rt.spawn', 'type', TypeError, (e) => e.rt.spawn(bad));
}
row('rt.spawn', 'type', TypeError, (e) => e.rt.spawn());
row('rt.spawn', 'type', TypeError, (e) => e.rt.spawn(null));
for (const bad of [5, 'x', null, true]) {
  row('rt.channel', 'type', TypeError, (e) => e.rt.channel(bad));
  row('rt.run', 'type', TypeError, (e) => e.rt.run(bad));
  row('t.kill', 'type', TypeError, (e) => e.queued.kill(bad));
  row('t.throw', 'type', TypeError, (e) => e.queued.throw(new Error('x'), bad));
}
for (const bad of ['3', 1.5, NaN, null]) {
  row('rt.channel', 'type', TypeError, (e) => e.rt.channel({ capacity: bad }));
}
for (const bad of [-1, 2 ** 24 + 1, -(2 ** 40)]) {
  row('rt.channel', 'range', RangeError, (e) => e.rt.channel({ capacity: bad }));
}
for (const bad of ['2', 1.5, NaN, Infinity, null, 2n]) {
  row('rt.run', 'type', TypeError, (e) => e.rt.run({ ticks: bad }));
}
for (const bad of [0, -1, -(2 ** 40), 2 ** 64]) {
  row('rt.run', 'range', RangeError, (e) => e.rt.run({ ticks: bad }));
}
for (const bad of [42, 'f', {}]) {
  row('rt.setScheduleCallback', 'type', TypeError, (e) => e.rt.setScheduleCallback(bad));
  row('rt.setChannelCallback', 'type', TypeError, (e) => e.rt.setChannelCallback(bad));
  row('t.bind', 'type', TypeError, (e) => e.fresh.bind(bad));
}
for (const bad of [42, null, undefined, {}]) {
  row('rt.spawnC', 'type', TypeError, (e) => e.rt.spawnC(bad));
}
for (const bad of ['1', 1.5, NaN, {}, null, undefined, [1]]) {
  row('rt.spawnC', 'type', TypeError, (e) => e.rt.spawnC('echo', e.ch, bad));
}
row('rt.spawnC', 'range', RangeError, (e) => e.rt.spawnC('no-such-tasklet'));
row('rt.spawnC', 'range', RangeError, (e) => e.rt.spawnC('echo', e.ch, e.ch2, 2n ** 63n));
row('rt.spawnC', 'range', RangeError, (e) => e.rt.spawnC('echo', e.ch, e.ch2, -(2n ** 63n) - 1n));
for (const bad of [5, null, {}, true]) {
  row('t.name', 'type', TypeError, (e) => { e.queued.name = bad; });
}
for (const bad of [5, null, undefined, {}]) {
  row('ch.sendSequence', 'type', TypeError, (e) => e.ch.sendSequence(bad));
}
for (const bad of ['1', 0.5, NaN, null, true, 1n]) {
  row('ch.preference', 'type', TypeError, (e) => { e.ch.preference = bad; });
}
for (const bad of [2, -2, 100]) {
  row('ch.preference', 'range', RangeError, (e) => { e.ch.preference = bad; });
}
for (const bad of [1, 'yes', null, undefined]) {
  row('ch.scheduleAll', 'type', TypeError, (e) => { e.ch.scheduleAll = bad; });
}

// -- read-only members --
for (const m of ['current', 'main', 'runcount', 'stats', 'cTasklets']) {
  row(`rt.${m}`, 'readonly', TypeError, (e) => { e.rt[m] = 1; });
}
// (index.d.ts declares t.id readonly; a changed id would make the handle
// name no tasklet, or another one)
for (const m of ['id', 'alive', 'blocked', 'scheduled', 'paused', 'isMain', 'isCurrent']) {
  row(`t.${m}`, 'readonly', TypeError, (e) => { e.queued[m] = true; });
}
for (const m of ['balance', 'closing', 'closed', 'queue']) {
  row(`ch.${m}`, 'readonly', TypeError, (e) => { e.ch[m] = 1; });
}

// -- tasklet states --
// dead (finished)
row('t.run', 'dead', StateError, async (e) => (await e.dead()).run());
row('t.switch', 'dead', StateError, async (e) => (await e.dead()).switch());
row('t.insert', 'dead', StateError, async (e) => (await e.dead()).insert());
row('t.throw', 'dead', StateError, async (e) => (await e.dead()).throw(new Error('x')));
row('t.throw', 'dead', StateError, async (e) => (await e.dead()).throw(new Error('x'), { pending: true }));
noopRow('t.kill', 'dead', async (e) => (await e.dead()).kill());
noopRow('t.kill', 'dead', async (e) => (await e.dead()).kill({ pending: true }));
noopRow('t.throw(TaskletExit)', 'dead', async (e) => (await e.dead()).throw(new TaskletExit()));
noopRow('t.remove', 'dead', async (e) => { (await e.dead()).remove(); });
// unbound (no function)
row('t.setup', 'unbound', StateError, (e) => e.unbound.setup());
row('t.run', 'unbound', StateError, (e) => e.unbound.run());
row('t.switch', 'unbound', StateError, (e) => e.unbound.switch());
row('t.insert', 'unbound', StateError, (e) => e.unbound.insert());
row('t.throw', 'unbound', StateError, (e) => e.unbound.throw(new Error('x')));
noopRow('t.kill', 'unbound', (e) => e.unbound.kill());
noopRow('t.remove', 'unbound', (e) => { e.unbound.remove(); });
// bound but never set up
row('t.run', 'not set up', StateError, (e) => e.fresh.run());
row('t.switch', 'not set up', StateError, (e) => e.fresh.switch());
row('t.insert', 'not set up', StateError, (e) => e.fresh.insert());
// blocked on a channel (JS and C)
for (const [kind, get] of [['blocked', (e) => e.blocked()], ['C blocked', (e) => e.cBlocked()]]) {
  row('t.run', kind, StateError, async (e) => (await get(e)).run());
  row('t.switch', kind, StateError, async (e) => (await get(e)).switch());
  row('t.insert', kind, StateError, async (e) => (await get(e)).insert());
  row('t.remove', kind, StateError, async (e) => (await get(e)).remove());
  row('t.bind', kind, StateError, async (e) => (await get(e)).bind(noop));
  row('t.setup', kind, StateError, async (e) => (await get(e)).setup());
}
// scheduled (in the run queue) / alive
row('t.bind', 'scheduled', StateError, (e) => e.queued.bind(noop));
row('t.setup', 'alive', StateError, (e) => e.queued.setup());
row('t.setup', 'alive (paused)', StateError, async (e) => (await e.paused()).setup());
// current
row('t.remove', 'current (main)', StateError, (e) => e.rt.main.remove());
row('t.remove', 'current (tasklet)', StateError, async (e) => {
  const out = await e.inTasklet(() => e.rt.current.remove());
  if (out.error) throw out.error;
});
row('t.bind', 'current (tasklet)', StateError, async (e) => {
  const out = await e.inTasklet(() => e.rt.current.bind(noop));
  if (out.error) throw out.error;
});
row('t.setup', 'current (tasklet)', StateError, async (e) => {
  const out = await e.inTasklet(() => e.rt.current.setup());
  if (out.error) throw out.error;
});
// main
row('t.bind', 'main', StateError, (e) => e.rt.main.bind(noop));
row('t.setup', 'main', StateError, (e) => e.rt.main.setup());
// C tasklets cannot take a JS function
row('t.bind', 'C tasklet', StateError, async (e) => (await e.cBlocked()).bind(noop));
row('t.setup', 'C tasklet', StateError, async (e) => (await e.cBlocked()).setup());

// -- closed channels: an operation that would block --
row('ch.send', 'closed', ChannelClosedError, (e) => e.closed().send(1));
row('ch.receive', 'closed', ChannelClosedError, (e) => e.closed().receive());
row('ch.sendException', 'closed', ChannelClosedError, (e) => e.closed().sendException(new Error('x')));
row('ch.sendSequence', 'closed', ChannelClosedError, (e) => e.closed().sendSequence([1, 2]));
row('ch.receive', 'closed (in a tasklet)', ChannelClosedError, async (e) => {
  const ch = e.closed();
  const out = await e.inTasklet(() => ch.receive());
  if (out.error) throw out.error;
});
noopRow('ch.close', 'closed', (e) => { e.closed().close(); });

// -- foreign handles: channels of another runtime, or of a destroyed one --
// (Each runtime is its own wasm instance: a channel handle means nothing
// in another instance's memory.)
const other = { rt: null, ch: null, dead: null };
async function foreign() {
  if (!other.rt) {
    other.rt = await createRuntime();
    for (let i = 0; i < 3; i++) other.rt.channel();
    other.ch = other.rt.channel();
    const gone = await createRuntime();
    other.dead = gone.channel();
    gone.destroy();
  }
  return other;
}
row('rt.spawnC', 'foreign channel (in)', StateError, async (e) => {
  const f = await foreign();
  e.rt.spawnC('echo', f.ch, e.ch, 1);
  await e.rt.run(); // if it was accepted, the C tasklet must not use it
});
row('rt.spawnC', 'foreign channel (out)', StateError, async (e) => {
  const f = await foreign();
  e.rt.spawnC('forward', e.ch, f.ch);
  await e.rt.run();
  await e.ch.send(1);
});
row('rt.spawnC', 'channel of a destroyed runtime', StateError, async (e) => {
  e.rt.spawnC('echo', (await foreign()).dead, e.ch, 1);
});

// -- calls that may switch or change queues, made inside callbacks --
// (the callback fires in the middle of a switch or a channel operation;
// the call must be refused, not performed)
const inCallbackCalls = {
  'rt.run': (e) => e.rt.run(),
  'rt.run({ticks})': (e) => e.rt.run({ ticks: 3 }),
  'rt.schedule': (e) => e.rt.schedule(),
  'rt.scheduleRemove': (e) => e.rt.scheduleRemove(),
  'rt.spawn': (e) => e.rt.spawn(noop),
  'rt.spawnC': (e) => e.rt.spawnC('echo', e.ch, e.ch2, 1),
  't.setup': (e) => e.fresh.setup(),
  't.bind': (e) => e.fresh.bind(noop),
  't.insert': (e) => e.queued.insert(),
  't.remove': (e) => e.queued.remove(),
  't.run': (e) => e.queued.run(),
  't.switch': (e) => e.queued.switch(),
  't.kill': (e) => e.queued.kill(),
  't.kill({pending})': (e) => e.queued.kill({ pending: true }),
  't.throw': (e) => e.queued.throw(new Error('x')),
  't.throw({pending})': (e) => e.queued.throw(new Error('x'), { pending: true }),
  'ch.send': (e) => e.ch.send(1),
  'ch.receive': (e) => e.ch.receive(),
  'ch.sendException': (e) => e.ch.sendException(new Error('x')),
  'ch.sendSequence': (e) => e.ch.sendSequence([1]),
};

// Main receives on a channel a tasklet sends on: a channel callback (main,
// will block), a switch, another channel callback, a switch back. `call`
// runs in the first callback of kind `which`; the outcome of that call.
async function insideCallback(e, which, call) {
  const { rt } = e;
  const trig = rt.channel();
  let outcome = null;
  const set = (fn) => (which === 'schedule' ? rt.setScheduleCallback(fn) : rt.setChannelCallback(fn));
  set(() => {
    set(null);
    try {
      outcome = Promise.resolve(call(e));
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.catch(() => {}); // inspected below
  });
  rt.spawn(async function trigger() { await trig.send('t'); });
  const got = await within(trig.receive(), 3000, 'the triggering receive');
  assert.equal(got, 't', 'the operation the callback interrupted completes normally');
  set(null);
  await within(rt.run(), 3000, 'run after the callback');
  assert.ok(outcome, 'the callback ran');
  return within(outcome, 3000, 'the call made in the callback');
}

for (const [member, call] of Object.entries(inCallbackCalls)) {
  for (const which of ['schedule', 'channel']) {
    row(member, `inside the ${which} callback`, StateError, (e) => insideCallback(e, which, call));
  }
}

// -- a second call while the caller waits on its first --
const blockingCalls = {
  'rt.run': (e) => e.rt.run(),
  'rt.schedule': (e) => e.rt.schedule(),
  'rt.scheduleRemove': (e) => e.rt.scheduleRemove(),
  't.run': (e) => e.queued.run(),
  't.switch': (e) => e.queued.switch(),
  't.kill': (e) => e.queued.kill(),
  't.kill({pending})': (e) => e.queued.kill({ pending: true }),
  't.throw': (e) => e.queued.throw(new Error('x')),
  'ch.send': (e) => e.ch2.send(1),
  'ch.receive': (e) => e.ch2.receive(),
  'ch.sendException': (e) => e.ch2.sendException(new Error('x')),
  'ch.sendSequence': (e) => e.ch2.sendSequence([1]),
};
for (const [member, call] of Object.entries(blockingCalls)) {
  row(member, 'while main waits', StateError, async (e) => {
    e.rt.spawn(async function sender() { await e.ch.send('x'); });
    const first = e.ch.receive();
    let second;
    try {
      second = Promise.resolve(call(e));
    } catch (err) {
      second = Promise.reject(err);
    }
    second.catch(() => {});
    assert.equal(await within(first, 3000, 'the first call'), 'x');
    return within(second, 3000, 'the second call');
  });
  row(member, 'while the tasklet waits', StateError, async (e) => {
    // another runnable tasklet, so that the first call really switches away
    e.rt.spawn(async function other() { for (let i = 0; i < 10; i++) await e.rt.schedule(); });
    const out = await e.inTasklet(async () => {
      await e.rt.schedule(); // now [caller, other, queued ...]
      const first = e.rt.schedule('first');
      let second;
      try {
        second = Promise.resolve(call(e));
      } catch (err) {
        second = Promise.reject(err);
      }
      second.catch(() => {});
      assert.equal(await first, 'first');
      return within(second, 3000, 'the second call');
    });
    if (out.error) throw out.error;
  });
}

// -- after destroy --
const afterDestroy = {
  'rt.tasklet': (e) => e.rt.tasklet(noop),
  'rt.spawn': (e) => e.rt.spawn(noop),
  'rt.spawnC': (e) => e.rt.spawnC('echo', e.ch, e.ch2, 1),
  'rt.channel': (e) => e.rt.channel(),
  'rt.run': (e) => e.rt.run(),
  'rt.run({ticks})': (e) => e.rt.run({ ticks: 2 }),
  'rt.schedule': (e) => e.rt.schedule(),
  'rt.scheduleRemove': (e) => e.rt.scheduleRemove(),
  'rt.current': (e) => e.rt.current,
  'rt.main': (e) => e.rt.main,
  'rt.runcount': (e) => e.rt.runcount,
  'rt.stats': (e) => e.rt.stats,
  'rt.cTasklets': (e) => e.rt.cTasklets,
  'rt.setScheduleCallback': (e) => e.rt.setScheduleCallback(null),
  'rt.setChannelCallback': (e) => e.rt.setChannelCallback(null),
  't.alive': (e) => e.queued.alive,
  't.blocked': (e) => e.queued.blocked,
  't.scheduled': (e) => e.queued.scheduled,
  't.paused': (e) => e.queued.paused,
  't.isMain': (e) => e.queued.isMain,
  't.isCurrent': (e) => e.queued.isCurrent,
  't.bind': (e) => e.fresh.bind(noop),
  't.setup': (e) => e.fresh.setup(),
  't.insert': (e) => e.queued.insert(),
  't.remove': (e) => e.queued.remove(),
  't.run': (e) => e.queued.run(),
  't.switch': (e) => e.queued.switch(),
  't.kill': (e) => e.queued.kill(),
  't.throw': (e) => e.queued.throw(new Error('x')),
  'ch.send': (e) => e.ch.send(1),
  'ch.receive': (e) => e.ch.receive(),
  'ch.sendException': (e) => e.ch.sendException(new Error('x')),
  'ch.sendSequence': (e) => e.ch.sendSequence([1]),
  'ch.balance': (e) => e.ch.balance,
  'ch.preference': (e) => e.ch.preference,
  'ch.preference=': (e) => { e.ch.preference = 0; },
  'ch.scheduleAll': (e) => e.ch.scheduleAll,
  'ch.scheduleAll=': (e) => { e.ch.scheduleAll = true; },
  'ch.close': (e) => e.ch.close(),
  'ch.open': (e) => e.ch.open(),
  'ch.closing': (e) => e.ch.closing,
  'ch.closed': (e) => e.ch.closed,
  'ch.queue': (e) => e.ch.queue,
  'ch[Symbol.asyncIterator]': (e) => e.ch[Symbol.asyncIterator]().next(),
};
for (const [member, call] of Object.entries(afterDestroy)) {
  row(member, 'destroyed', StateError, (e) => { e.rt.destroy(); return call(e); });
}
noopRow('rt.destroy', 'destroyed (twice)', (e) => { e.rt.destroy(); e.rt.destroy(); });
row('rt.destroy', 'from a tasklet: main\'s run() rejects', StateError, async (e) => {
  e.rt.spawn(async function destroyer() { e.rt.destroy(); });
  await within(e.rt.run(), 3000, 'main\'s run');
});
for (const which of ['schedule', 'channel']) {
  row('rt.destroy', `inside the ${which} callback: the interrupted call rejects`, StateError, async (e) => {
    const trig = e.rt.channel();
    if (which === 'schedule') e.rt.setScheduleCallback(() => e.rt.destroy());
    else e.rt.setChannelCallback(() => e.rt.destroy());
    e.rt.spawn(async function trigger() { await trig.send('t'); });
    await within(trig.receive(), 3000, 'the interrupted receive');
  });
}

// ---- running the matrix -----------------------------------------------------
let passed = 0;
after(() => {
  other.rt?.destroy();
  const members = new Set(cases.map((c) => c.member)).size;
  const line = `misuse matrix: ${cases.length} cases over ${members} members, ${passed} passed`;
  console.log(line);
});

const byMember = new Map();
for (const c of cases) {
  if (!byMember.has(c.member)) byMember.set(c.member, []);
  byMember.get(c.member).push(c);
}

for (const [member, list] of byMember) {
  describe(member, () => {
    list.forEach((c, i) => {
      const what = c.cls ? `${c.kind} -> ${c.cls.name}` : `${c.kind} -> no-op`;
      test(`${what} (#${i + 1})`, T, async () => {
        const rt = await createRuntime();
        try {
          const e = fixture(rt);
          let outcome;
          try {
            outcome = { value: await within(Promise.resolve().then(() => c.fn(e)), 5000, `${member}`) };
          } catch (err) {
            outcome = { error: err };
          }
          if (c.cls) {
            assert.ok('error' in outcome, `${member} (${c.kind}) must fail with ${c.cls.name}, but succeeded`);
            const err = outcome.error;
            assert.ok(err instanceof c.cls,
              `${member} (${c.kind}): expected ${c.cls.name}, got ${err && err.constructor && err.constructor.name}: ${err && err.message}`);
            for (const wrong of [TypeError, RangeError, StateError, ChannelClosedError, DeadlockError, TaskletExit]) {
              if (wrong !== c.cls && !(c.cls.prototype instanceof wrong)) {
                assert.ok(!(err instanceof wrong), `${member}: also a ${wrong.name}`);
              }
            }
          } else if ('error' in outcome) {
            assert.fail(`${member} (${c.kind}) must be a no-op, but failed: ${outcome.error}`);
          }
          // the runtime keeps working (or, once destroyed, keeps refusing)
          let destroyed = false;
          try { rt.runcount; } catch (err) { destroyed = err instanceof StateError; }
          if (destroyed) {
            await assert.rejects(async () => rt.spawn(noop), StateError);
            const rt2 = await createRuntime();
            await within(pingpong(rt2), 5000, 'ping-pong on a new runtime');
            rt2.destroy();
          } else {
            rt.setScheduleCallback(null);
            rt.setChannelCallback(null);
            same(rt.current, rt.main, 'main is current after the case');
            await within(pingpong(rt), 5000, 'ping-pong after the case');
          }
          passed++;
        } finally {
          rt.destroy();
        }
      });
    });
  });
}
