// Type declarations for stackless-wasm (hand-written; see API.md).

/** Raised inside a killed tasklet; if uncaught, the tasklet ends silently. */
export class TaskletExit extends Error {}
/** A tasklet (main included) would block with nothing else runnable. */
export class DeadlockError extends Error {}
/** An operation would block on a closing channel. */
export class ChannelClosedError extends Error {}
/** An operation not valid in the current state (or on a destroyed runtime). */
export class StateError extends Error {}
/** A timed operation did not complete in time. */
export class TimeoutError extends Error {}

/** A fresh, independent runtime: one wasm instance. */
export function createRuntime(options?: RuntimeOptions): Promise<Runtime>;

export interface RunOptions {
  /** Return after at most this many tasklet switches (integer >= 1). */
  ticks?: number;
}

export interface Stats {
  tasklets: number;
  runnable: number;
  blocked: number;
  switches: number;
  channelOps: number;
  /** Bytes held by the saved stacks of suspended C tasklets. */
  saveBytes: number;
  /** Linear memory in use (the heap's break). */
  heapBytes: number;
}

export interface ChannelOptions {
  /** Values a send may leave without a receiver (0, the default: rendezvous). */
  capacity?: number;
}

export type SelectCase<T = any> = { receive: Channel<T> } | { send: Channel<T>; value: T };
export interface SelectResult<T = any> {
  /** The case that completed, or -1 (block: false, none ready). */
  index: number;
  /** The value of a receive case. */
  value?: T;
}

export interface RuntimeOptions {
  /** Bytes from rt.snapshot(): continue from there. */
  snapshot?: Uint8Array;
}

/** Per tasklet, from rt.inspect(). States: 0 running, 1 runnable, 2 sending,
 * 3 receiving, 4 paused, 5 waiting in run(), 6 not alive, 7 selecting. */
export interface Inspection {
  ids: Int32Array;
  states: Int8Array;
  channels: Int32Array;
  wokenBy: Int32Array;
  runQueue: Int32Array;
}

export type TaskletFunction<A extends unknown[] = any[]> = (...args: A) => unknown | Promise<unknown>;
export type ScheduleCallback = (prev: Tasklet | null, next: Tasklet | null) => void;
export type ChannelCallback = (channel: Channel | null, tasklet: Tasklet | null, sending: boolean, willblock: boolean) => void;

export class Runtime {
  private constructor();
  /** The tasklet that runs code outside any tasklet. */
  readonly main: Tasklet;
  readonly current: Tasklet;
  /** Length of the run queue, the current tasklet included while queued. */
  readonly runcount: number;
  readonly stats: Stats;
  /** Names of the C tasklets compiled into the module. */
  readonly cTasklets: string[];

  /** A new tasklet bound to fn, not yet scheduled. */
  tasklet<A extends unknown[]>(fn?: TaskletFunction<A> | null): Tasklet<A>;
  /** rt.tasklet(fn).setup(...args) */
  spawn<A extends unknown[]>(fn: TaskletFunction<A>, ...args: A): Tasklet<A>;
  /** Start a C tasklet registered under `name`. */
  spawnC(name: string, ...args: Array<number | bigint | Channel>): Tasklet;
  channel(options?: ChannelOptions): Channel;
  /** Run until no other tasklet is runnable; with ticks, resolves to the number still runnable. */
  run(): Promise<void>;
  run(options: RunOptions): Promise<number | undefined>;
  /** Only the calling tasklet waits at least ms milliseconds; the others run. */
  sleep(ms: number): Promise<void>;
  /** Current tasklet to the back of the run queue; resolves to v (default: the current tasklet). */
  schedule<T = Tasklet>(v?: T): Promise<T>;
  /** Like schedule, but the caller leaves the run queue. */
  scheduleRemove<T = Tasklet>(v?: T): Promise<T>;
  setScheduleCallback(fn: ScheduleCallback | null): ScheduleCallback | null;
  setChannelCallback(fn: ChannelCallback | null): ChannelCallback | null;
  /** Complete one of several operations; the first ready case in array order wins. */
  select<T = any>(cases: SelectCase<T>[], options?: { block?: boolean; timeout?: number }): Promise<SelectResult<T>>;
  /** The whole runtime (C tasklets only) as bytes for createRuntime({ snapshot }). */
  snapshot(): Uint8Array;
  /** One line per tasklet: id, name, state and the channel it waits on. */
  dump(): string;
  /** Every tasklet, C ones included, main first. */
  tasklets(): Tasklet[];
  /** Every channel, those made by C tasklets included. */
  channels(): Channel[];
  /** The scheduler's state in typed arrays. */
  inspect(): Inspection;
  /** The instance's linear memory. */
  readonly memory: ArrayBuffer;
  /** Release the instance; later calls throw StateError. */
  destroy(): void;
}

export class Tasklet<A extends unknown[] = any[]> {
  private constructor();
  readonly id: number;
  name: string;
  /** True for JS tasklets and main, false for C tasklets. */
  readonly isJS: boolean;
  readonly alive: boolean;
  readonly blocked: boolean;
  readonly scheduled: boolean;
  readonly paused: boolean;
  readonly isMain: boolean;
  readonly isCurrent: boolean;
  bind(fn: TaskletFunction<A> | null): this;
  /** Make it alive with args and append it to the end of the run queue. */
  setup(...args: A): this;
  insert(): this;
  remove(): this;
  run(): Promise<void>;
  switch(): Promise<void>;
  kill(options?: { pending?: boolean }): Promise<void>;
  throw(err: unknown, options?: { pending?: boolean }): Promise<void>;
}

export class Channel<T = any> implements AsyncIterable<T> {
  private constructor();
  readonly id: number;
  send(value: T, options?: { timeout?: number }): Promise<void>;
  receive(options?: { timeout?: number }): Promise<T>;
  sendException(err: unknown): Promise<void>;
  sendSequence(values: Iterable<T>): Promise<number>;
  /** > 0: that many values waiting (blocked senders, plus buffered values);
   * < 0: that many receivers blocked. */
  readonly balance: number;
  /** 0 for a rendezvous channel. */
  readonly capacity: number;
  /** The C handle (what a C tasklet holds for this channel). */
  readonly handle: number;
  /** -1 prefer the receiver, 0 neither, 1 the sender. */
  preference: -1 | 0 | 1;
  scheduleAll: boolean;
  close(): void;
  open(): void;
  readonly closing: boolean;
  readonly closed: boolean;
  /** The first blocked tasklet, or null. */
  readonly queue: Tasklet | null;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}
