// stackless-wasm: Stackless Python's tasklets, scheduler and channels for
// JavaScript, on a C core compiled to WebAssembly.
//
// Every runtime is its own wasm instance. Main (the code outside any
// tasklet) and JS tasklets are "JS-driven": the core never unwinds them.
// When one of them waits, the core runs C tasklets until a JS-driven
// tasklet is current, and if that is not the caller the call returns
// SL_EPENDING: the caller's promise stays pending, and this layer settles
// the promise of the tasklet that is now current (or starts it).

import createCore from './core.mjs';

// ---- errors -------------------------------------------------------------

export class StateError extends Error {
  constructor(message, options) { super(message, options); this.name = 'StateError'; }
}
export class DeadlockError extends Error {
  constructor(message, options) { super(message, options); this.name = 'DeadlockError'; }
}
export class TaskletExit extends Error {
  constructor(message = 'TaskletExit', options) { super(message, options); this.name = 'TaskletExit'; }
}
export class ChannelClosedError extends Error {
  constructor(message, options) { super(message, options); this.name = 'ChannelClosedError'; }
}
export class TimeoutError extends Error {
  constructor(message = 'timed out', options) { super(message, options); this.name = 'TimeoutError'; }
}

// Codes of csrc/stackless.h.
const E = {
  INVAL: -1, STATE: -2, DEAD: -3, BLOCKED: -4, CURRENT: -5, DEADLOCK: -6,
  CLOSED: -7, KILLED: -8, NOMEM: -9, STACK: -10, FOREIGN: -11, RECURSIVE: -12,
  UNBOUND: -13, ALIVE: -14, BUSY: -15, CRASHED: -16, PENDING: -17, JS: -18,
  TIMEOUT: -19,
};

// ---- loading ------------------------------------------------------------

const isNode = typeof process === 'object' && !!process.versions?.node;
let compiled; // Promise<WebAssembly.Module>, shared by all runtimes

function compileCore() {
  if (!compiled) {
    const url = new URL('./core.wasm', import.meta.url);
    compiled = isNode
      ? import('node:fs/promises').then((fs) => fs.readFile(url)).then((b) => WebAssembly.compile(b))
      : WebAssembly.compileStreaming(fetch(url));
  }
  return compiled;
}

/** A fresh, independent runtime (one wasm instance). */
export async function createRuntime(options = {}) {
  if (options === null || typeof options !== 'object') throw new TypeError('createRuntime: options must be an object');
  let snap = null;
  if (options.snapshot !== undefined) {
    if (!(options.snapshot instanceof Uint8Array)) throw new TypeError('createRuntime: snapshot must be a Uint8Array from rt.snapshot()');
    snap = readSnapshot(options.snapshot);
  }
  const mod = await compileCore();
  let raw;
  const M = await createCore({
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(mod, imports).then((inst) => {
        raw = inst.exports;
        receive(inst, mod);
      });
      return {};
    },
  });
  // Call the wasm exports directly: emcc's -sASYNCIFY wraps each export in
  // JS bookkeeping for its own (JS-driven) Asyncify, which is not used here.
  if (snap) {
    if (!raw.sl_js_reserve(snap.length)) throw new RangeError('createRuntime: not enough memory for the snapshot');
    snap.restore(M.HEAPU8);
    raw.stackRestore(snap.sp);
  }
  return new Runtime(M, raw, snap?.runtime);
}

// ---- snapshots ------------------------------------------------------------
// A snapshot is the instance's linear memory up to the heap's break, in
// 4 KiB pages, all-zero pages left out: a header (magic, version, the
// runtime's address, the stack pointer, the memory length), a bitmap of
// the pages present, then those pages. C state all lives in that memory.
const SNAP_MAGIC = 0x534c5753; // 'SLWS'
const SNAP_VERSION = 2;
const SNAP_HEADER = 20;
const PAGE = 4096;

function writeSnapshot(mem, runtime, sp) {
  const pages = Math.ceil(mem.length / PAGE);
  const words = new Uint32Array(mem.buffer, mem.byteOffset, (pages * PAGE) >> 2);
  const present = new Uint8Array(pages);
  let count = 0;
  for (let p = 0; p < pages; p++) {
    for (let i = (p * PAGE) >> 2, end = i + (PAGE >> 2); i < end; i++) {
      if (words[i]) { present[p] = 1; count++; break; }
    }
  }
  const bitmap = Math.ceil(pages / 8);
  const out = new Uint8Array(SNAP_HEADER + bitmap + count * PAGE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, SNAP_MAGIC, true);
  dv.setUint32(4, SNAP_VERSION, true);
  dv.setUint32(8, runtime, true);
  dv.setUint32(12, sp, true);
  dv.setUint32(16, pages * PAGE, true);
  let at = SNAP_HEADER + bitmap;
  for (let p = 0; p < pages; p++) {
    if (!present[p]) continue;
    out[SNAP_HEADER + (p >> 3)] |= 1 << (p & 7);
    out.set(mem.subarray(p * PAGE, (p + 1) * PAGE), at);
    at += PAGE;
  }
  return out;
}

function readSnapshot(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < SNAP_HEADER || dv.getUint32(0, true) !== SNAP_MAGIC) {
    throw new TypeError('createRuntime: not a stackless-wasm snapshot');
  }
  if (dv.getUint32(4, true) !== SNAP_VERSION) throw new TypeError('createRuntime: snapshot of another version');
  const length = dv.getUint32(16, true), pages = length / PAGE, bitmap = Math.ceil(pages / 8);
  let count = 0;
  for (let p = 0; p < pages; p++) if (bytes[SNAP_HEADER + (p >> 3)] & (1 << (p & 7))) count++;
  if (SNAP_HEADER + bitmap + count * PAGE !== bytes.byteLength) throw new TypeError('createRuntime: truncated snapshot');
  return {
    runtime: dv.getUint32(8, true),
    sp: dv.getUint32(12, true),
    length,
    restore(heap) {
      let at = SNAP_HEADER + bitmap;
      for (let p = 0; p < pages; p++) {
        if (bytes[SNAP_HEADER + (p >> 3)] & (1 << (p & 7))) {
          heap.set(bytes.subarray(at, at + PAGE), p * PAGE);
          at += PAGE;
        } else {
          heap.fill(0, p * PAGE, (p + 1) * PAGE);
        }
      }
    },
  };
}

// ---- value transport ----------------------------------------------------
// A value sent on a channel travels as a 64-bit integer (what C tasklets
// see) plus, when that integer cannot stand for it exactly, a handle to the
// JS value itself. Objects sent to C tasklets arrive there as opaque
// handles, tagged in the high bits so that they decode back to the object.
const TAG_HI = 0x4a530000; // "JS" in the top 16 bits: an object handle
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

// How the value of a completed operation is produced.
// K_SEND: the value handle is dropped if the value was never delivered;
// K_THROW: the error handle is dropped if the call failed at once.
const K_NONE = 0, K_SEND = 1, K_RECV = 2, K_VALUE = 3, K_TICKS = 4, K_THROW = 5, K_SELECT = 6;
const DONE = Promise.resolve();

// ---- the runtime --------------------------------------------------------

const kernels = new WeakMap(); // Runtime -> Kernel (keeps internals private)

class Kernel {
  constructor(rt, M, x, restored) {
    this.rt = rt;
    this.M = M; // emcc's module: memory views
    this.x = x; // the wasm exports
    this.out = x.sl_js_out();
    this.layout = {
      tid: this.i32(this.out + 12), cur: this.i32(this.out + 16), stats: this.i32(this.out + 20),
      cid: this.i32(this.out + 28), bal: this.i32(this.out + 32),
    };
    this.ptr = restored ?? x.sl_runtime_new(0);
    if (!this.ptr) throw new Error('stackless-wasm: out of memory creating a runtime');
    this.stackBase = x.stackSave();
    x.sl_js_set_driven(this.ptr); // waiting for timers returns to JS
    this.timer = null;
    this.gated = false;
    this.openGate = () => { this.gated = false; };
    this.tasklets = new Map(); // pointer -> Tasklet kept alive (JS-driven)
    this.views = new Map();    // pointer -> WeakRef(Tasklet), any tasklet
    this.channels = new Map(); // pointer -> Channel
    this.values = new Map();   // handle -> JS value in flight
    this.nextRef = 1;
    this.destroyed = false;
    this.broken = null;
    this.scheduleCb = null;
    this.channelCb = null;
    // A JS-owned C record is handed to the runtime once its object is gone:
    // freed at once if it is dead, else when it ends.
    this.release = new FinalizationRegistry((p) => { if (!this.destroyed) x.sl_tasklet_detach(p); });
    this.forget = new FinalizationRegistry((p) => {
      if (this.views.get(p)?.deref() === undefined) this.views.delete(p);
    });
    M.slOnSwitch = (p, n) => this.onSwitch(p, n);
    M.slOnChannel = (c, t, s, w) => this.onChannel(c, t, s, w);
  }

  i32(addr) { return this.M.HEAP32[addr >> 2]; }
  u32(addr) { return this.M.HEAPU32[addr >> 2]; }
  f64(addr) { return this.M.HEAPF64[addr >> 3]; }
  str(addr) {
    if (!addr) return '';
    const h = this.M.HEAPU8;
    let end = addr;
    while (h[end]) end++;
    return new TextDecoder().decode(h.subarray(addr, end));
  }
  // The 64-bit result as a Number when it is exactly representable (the
  // common case, without BigInt arithmetic), else as a BigInt.
  outValue() {
    const lo = this.u32(this.out), hi = this.i32(this.out + 4);
    if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
    return BigInt.asIntN(64, BigInt(lo) | (BigInt(hi) << 32n));
  }
  outVref() { return this.u32(this.out + 8); }
  detail() { return this.str(this.x.sl_error_detail(this.ptr)); }

  check() {
    if (this.destroyed) throw new StateError('this runtime was destroyed');
    if (this.broken) throw new StateError('this runtime is unusable after an internal trap', { cause: this.broken });
  }

  currentPtr() { return this.u32(this.ptr + this.layout.cur); }
  current() { return this.view(this.currentPtr()); }

  // The Tasklet object for a C record: the same object every time while
  // any is reachable (created on first sight).
  view(p) {
    if (!p) return null;
    const id = this.u32(p + this.layout.tid);
    let t = this.tasklets.get(p);
    if (t && t.id === id) return t;
    t = this.views.get(p)?.deref();
    if (t && t.id === id) return t;
    return new Tasklet(this, p, null);
  }

  // Call f(rt, buf, max) filling `per` int32s per item, growing a scratch
  // buffer until everything fits; a copy of the items.
  fill(f, per) {
    for (;;) {
      const cap = this.scratchCap ?? 0;
      const n = cap ? f(this.ptr, this.scratch, cap / per) : f(this.ptr, 0, 0);
      if (n * per <= cap) return this.M.HEAP32.slice(this.scratch >> 2, (this.scratch >> 2) + n * per);
      if (this.scratch) this.x.free(this.scratch);
      this.scratchCap = Math.max(1024, n * per * 2);
      this.scratch = this.x.malloc(this.scratchCap * 4);
      if (!this.scratch) throw new RangeError('out of memory');
    }
  }

  list(f) { return Array.from(this.fill(f, 1), (p) => p >>> 0); }

  channelView(p) {
    const ch = new Channel(this, p);
    this.channels.set(p, ch);
    return ch;
  }

  // ---- values ----
  // Sets this.lo / this.hi to the 64-bit form of v and returns the handle
  // that carries v itself when the integer cannot (0: none).
  encode(v) {
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
        this.lo = v | 0;
        this.hi = Math.floor(v / 4294967296) | 0;
        return 0;
      }
      const n = Number.isFinite(v) ? BigInt(Math.trunc(Math.max(-(2 ** 63), Math.min(2 ** 63 - 1024, v)))) : 0n;
      this.lo = Number(BigInt.asIntN(32, n));
      this.hi = Number(BigInt.asIntN(32, n >> 32n));
      return this.keep(v);
    }
    if (typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX) {
      this.lo = Number(BigInt.asIntN(32, v));
      this.hi = Number(BigInt.asIntN(32, v >> 32n));
      return this.keep(v);
    }
    const ref = this.keep(v);
    this.lo = ref | 0;
    this.hi = TAG_HI | 0;
    return ref;
  }

  keep(v) {
    let ref;
    do {
      ref = this.nextRef;
      this.nextRef = ref >= 0x7fffffff ? 1 : ref + 1;
    } while (this.values.has(ref));
    this.values.set(ref, v);
    return ref;
  }

  decode(value, ref) {
    if (ref && this.values.has(ref)) {
      const v = this.values.get(ref);
      this.values.delete(ref);
      return v;
    }
    if (typeof value === 'number') return value;
    // an object handle forwarded by a C tasklet
    if (Number(BigInt.asUintN(32, value >> 32n)) >>> 16 === TAG_HI >>> 16) {
      const id = Number(value & 0xffffffffn);
      if (this.values.has(id)) return this.values.get(id);
    }
    return value;
  }

  // ---- errors ----
  error(rc, what) {
    const detail = this.detail();
    switch (rc) {
      case E.KILLED: {
        // a TaskletExit the user threw travels with its handle
        this.x.sl_js_errval(this.ptr);
        const ref = this.u32(this.out);
        const v = ref ? this.values.get(ref) : undefined;
        if (v instanceof TaskletExit) {
          this.values.delete(ref);
          return v;
        }
        return new TaskletExit();
      }
      case E.DEADLOCK: return new DeadlockError(detail || 'Deadlock');
      case E.CLOSED: return new ChannelClosedError(`${what}: ${detail}`);
      case E.TIMEOUT: return new TimeoutError(`${what}: timed out`);
      case E.JS: {
        this.x.sl_js_errval(this.ptr);
        const ref = this.u32(this.out);
        const v = this.values.get(ref);
        this.values.delete(ref);
        return v;
      }
      case E.INVAL: return new RangeError(`${what}: ${detail}`);
      case E.STACK: return new RangeError(`${what}: tasklet stack overflow (${detail})`);
      case E.NOMEM: return new RangeError(`${what}: out of memory (${detail})`);
      case E.CRASHED: return new Error(`${what}: ${detail}`);
      default:
        if (rc <= -1000) {
          this.x.sl_js_errval(this.ptr);
          const err = new Error(`${what}: C tasklet error ${rc} (${detail})`);
          err.code = rc;
          err.value = this.outValue();
          return err;
        }
        return new StateError(`${what}: ${detail}`);
    }
  }

  // A thrown JS value travels to C as (SL_EJS, handle).
  errorCode(err) {
    return [err instanceof TaskletExit ? E.KILLED : E.JS, this.keep(err)];
  }

  // ---- calls that may switch ----
  // The calling JS-driven tasklet (the current one), if it may start an
  // operation: one at a time.
  enter(what, handle) {
    this.check();
    handle?.k_ptr(); // a tasklet or channel the call is about: still valid
    if (this.gated) {
      // the resumed tasklet has not run yet, so this call comes from code
      // that is itself waiting (e.g. main calling again without await)
      throw new StateError(`${what}: a second concurrent call while the caller's previous operation is pending; await each call before the next`);
    }
    const caller = this.current();
    if (caller.k_res) {
      throw new StateError(`${what}: ${caller.name} is already waiting on an operation; await each call before the next`);
    }
    return caller;
  }

  // A core call that may switch; a trap inside a C tasklet kills that
  // tasklet and the runtime goes on.
  call(f, a, b, c, d, e) {
    try {
      return f(a, b, c, d, e);
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError || err instanceof RangeError)) throw err;
      // A tasklet that recursed past the bottom of the tasklet stack region
      // (at address 1024) left the stack pointer below it, or wrapped.
      const sp = this.x.stackSave() >>> 0;
      this.x.stackRestore(this.stackBase);
      const stack = err instanceof RangeError || sp < 1024 || sp >= 0x80000000;
      if (!this.x.sl_js_recover(this.ptr, stack ? E.STACK : E.CRASHED)) {
        this.broken = err;
        throw new StateError('stackless-wasm: internal trap outside any C tasklet', { cause: err });
      }
      // whoever is current now (the caller or another JS-driven tasklet)
      // is settled by dispatch(), with the dead tasklet's error if it is
      // the one that receives it
      return E.PENDING;
    }
  }

  // The promise for the caller's operation that returned rc. Pending: the
  // caller waits, and whoever is current now goes on.
  settle(caller, rc, what, kind, value) {
    if (this.destroyed) return Promise.reject(new StateError(`${what}: the runtime was destroyed`));
    if (rc === E.PENDING) {
      caller.k_what = what;
      caller.k_kind = kind;
      caller.k_value = value;
      const p = new Promise((resolve, reject) => {
        caller.k_res = resolve;
        caller.k_rej = reject;
      });
      this.dispatch();
      return p;
    }
    if (rc < 0) {
      const err = this.error(rc, what);
      if (value && (kind === K_THROW || (kind === K_SEND && this.x.sl_js_undelivered(caller.ptr)))) {
        this.values.delete(value);
      }
      return Promise.reject(err);
    }
    return kind === K_NONE || kind === K_SEND || kind === K_THROW ? DONE : Promise.resolve(this.result(kind, value));
  }

  result(kind, value) {
    if (kind === K_RECV) return this.decode(this.outValue(), this.outVref());
    if (kind === K_SELECT) {
      const index = this.i32(this.out + 60);
      if (index < 0) return { index: -1 };
      return value[index] ? { index, value: this.decode(this.outValue(), this.outVref()) } : { index };
    }
    if (kind === K_TICKS) return value ? Math.max(0, this.x.sl_runcount(this.ptr) - 1) : undefined;
    if (kind === K_VALUE) return value;
    return undefined;
  }

  // The current JS-driven tasklet goes on: settle its pending operation,
  // or start its function.
  dispatch() {
    if (this.x.sl_js_idle(this.ptr)) { // only sleepers: wait for the first
      this.armTimer();
      return;
    }
    const p = this.currentPtr();
    const t = this.view(p);
    const resolve = t.k_res;
    if (resolve || (t.isJS && !t.k_started)) this.closeGate();
    if (resolve) {
      const reject = t.k_rej, kind = t.k_kind, value = t.k_value;
      t.k_res = t.k_rej = t.k_value = null;
      const rc = this.x.sl_js_complete(p);
      if (rc < 0) {
        const err = this.error(rc, t.k_what);
        // a value handed over stays: its receiver may not have run yet
        if (kind === K_SEND && value && this.x.sl_js_undelivered(p)) this.values.delete(value);
        reject(err);
      } else {
        resolve(this.result(kind, value));
      }
      return;
    }
    if (t.isJS && !t.k_started) {
      t.k_started = true;
      const rc = this.x.sl_js_complete(p); // an error thrown before it started
      if (rc < 0) {
        const err = this.error(rc, 'start');
        DONE.then(() => this.end(t, err, true));
        return;
      }
      const { fn, args } = t.k_call;
      DONE.then(() => {
        let result;
        try {
          result = Promise.resolve(fn(...args));
        } catch (e) {
          result = Promise.reject(e);
        }
        result.then(() => this.end(t, null, false), (e) => this.end(t, e, true));
      });
    }
    // Main current without a pending call: nothing to settle.
  }

  // Idle: wake the runtime when its first sleeper is due.
  armTimer() {
    if (this.timer || this.destroyed) return;
    const ms = this.x.sl_js_next_wake(this.ptr);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.destroyed) return;
      this.call(this.x.sl_js_wake, this.ptr);
      this.dispatch();
    }, Math.max(0, Math.ceil(ms)));
  }

  // Until the tasklet that dispatch() resumes runs (a microtask queued
  // before its own continuation), no other code may start an operation:
  // it could only be a tasklet that already waits.
  closeGate() {
    if (this.gated) return;
    this.gated = true;
    // a promise reaction, not queueMicrotask (which Node wraps for async
    // hooks and costs several times more)
    DONE.then(this.openGate);
  }

  // A JS tasklet's function has finished.
  end(t, err, failed) {
    if (this.destroyed) return;
    const p = t.ptr;
    if (this.currentPtr() !== p) {
      this.broken = new StateError(`tasklet ${t.name} finished while not current`);
      return;
    }
    let code = 0, ref = 0;
    if (failed && err instanceof TaskletExit) code = E.KILLED;
    else if (failed) [code, ref] = this.errorCode(err);
    this.call(this.x.sl_js_end, p, code, ref, 0);
    this.tasklets.delete(p); // no longer kept alive by the runtime
    this.dispatch();
  }

  onSwitch(prev, next) {
    if (!this.scheduleCb) return;
    this.inCallback = true;
    try { this.scheduleCb(this.view(prev), this.view(next)); } catch (e) {
      console.error('Error in scheduling callback', e);
    } finally {
      this.inCallback = false;
    }
  }

  onChannel(ch, t, sending, willblock) {
    if (!this.channelCb) return;
    this.inCallback = true;
    try {
      this.channelCb(this.channels.get(ch) ?? this.channelView(ch), this.view(t), !!sending, !!willblock);
    } catch (e) {
      console.error('Error in channel callback', e);
    } finally {
      this.inCallback = false;
    }
  }
}

function kernel(rt) {
  const k = kernels.get(rt);
  if (!k) throw new TypeError('not a stackless-wasm runtime');
  k.check();
  return k;
}

function checkFunction(fn, what) {
  if (typeof fn !== 'function') throw new TypeError(`${what}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
}

function checkTimeout(ms, what) {
  if (ms === undefined) return;
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`${what}: timeout must be a number of milliseconds`);
  if (ms < 0 || ms > 1e12) throw new RangeError(`${what}: timeout must be between 0 and 1e12 ms`);
}

function checkOptions(opts, what) {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${what}: options must be an object`);
  return opts;
}

export class Runtime {
  constructor(M, x, restored) {
    if (!M || !x || typeof x.sl_runtime_new !== 'function') throw new TypeError('use createRuntime() to make a runtime');
    const k = new Kernel(this, M, x, restored);
    kernels.set(this, k);
    const main = new Tasklet(k, x.sl_main(k.ptr), null);
    main.k_started = true;
    k.mainTasklet = main;
    k.tasklets.set(main.ptr, main);
  }

  get main() { return kernel(this).mainTasklet; }
  get current() { return kernel(this).current(); }
  get runcount() { const k = kernel(this); return k.x.sl_runcount(k.ptr); }
  get stats() {
    const k = kernel(this);
    const s = k.layout.stats + k.ptr;
    return {
      tasklets: k.u32(s), runnable: k.u32(s + 4), blocked: k.u32(s + 8),
      switches: k.f64(s + 16), channelOps: k.f64(s + 24),
      saveBytes: k.f64(s + 32), // saved stacks of suspended C tasklets
      heapBytes: k.x.sl_js_heap_end() >>> 0, // linear memory in use
    };
  }
  get cTasklets() {
    const k = kernel(this);
    const n = k.x.sl_registered_count();
    const names = [];
    for (let i = 0; i < n; i++) names.push(k.str(k.x.sl_registered_name(i)));
    return names;
  }

  tasklet(fn) {
    const k = kernel(this);
    if (fn !== undefined && fn !== null) checkFunction(fn, 'tasklet');
    const p = k.x.sl_js_tasklet_new(k.ptr);
    if (!p) throw new RangeError('tasklet: out of memory');
    const t = new Tasklet(k, p, fn ?? null, 'js');
    k.release.register(t, p, t);
    return t;
  }

  spawn(fn, ...args) {
    checkFunction(fn, 'spawn');
    return this.tasklet(fn).setup(...args);
  }

  spawnC(name, ...args) {
    const k = kernel(this);
    if (typeof name !== 'string') throw new TypeError('spawnC: the name must be a string');
    if (!this.cTasklets.includes(name)) throw new RangeError(`spawnC: no C tasklet named '${name}' (have: ${this.cTasklets.join(', ')})`);
    if (k.inCallback) throw new StateError('spawnC: not allowed inside a schedule or channel callback');
    const vals = args.map((a, i) => {
      if (a instanceof Channel) {
        if (a.k !== k) throw new StateError(`spawnC: argument ${i} is a channel of another runtime`);
        return BigInt(a.k_ptr());
      }
      if (typeof a === 'bigint') {
        if (a < I64_MIN || a > I64_MAX) throw new RangeError(`spawnC: argument ${i} does not fit in 64 bits`);
        return a;
      }
      if (typeof a === 'number' && Number.isInteger(a)) return BigInt(a);
      throw new TypeError(`spawnC: argument ${i} must be an integer, a BigInt or a Channel`);
    });
    const M = k.M;
    const nameBytes = new TextEncoder().encode(name + '\0');
    const mem = k.x.malloc(nameBytes.length + 8 * vals.length + 8);
    if (!mem) throw new RangeError('spawnC: out of memory');
    try {
      const argp = (mem + 7) & ~7;
      vals.forEach((v, i) => { M.HEAP32[(argp >> 2) + 2 * i] = Number(BigInt.asIntN(32, v)); M.HEAP32[(argp >> 2) + 2 * i + 1] = Number(BigInt.asIntN(32, v >> 32n)); });
      const namep = argp + 8 * vals.length;
      M.HEAPU8.set(nameBytes, namep);
      const p = k.x.sl_js_spawn_c(k.ptr, namep, argp, vals.length);
      if (!p) throw new RangeError(`spawnC: ${k.detail()}`);
      const t = new Tasklet(k, p, null, 'c');
      k.release.register(t, p, t);
      return t;
    } finally {
      k.x.free(mem);
    }
  }

  channel(opts) {
    const k = kernel(this);
    const o = checkOptions(opts, 'channel');
    let cap = 0;
    if (o.capacity !== undefined) {
      if (typeof o.capacity !== 'number' || !Number.isInteger(o.capacity)) throw new TypeError('channel: capacity must be an integer');
      if (o.capacity < 0 || o.capacity > 2 ** 24) throw new RangeError('channel: capacity must be between 0 and 2**24');
      cap = o.capacity;
    }
    const p = k.x.sl_js_channel_new(k.ptr, cap);
    if (!p) throw new RangeError('channel: out of memory');
    const ch = new Channel(k, p);
    k.channels.set(p, ch);
    return ch;
  }

  run(opts) {
    const k = kernel(this);
    const o = checkOptions(opts, 'run');
    let ticks = 0;
    if (o.ticks !== undefined) {
      if (typeof o.ticks !== 'number' || !Number.isInteger(o.ticks)) return Promise.reject(new TypeError('run: ticks must be an integer'));
      if (o.ticks < 1) return Promise.reject(new RangeError('run: ticks must be >= 1'));
      ticks = o.ticks;
    }
    let caller;
    try { caller = k.enter('run'); } catch (e) { return Promise.reject(e); }
    return k.settle(caller, k.call(k.x.sl_js_run, k.ptr, ticks), 'run', K_TICKS, ticks);
  }

  /**
   * Complete one of several channel operations: cases like
   * `[{ receive: c1 }, { send: c2, value: v }]`. The first ready case in
   * array order wins; with `block: false` and none ready, resolves
   * `{ index: -1 }`; otherwise waits on all cases at once.
   */
  select(cases, opts) {
    const k = kernel(this);
    let o, caller;
    try {
      o = checkOptions(opts, 'select');
      if (!Array.isArray(cases) || cases.length === 0) throw new TypeError('select: cases must be a non-empty array');
      if (cases.length > 4096) throw new RangeError('select: at most 4096 cases');
      cases.forEach((c, i) => {
        const ch = c?.receive ?? c?.send;
        if (!c || typeof c !== 'object' || !(ch instanceof Channel) || ('receive' in c && 'send' in c)) {
          throw new TypeError(`select: case ${i} must be { receive: channel } or { send: channel, value }`);
        }
        if (ch.k !== k) throw new StateError(`select: case ${i} is a channel of another runtime`);
        ch.k_ptr();
      });
      if (o.block !== undefined && typeof o.block !== 'boolean') throw new TypeError('select: block must be a boolean');
      checkTimeout(o.timeout, 'select');
      caller = k.enter('select');
    } catch (e) {
      return Promise.reject(e);
    }
    const n = cases.length;
    const mem = k.x.malloc(20 * n);
    if (!mem) return Promise.reject(new RangeError('select: out of memory'));
    const refs = new Array(n).fill(0); // handles of send cases' values
    const receives = cases.map((c) => 'receive' in c);
    for (let i = 0; i < n; i++) {
      const c = cases[i], base = (mem >> 2) + 4 * i;
      let ref = 0;
      if (!receives[i]) {
        ref = k.encode(c.value);
        refs[i] = ref;
      }
      const H = k.M.HEAP32;
      H[base] = (receives[i] ? c.receive : c.send).ptr;
      H[base + 1] = receives[i] ? -1 : 1;
      H[base + 2] = receives[i] ? 0 : k.lo;
      H[base + 3] = receives[i] ? 0 : k.hi;
      k.M.HEAPU32[(mem >> 2) + 4 * n + i] = ref;
    }
    let rc;
    try {
      const wait = o.block === false ? 0 : o.timeout !== undefined ? Math.max(o.timeout, 1e-3) : -1;
      rc = k.call(k.x.sl_js_select, k.ptr, mem, mem + 16 * n, n, wait);
    } finally {
      k.x.free(mem);
    }
    const p = k.settle(caller, rc, 'select', K_SELECT, receives);
    // values of send cases that did not complete are dropped when done
    const drop = (keep) => refs.forEach((ref, i) => { if (ref && i !== keep) k.values.delete(ref); });
    return p.then((r) => { drop(r.index); return r; }, (e) => { drop(-1); throw e; });
  }

  /** Only the calling tasklet waits at least `ms` milliseconds; the others run. */
  sleep(ms) {
    const k = kernel(this);
    let caller;
    try {
      checkTimeout(ms ?? 'x', 'sleep');
      caller = k.enter('sleep');
    } catch (e) {
      return Promise.reject(e);
    }
    return k.settle(caller, k.call(k.x.sl_js_sleep, k.ptr, ms), 'sleep', K_NONE);
  }

  schedule(v) { return this.#schedule(v, 0, arguments.length); }
  scheduleRemove(v) { return this.#schedule(v, 1, arguments.length); }
  #schedule(v, remove, n) {
    const k = kernel(this);
    const what = remove ? 'scheduleRemove' : 'schedule';
    let caller;
    try { caller = k.enter(what); } catch (e) { return Promise.reject(e); }
    return k.settle(caller, k.call(k.x.sl_js_schedule, k.ptr, remove), what, K_VALUE, n ? v : caller);
  }

  setScheduleCallback(fn) { return this.#setCallback('scheduleCb', 'setScheduleCallback', fn); }
  setChannelCallback(fn) { return this.#setCallback('channelCb', 'setChannelCallback', fn); }

  // Install (or with null remove) a callback; returns the previous one.
  #setCallback(slot, what, fn) {
    const k = kernel(this);
    if (fn !== null && fn !== undefined) checkFunction(fn, what);
    const prev = k[slot];
    k[slot] = fn ?? null;
    k.x.sl_js_callbacks(k.ptr, k.scheduleCb ? 1 : 0, k.channelCb ? 1 : 0);
    return prev;
  }

  /** A line per tasklet: id, name, state and the channel it waits on. */
  dump() {
    const k = kernel(this);
    const n = k.x.sl_dump(k.ptr, 0, 0);
    const buf = k.x.malloc(n + 1);
    k.x.sl_dump(k.ptr, buf, n + 1);
    const text = k.str(buf);
    k.x.free(buf);
    return text.split('\n').filter(Boolean).map((line) => {
      const [id, , ...rest] = line.split(' ');
      const t = [...k.tasklets.values()].find((x) => x.id === Number(id));
      return [id, t ? t.name : line.split(' ')[1], ...rest].join(' ');
    }).join('\n');
  }

  // ---- introspection (beyond API.md: for tools and the demo page) ----

  /** The instance's linear memory (C state can be read from it). */
  get memory() { return kernel(this).M.HEAPU8.buffer; }

  /** Every tasklet of the runtime, C tasklets included, main first. */
  tasklets() {
    const k = kernel(this);
    return k.list(k.x.sl_js_tasklets).map((p) => k.view(p));
  }

  /** Every channel of the runtime, those made by C tasklets included. */
  channels() {
    const k = kernel(this);
    return k.list(k.x.sl_js_channels).map((p) => k.channels.get(p) ?? k.channelView(p));
  }

  /**
   * The scheduler's state in typed arrays (cheap enough for every frame):
   * per tasklet its id, state (0 running, 1 runnable, 2 sending,
   * 3 receiving, 4 paused, 5 waiting in run(), 6 not alive), the id of
   * the channel it waits on and of the tasklet that last woke it; and the
   * run queue's tasklet ids in order.
   */
  inspect() {
    const k = kernel(this);
    const rows = k.fill(k.x.sl_js_inspect, 4);
    const ids = new Int32Array(rows.length / 4), states = new Int8Array(ids.length),
      channels = new Int32Array(ids.length), wokenBy = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      ids[i] = rows[4 * i]; states[i] = rows[4 * i + 1];
      channels[i] = rows[4 * i + 2]; wokenBy[i] = rows[4 * i + 3];
    }
    return { ids, states, channels, wokenBy, runQueue: k.fill(k.x.sl_js_runqueue, 1) };
  }

  /**
   * The whole runtime as bytes: createRuntime({ snapshot }) continues from
   * exactly here. Only C tasklets can be captured: with a live JS tasklet,
   * a pending operation, or JS values held by C tasklets it throws
   * StateError.
   */
  snapshot() {
    const k = kernel(this);
    if (k.inCallback) throw new StateError('snapshot: not inside a callback');
    if (k.current() !== k.mainTasklet || k.mainTasklet.k_res) throw new StateError('snapshot: only from main while it is not waiting');
    const js = this.tasklets().filter((t) => t.isJS && !t.isMain && t.alive);
    if (js.length) throw new StateError(`snapshot: live JS tasklets cannot be captured (${js.map((t) => t.name).join(', ')})`);
    if (k.values.size) throw new StateError(`snapshot: ${k.values.size} JS values are held by C tasklets or channels`);
    const end = k.x.sl_js_heap_end() >>> 0;
    return writeSnapshot(k.M.HEAPU8.subarray(0, Math.ceil(end / PAGE) * PAGE), k.ptr, k.x.stackSave() >>> 0);
  }

  destroy() {
    const k = kernels.get(this);
    if (!k || k.destroyed) return;
    k.destroyed = true;
    if (k.timer) clearTimeout(k.timer);
    for (const t of k.tasklets.values()) {
      if (t.k_rej) t.k_rej(new StateError('the runtime was destroyed'));
      t.k_res = t.k_rej = null;
    }
    k.tasklets.clear();
    k.channels.clear();
    k.values.clear();
    k.M.slOnSwitch = k.M.slOnChannel = null;
  }
}

// ---- tasklets ------------------------------------------------------------

export class Tasklet {
  #id;
  // kind: 'js' (made by rt.tasklet), 'c' (made by rt.spawnC), or
  // undefined (a view of a record made elsewhere: ask the core)
  constructor(k, p, fn, kind) {
    this.k = k;
    this.ptr = p;
    this.#id = k.u32(p + k.layout.tid);
    this.isJS = kind === undefined ? !!k.x.sl_js_is_js(p) : kind === 'js';
    this.k_fn = fn;
    this.k_call = null;
    this.k_res = this.k_rej = null; // the pending operation's promise
    this.k_what = null;
    this.k_kind = 0;
    this.k_value = null;
    this.k_started = false;
    this.k_name = null;
    if (this.isJS || (kind === undefined && k.x.sl_tasklet_is_main(p))) k.tasklets.set(p, this);
    k.views.set(p, new WeakRef(this));
    k.forget.register(this, p);
  }

  get id() { return this.#id; }

  // The C record, if this handle is still valid.
  k_ptr() {
    this.k.check();
    if (this.k.u32(this.ptr + this.k.layout.tid) !== this.id) throw new StateError(`tasklet ${this.id} no longer exists`);
    return this.ptr;
  }

  get name() {
    if (this.k_name !== null) return this.k_name;
    if (this.k_fn && this.k_fn.name) return this.k_fn.name;
    if (!this.isJS && !this.k.destroyed) {
      const c = this.k.str(this.k.x.sl_tasklet_name(this.ptr));
      if (c) return c;
    }
    return `tasklet-${this.id}`;
  }
  set name(v) {
    if (typeof v !== 'string') throw new TypeError('name must be a string');
    this.k_name = v;
  }

  #q(f) { return !!this.k.x[f](this.k_ptr()); }
  get alive() { return this.#q('sl_tasklet_alive'); }
  get blocked() { return this.#q('sl_tasklet_blocked'); }
  get scheduled() { return this.#q('sl_tasklet_scheduled'); }
  get paused() { return this.#q('sl_tasklet_paused'); }
  get isMain() { return this.#q('sl_tasklet_is_main'); }
  get isCurrent() { return this.#q('sl_tasklet_is_current'); }

  #sync(what, rc) {
    if (rc < 0) throw this.k.error(rc, what);
    return this;
  }

  bind(fn) {
    const p = this.k_ptr();
    if (fn !== null && fn !== undefined) checkFunction(fn, 'bind');
    if (!this.isJS) throw new StateError('bind: a C tasklet cannot be bound to a JS function');
    this.#sync('bind', this.k.x.sl_js_bind(p, fn ? 1 : 0));
    // the old frames are dropped: its pending operation never settles and
    // its function never resumes (Stackless drops them without unwinding)
    this.k_res = this.k_rej = this.k_value = null;
    this.k_started = false;
    this.k_fn = fn ?? null;
    return this;
  }

  setup(...args) {
    const p = this.k_ptr();
    if (!this.isJS) throw new StateError('setup: use rt.spawnC for C tasklets');
    if (!this.k_fn) throw new StateError('setup: the tasklet was not bound to a function');
    this.#sync('setup', this.k.x.sl_tasklet_setup(p, 0));
    this.k_call = { fn: this.k_fn, args };
    this.k_started = false;
    this.k.tasklets.set(p, this); // kept while alive
    return this;
  }

  insert() { return this.#sync('insert', this.k.x.sl_tasklet_insert(this.k_ptr())); }
  remove() { return this.#sync('remove', this.k.x.sl_tasklet_remove(this.k_ptr())); }

  run() { return this.#go('run', this.k.x.sl_tasklet_run); }
  switch() { return this.#go('switch', this.k.x.sl_tasklet_switch); }

  #go(what, f) {
    const k = this.k;
    const p = this.ptr;
    let caller;
    try {
      caller = k.enter(what, this);
    } catch (e) {
      return Promise.reject(e);
    }
    return k.settle(caller, k.call(f, p), what, K_NONE);
  }

  kill(opts) {
    let o;
    try { o = checkOptions(opts, 'kill'); } catch (e) { return Promise.reject(e); }
    return this.#throw(E.KILLED, !!o.pending, 'kill', null);
  }

  throw(err, opts) {
    let o;
    try { o = checkOptions(opts, 'throw'); } catch (e) { return Promise.reject(e); }
    if (err instanceof TaskletExit) return this.#throw(E.KILLED, !!o.pending, 'throw', err);
    return this.#throw(E.JS, !!o.pending, 'throw', err);
  }

  #throw(code, pending, what, err) {
    const k = this.k;
    const p = this.ptr;
    let caller;
    try {
      caller = k.enter(what, this);
    } catch (e) {
      return Promise.reject(e);
    }
    if (p === k.currentPtr()) {
      // raised at once in the caller
      return Promise.reject(code === E.KILLED ? (err ?? new TaskletExit()) : err);
    }
    const ref = err === null ? 0 : k.keep(err);
    const rc = k.call(k.x.sl_js_throw, p, code, ref, 0, pending ? 1 : 0);
    return k.settle(caller, rc, what, K_THROW, ref);
  }

  toString() { return `Tasklet(${this.id} ${this.name})`; }
}

// ---- channels --------------------------------------------------------------

export class Channel {
  #id;
  constructor(k, p) {
    this.k = k;
    this.ptr = p;
    this.#id = k.u32(p + k.layout.cid);
  }

  get id() { return this.#id; }

  k_ptr() {
    this.k.check();
    return this.ptr;
  }

  // send/receive with { timeout }: a one-case select with a deadline.
  #timed(what, opts, c) {
    let o;
    try {
      o = checkOptions(opts, what);
      checkTimeout(o.timeout, what);
    } catch (e) {
      return Promise.reject(e);
    }
    if (o.timeout === undefined) return what === 'send' ? this.send(c.value) : this.receive();
    return this.k.rt.select([c], { timeout: o.timeout }).then((r) => r.value);
  }

  /** The C handle (what a C tasklet holds for this channel). */
  get handle() { return this.ptr; }

  send(v, opts) {
    if (opts !== undefined) return this.#timed('send', opts, { send: this, value: v });
    const k = this.k;
    const p = this.ptr;
    let caller;
    try {
      caller = k.enter('send', this);
    } catch (e) {
      return Promise.reject(e);
    }
    const ref = k.encode(v);
    return k.settle(caller, k.call(k.x.sl_js_send, p, k.lo, k.hi, ref), 'send', K_SEND, ref);
  }

  receive(opts) {
    if (opts !== undefined) return this.#timed('receive', opts, { receive: this });
    const k = this.k;
    const p = this.ptr;
    let caller;
    try {
      caller = k.enter('receive', this);
    } catch (e) {
      return Promise.reject(e);
    }
    return k.settle(caller, k.call(k.x.sl_js_receive, p), 'receive', K_RECV);
  }

  sendException(err) {
    const k = this.k;
    const p = this.ptr;
    let caller;
    try {
      caller = k.enter('sendException', this);
    } catch (e) {
      return Promise.reject(e);
    }
    const [code, ref] = k.errorCode(err);
    const rc = k.call(k.x.sl_js_send_exception, p, code, ref, 0);
    return k.settle(caller, rc, 'sendException', K_SEND, ref);
  }

  async sendSequence(iterable) {
    if (iterable === null || iterable === undefined || typeof iterable[Symbol.iterator] !== 'function') {
      throw new TypeError('sendSequence: expected an iterable');
    }
    let n = 0;
    for (const v of iterable) {
      await this.send(v);
      n++;
    }
    return n;
  }

  get balance() { return this.k.x.sl_channel_balance(this.k_ptr()); }
  /** Values a send may leave without a receiver (0: rendezvous). */
  get capacity() { return this.k.x.sl_channel_capacity(this.k_ptr()); }
  get preference() { return this.k.x.sl_channel_preference(this.k_ptr()); }
  set preference(v) {
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError('preference must be an integer');
    if (v < -1 || v > 1) throw new RangeError(`preference must be -1, 0 or 1 (got ${v})`);
    this.k.x.sl_channel_set_preference(this.k_ptr(), v);
  }
  get scheduleAll() { return !!this.k.x.sl_channel_schedule_all(this.k_ptr()); }
  set scheduleAll(v) {
    if (typeof v !== 'boolean') throw new TypeError('scheduleAll must be a boolean');
    this.k.x.sl_channel_set_schedule_all(this.k_ptr(), v ? 1 : 0);
  }
  close() { this.k.x.sl_channel_close(this.k_ptr()); }
  open() { this.k.x.sl_channel_open(this.k_ptr()); }
  get closing() { return !!this.k.x.sl_channel_closing(this.k_ptr()); }
  get closed() { return !!this.k.x.sl_channel_closed(this.k_ptr()); }
  get queue() { return this.k.view(this.k.x.sl_channel_queue(this.k_ptr())); }

  async *[Symbol.asyncIterator]() {
    while (!(this.closing && this.balance <= 0)) {
      yield await this.receive();
    }
  }

  toString() { return `Channel(${this.id})`; }
}
