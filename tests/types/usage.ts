// Compiled with `tsc --noEmit` in `make test`: every member of API.md §1
// must type-check as a user would write it.
import {
  createRuntime, TaskletExit, DeadlockError, ChannelClosedError, StateError, TimeoutError,
  type Runtime, type Tasklet, type Channel, type Stats,
} from 'stackless-wasm';

async function main(): Promise<void> {
  const rt: Runtime = await createRuntime();
  const ch: Channel<number> = rt.channel();
  const other: Channel<string> = rt.channel({ capacity: 0 });

  const t: Tasklet<[number, string]> = rt.tasklet(async (n: number, s: string) => {
    const v: number = await ch.receive();
    await other.send(`${s}${n + v}`);
  });
  t.bind(async (n: number, s: string) => { void n; void s; });
  t.setup(1, 'x');
  const spawned: Tasklet = rt.spawn(async () => { await rt.schedule(); });
  const c: Tasklet = rt.spawnC('echo', ch, ch, 1n, 2);

  const id: number = t.id;
  t.name = 'worker';
  const name: string = t.name;
  const flags: boolean[] = [t.alive, t.blocked, t.scheduled, t.paused, t.isMain, t.isCurrent];
  t.insert().remove();
  await t.run();
  await t.switch();
  await t.kill();
  await t.kill({ pending: true });
  await t.throw(new Error('x'), { pending: false });

  const cur: Tasklet = rt.current;
  const main: Tasklet = rt.main;
  const rc: number = rt.runcount;
  await rt.run();
  const left: number | undefined = await rt.run({ ticks: 10 });
  const same: string = await rt.schedule('v');
  const self: Tasklet = await rt.schedule();
  const removed: number = await rt.scheduleRemove(5);
  const prevSched = rt.setScheduleCallback((prev: Tasklet | null, next: Tasklet | null) => { void prev; void next; });
  const prevChan = rt.setChannelCallback((chn, tk, sending: boolean, willblock: boolean) => { void chn; void tk; void sending; void willblock; });
  const stats: Stats = rt.stats;
  const counters: number[] = [stats.tasklets, stats.runnable, stats.blocked, stats.switches, stats.channelOps];
  const names: string[] = rt.cTasklets;
  const dump: string = rt.dump();

  await ch.send(1);
  const got: number = await ch.receive();
  await ch.sendException(new TaskletExit());
  const count: number = await ch.sendSequence([1, 2, 3]);
  const balance: number = ch.balance;
  ch.preference = 1;
  const pref: -1 | 0 | 1 = ch.preference;
  ch.scheduleAll = true;
  ch.close();
  ch.open();
  const closing: boolean = ch.closing;
  const closed: boolean = ch.closed;
  const first: Tasklet | null = ch.queue;
  for await (const v of ch) { const n: number = v; void n; }

  for (const E of [TaskletExit, DeadlockError, ChannelClosedError, StateError]) {
    const e: Error = new E('m');
    void e;
  }
  await rt.sleep(1);
  const timed: number = await ch.receive({ timeout: 10 });
  await ch.send(2, { timeout: 10 });
  void timed; void new TimeoutError();
  const buffered: Channel<number> = rt.channel({ capacity: 4 });
  const sel = await rt.select([{ receive: buffered }, { send: ch, value: 1 }], { block: false });
  const idx: number = sel.index;
  const snap: Uint8Array = rt.snapshot();
  const rt2: Runtime = await createRuntime({ snapshot: snap });
  const all: Tasklet[] = rt2.tasklets();
  const chans: Channel[] = rt2.channels();
  const insp = rt2.inspect();
  const mem: ArrayBuffer = rt2.memory;
  const cap: number = buffered.capacity;
  void [idx, all, chans, insp.runQueue, mem, cap];
  rt.destroy();
  void [id, name, flags, c, spawned, cur, main, rc, left, same, self, removed, prevSched, prevChan,
    counters, names, dump, got, count, balance, pref, closing, closed, first];
}
void main;
