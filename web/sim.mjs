// The bees simulation (csrc/ctasklets/bees.c) seen from JavaScript: start
// it on a runtime and read its shared state straight from linear memory.
// Used by the demo page (web/app.mjs) and the terminal version
// (web/bees-cli.mjs); it imports nothing, the caller brings the runtime.

/** Byte offsets of the shared state's fields (bees.c, wasm32). */
export const OFF = Object.freeze({
  magic: 0, flowers: 4, bees: 8, preference: 12, seed: 16, finished: 20,
  visits: 24, events: 28, eventCap: 32, nectar: 36, target: 40,
  flowerVisits: 44, chan: 48, flowerT: 52, beeT: 56, ring: 60,
});
export const MAGIC = 0x42454553; // 'BEES'
export const NECTAR_GOAL = 5;
/** Event kinds in the ring. */
export const EV = Object.freeze({ LISTEN: 1, GIVE: 2, GOT: 3, DONE: 4 });

/** The seed's own line for an event, or null (a bee being done has none). */
export function eventLine(kind, a, b, c) {
  switch (kind) {
    case EV.LISTEN: return `flower ${a} is listening`;
    case EV.GIVE: return `Flower ${a} is giving Bee ${b} nectar`;
    case EV.GOT: return `Bee ${a} got nectar from Flower ${b} I now have ${c} nectar`;
    default: return null;
  }
}

export function checkOptions({ bees, flowers, seed, preference }) {
  const int = (v, name, lo, hi) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${name} must be an integer in ${lo}..${hi} (got ${v})`);
    return v;
  };
  return {
    bees: int(bees, 'bees', 0, 10_000_000),
    flowers: int(flowers, 'flowers', 1, 1_000_000),
    seed: int(seed, 'seed', 0, 0xffffffff),
    preference: int(preference, 'preference', -1, 1),
  };
}

export class BeesSim {
  /**
   * Spawn the 'bees' C tasklet on `rt` and wait for the address of its
   * state; afterwards every flower and bee tasklet exists and is runnable
   * (flowers first), and `rt.run({ ticks })` drives them.
   */
  static async start(rt, options) {
    const o = checkOptions(options);
    const info = rt.channel();
    const builder = rt.spawnC('bees', info, o.flowers, o.bees, o.seed, o.preference);
    const ptr = await info.receive();
    const sim = new BeesSim(rt, ptr, o);
    sim.info = info;
    sim.builder = builder;
    return sim;
  }

  constructor(rt, ptr, o) {
    this.rt = rt;
    this.ptr = ptr;
    this.buffer = null;
    this.refresh();
    if (this.u32[ptr >> 2] !== MAGIC) throw new Error(`no bees state at ${ptr}`);
    this.bees = this.i32[(ptr + OFF.bees) >> 2];
    this.flowers = this.i32[(ptr + OFF.flowers) >> 2];
    this.seed = this.u32[(ptr + OFF.seed) >> 2];
    this.preference = this.i32[(ptr + OFF.preference) >> 2];
    if (o && (o.bees !== this.bees || o.flowers !== this.flowers)) throw new Error('bees state does not match the options');
    const at = (off) => this.u32[(ptr + off) >> 2] >>> 2; // int32 index of an array
    this.nectarAt = at(OFF.nectar);
    this.targetAt = at(OFF.target);
    this.flowerVisitsAt = at(OFF.flowerVisits);
    this.chanAt = at(OFF.chan);
    this.flowerTAt = at(OFF.flowerT);
    this.beeTAt = at(OFF.beeT);
    this.ringAt = at(OFF.ring);
    this.eventCap = this.u32[(ptr + OFF.eventCap) >> 2];
    this.seen = 0; // events consumed by drain()
    this.lost = 0; // events overwritten before drain() saw them
  }

  /** Re-create the memory views if the wasm memory grew. Cheap to call per frame. */
  refresh() {
    const buf = this.rt.memory;
    if (buf !== this.buffer || buf.byteLength === 0) {
      this.buffer = buf;
      this.i32 = new Int32Array(buf);
      this.u32 = new Uint32Array(buf);
    }
    return this;
  }

  field(off) { return this.i32[(this.ptr + off) >> 2]; }
  get finished() { return this.field(OFF.finished); }
  get visits() { return this.field(OFF.visits); }
  get events() { return this.u32[(this.ptr + OFF.events) >> 2]; }
  nectar(b) { return this.i32[this.nectarAt + b]; }
  target(b) { return this.i32[this.targetAt + b]; }
  flowerVisits(f) { return this.i32[this.flowerVisitsAt + f]; }
  /** The C handle (address) of flower f's channel. */
  channelHandle(f) { return this.u32[this.chanAt + f]; }
  /** The address of bee b's tasklet record (for a heap-size estimate). */
  beeRecord(b) { return this.u32[this.beeTAt + b]; }

  /** A view of all nectar counts (valid until memory grows). */
  nectarView() { return this.i32.subarray(this.nectarAt, this.nectarAt + this.bees); }
  targetView() { return this.i32.subarray(this.targetAt, this.targetAt + this.bees); }

  /**
   * Call fn(kind, a, b, c) for every event written since the last call,
   * oldest first; returns how many. Events the ring already overwrote are
   * counted in `lost` (drain at least every `eventCap` events to have none).
   */
  drain(fn, max = Infinity) {
    this.refresh();
    const total = this.events;
    if (total - this.seen > this.eventCap) {
      this.lost += total - this.seen - this.eventCap;
      this.seen = total - this.eventCap;
    }
    const u = this.u32, cap = this.eventCap, ring = this.ringAt;
    let n = 0;
    for (; this.seen < total && n < max; this.seen++, n++) {
      const e = ring + 4 * (this.seen % cap);
      fn(u[e], u[e + 1], u[e + 2], u[e + 3]);
    }
    return n;
  }

  /**
   * Typical heap bytes per tasklet: the median distance between
   * consecutive bee tasklet records (record + its start arguments, with
   * allocator overhead). Saved stacks of suspended tasklets come on top.
   */
  recordStride() {
    this.refresh();
    const n = Math.min(this.bees, 2001);
    if (n < 2) return NaN;
    const d = [];
    for (let b = 1; b < n; b++) d.push(this.beeRecord(b) - this.beeRecord(b - 1));
    d.sort((x, y) => x - y);
    return d[d.length >> 1];
  }
}
