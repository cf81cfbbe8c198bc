// A reference model of Stackless scheduling (/work/shared/STACKLESS.md §1,
// §3 R1-R17), written from the rules, not from csrc/. It is meant to be
// read: plain arrays and objects, one function per rule, no optimisation.
//
// State:
//   rq       the run queue as an array; rq[0] is its head, which is the
//            running tasklet whenever that one is queued (§1.1). "Append"
//            pushes at the end (= just before the head of the ring);
//            switching to X rotates the array until X is at index 0.
//   wd       the watchdog stack: callers of run(), innermost last (§1.6).
//   budget   { wd, left }: run({ ticks }) of watchdog `wd` may still switch
//            into other tasklets `left` times (API.md: ticks count switches).
//   channel  { queue: FIFO of blocked tasklets, preference, scheduleAll,
//            closing }; balance is derived from the queue (R7).
//   tasklet  { id, kind, alive, started, chan, dir, bomb, result, body }.
//
// A tasklet's code is a generator (`body`) that yields operations
// ({ k: 'send', ch, v }, { k: 'recv', ch }, ...) and receives their
// outcome, { value } or { error }; what it returns is the error it dies of
// (null: a normal return). Errors are plain objects { name }.
//
// Operations run on behalf of `this.current`. One that makes the caller
// leave (switch away, block) returns SUSPENDED; the caller's outcome is
// decided when it runs again: a pending error ("bomb", §1.5) wins over the
// result stored for it.

export const SUSPENDED = Symbol('suspended');
const err = (name) => ({ name });
export const DEADLOCK = 'DeadlockError', CLOSED = 'ChannelClosedError',
  STATE = 'StateError', EXIT = 'TaskletExit';

export class Model {
  constructor() {
    this.tasklets = new Map(); // id -> tasklet (dead ones stay)
    this.channels = new Map(); // id -> channel
    this.nextTid = 1;
    this.nextCid = 1;
    this.rq = [];
    this.wd = [];
    this.budget = null;
    this.switches = 0; // switches to a different tasklet (rt.stats.switches)
    this.main = this.newTasklet('main', null);
    this.main.alive = this.main.started = true;
    this.current = this.main;
    this.rq.push(this.main);
    this.fuel = 1e6; // guards the model itself against endless programs
    this.onSwitch = null; // (prev, next) on every switch (set_schedule_callback)
    this.onChannel = null; // (ch, t, sending, willblock) before a channel op (R16)
  }

  newTasklet(kind, body) {
    const t = { id: this.nextTid++, kind, alive: false, started: false, chan: null, dir: 0,
      sending: null, bomb: null, result: null, pend: null, body };
    this.tasklets.set(t.id, t);
    return t;
  }

  newChannel() {
    const ch = { id: this.nextCid++, queue: [], preference: -1, scheduleAll: false, closing: false };
    this.channels.set(ch.id, ch);
    return ch;
  }

  // ---- queues -----------------------------------------------------------
  queued(t) { return this.rq.includes(t); }
  inWd(t) { return this.wd.includes(t); }
  append(t) {
    if (this.queued(t) || t.chan) throw new Error(`model: append T${t.id} that is queued`);
    this.rq.push(t);
  }
  unlink(t) { this.rq.splice(this.rq.indexOf(t), 1); } // head removed: next is head
  rotateTo(t) {
    const i = this.rq.indexOf(t);
    if (i < 0) throw new Error(`model: switch to T${t.id} that is not queued`);
    this.rq = [...this.rq.slice(i), ...this.rq.slice(0, i)];
  }
  balance(ch) { return ch.queue.reduce((s, t) => s + t.dir, 0); }
  chanUnlink(t) {
    const q = t.chan.queue;
    q.splice(q.indexOf(t), 1);
    t.chan = null;
    t.dir = 0;
    t.sending = null;
  }

  // R5.7: wake watchdog w: it and every watchdog above it leave the stack;
  // those above become runnable (appended), their run() returns later.
  popTo(w) {
    for (;;) {
      const top = this.wd.pop();
      if (this.budget && this.budget.wd === top) this.budget = null;
      if (top === w) return;
      if (!this.queued(top)) this.append(top);
    }
  }

  // Make `next` (queued) current. Budget (API.md: run({ ticks: n }) returns
  // after at most n switches): each switch into a tasklet other than the
  // budgeted watchdog spends one tick; when none is left, the budgeted
  // run() returns instead (R5.7 for the watchdogs above it), its caller
  // placed just ahead of the tasklet that would have run.
  switchTo(next) {
    const b = this.budget;
    if (b && next !== b.wd) {
      if (b.left > 0) {
        b.left--;
      } else {
        this.popTo(b.wd);
        if (this.queued(b.wd)) this.unlink(b.wd);
        this.rotateTo(next);
        this.rq.unshift(b.wd);
        next = b.wd;
      }
    }
    this.rotateTo(next);
    if (next !== this.current) {
      this.switches++;
      if (this.onSwitch) this.onSwitch(this.current, next);
    }
    this.current = next;
  }

  after(c) { return this.current === c ? this.take(c) : SUSPENDED; }

  // The outcome of c's operation, now that c runs again.
  take(c) {
    const bomb = c.bomb, r = c.result, pend = c.pend;
    c.bomb = c.result = c.pend = null;
    if (pend && pend.run !== undefined) {
      if (this.inWd(c)) this.popTo(c); // woken by hand (R5.7)
      if (bomb) return { error: bomb };
      return { value: pend.run ? Math.max(0, this.rq.length - 1) : undefined };
    }
    if (bomb) return { error: bomb };
    if (!r) throw new Error(`model: T${c.id} resumed without an outcome`);
    return r;
  }

  // R4, R9.4, R10: the caller c has left the run queue (blocked when
  // c.chan, else paused). Returns an outcome when c goes on at once.
  wait(c) {
    if (this.rq.length) return this.switchTo(this.rq[0]);
    const w = this.wd.length ? this.wd[this.wd.length - 1] : this.main;
    if (this.inWd(w)) { // R5.3: run() returns; c stays where it is
      this.popTo(w);
      this.append(w);
      return this.switchTo(w);
    }
    if (w !== c && !w.chan) { // main paused (switch/scheduleRemove): revive it
      this.append(w);
      return this.switchTo(w);
    }
    if (w === c && !c.chan) { // R4(b): main schedule_removes with nothing else
      this.append(c);
      return this.take(c);
    }
    // R10 / R4(c): main blocked with nothing runnable, or a tasklet blocks
    // or schedule_removes last while main is blocked on a channel
    if (c.chan) this.chanUnlink(c);
    this.append(c);
    c.result = c.pend = null;
    return { error: err(DEADLOCK) };
  }

  // R11: t (current) ends; e is the error it dies of, or null.
  end(t, e) {
    t.alive = false;
    if (t.chan) this.chanUnlink(t);
    if (this.queued(t)) this.unlink(t);
    if (this.inWd(t)) this.popTo(t);
    const w = this.wd.length ? this.wd[this.wd.length - 1] : this.main;
    if (e && e.name !== EXIT) { // to the innermost watchdog, or main, at once
      if (this.inWd(w)) this.popTo(w);
      if (w.chan) this.chanUnlink(w);
      w.bomb = e;
      if (!this.queued(w)) this.append(w);
      return this.switchTo(w);
    }
    if (this.rq.length) return this.switchTo(this.rq[0]);
    if (this.inWd(w)) {
      this.popTo(w);
    } else if (w.chan) { // R10: main waits on a channel nobody can serve
      this.chanUnlink(w);
      w.bomb = err(DEADLOCK);
    }
    this.append(w);
    return this.switchTo(w);
  }

  // ---- operations of the current tasklet --------------------------------

  spawn(kind, makeBody) { // R1: set up and appended, not run
    const t = this.newTasklet(kind, null);
    t.body = makeBody(t.id);
    t.alive = true;
    this.append(t);
    return { value: t };
  }

  // R7-R9, R17
  chanOp(ch, dir, value, exc) {
    const c = this.current;
    const partner = ch.queue.length && ch.queue[0].dir === -dir ? ch.queue[0] : null;
    if (this.onChannel) this.onChannel(ch, c, dir > 0, !partner);
    if (partner) { // R8
      const sent = partner.sending;
      this.chanUnlink(partner);
      if (dir > 0) {
        partner.result = exc ? { error: exc } : { value };
        c.result = { value: undefined };
      } else {
        partner.result = { value: undefined };
        c.result = sent.exc ? { error: sent.exc } : { value: sent.value };
      }
      if (ch.scheduleAll) {
        this.append(partner);
        this.switchTo(this.rq[1]);
      } else if (ch.preference === -dir) {
        this.rq.splice(1, 0, partner); // right after the caller (rq[0])
        this.switchTo(partner);
      } else {
        this.append(partner);
      }
      return this.after(c);
    }
    if (ch.closing) return { error: err(CLOSED) }; // R9.2, R17
    this.unlink(c);
    c.chan = ch;
    c.dir = dir;
    c.sending = dir > 0 ? { value, exc } : null;
    ch.queue.push(c);
    return this.wait(c) ?? this.after(c);
  }

  schedule(v, remove) { // R2-R4
    const c = this.current;
    c.result = { value: v === undefined ? c : v };
    if (!remove) {
      if (this.rq.length > 1) this.switchTo(this.rq[1]);
      return this.after(c);
    }
    this.unlink(c);
    return this.wait(c) ?? this.after(c);
  }

  run(ticks) { // R5, budget: API.md
    const c = this.current;
    this.wd.push(c);
    if (ticks && !this.budget) this.budget = { wd: c, left: ticks };
    this.unlink(c);
    c.pend = { run: ticks };
    if (!this.rq.length) {
      this.popTo(c);
      this.append(c);
      return this.take(c);
    }
    this.switchTo(this.rq[0]);
    return this.after(c);
  }

  // §2.2 bind + setup of a JS tasklet: refused (StateError) for main, a C
  // tasklet, the current one and a scheduled (queued or blocked) one; a
  // paused one loses its frames (it never resumes). Then set up afresh.
  rebind(t, makeBody) {
    if (t.kind !== 'js' || t === this.current || this.queued(t) || t.chan) return { error: err(STATE) };
    if (t.alive && this.inWd(t)) this.popTo(t);
    Object.assign(t, { body: makeBody(t.id), started: false, bomb: null, result: null, pend: null, alive: true });
    this.append(t);
    return { value: undefined };
  }

  insert(t) { // §2.2
    if (t.chan) return { error: err(STATE) };
    if (!t.alive) return { error: err(STATE) };
    if (!this.queued(t)) this.append(t);
    return { value: undefined };
  }

  remove(t) {
    if (t.chan || t === this.current) return { error: err(STATE) };
    if (this.queued(t)) this.unlink(t);
    return { value: undefined };
  }

  runTasklet(t, pause) { // R12, R13
    const c = this.current;
    if (t === c) return { value: undefined };
    if (t.chan || !t.alive) return { error: err(STATE) };
    if (!this.queued(t)) this.append(t);
    if (pause) this.unlink(c);
    c.result = { value: undefined };
    this.switchTo(t);
    return this.after(c);
  }

  throwTo(t, e, pending) { // R14
    const c = this.current;
    if (t === c) return { error: e };
    if (!t.alive) return e.name === EXIT ? { value: undefined } : { error: err(STATE) };
    if (t.chan) this.chanUnlink(t);
    if (this.inWd(t)) this.popTo(t);
    t.bomb = e;
    if (!this.queued(t)) this.append(t);
    if (pending) return { value: undefined };
    c.result = { value: undefined };
    this.switchTo(t);
    return this.after(c);
  }

  // ---- driving ----------------------------------------------------------

  // Resume the current tasklet (not main): give it its outcome and run it
  // until it leaves. A tasklet with an error pending before it started dies
  // of it without running its body (R14).
  step() {
    const t = this.current;
    if (--this.fuel < 0) throw new Error('model: out of fuel (endless program?)');
    let r;
    if (!t.started) {
      t.started = true;
      if (t.bomb) {
        const b = t.bomb;
        t.bomb = null;
        return this.end(t, b);
      }
      r = t.body.next();
    } else {
      r = t.body.next(this.take(t));
    }
    for (;;) {
      if (r.done) return this.end(t, r.value ?? null);
      const out = this.exec(r.value);
      if (out === SUSPENDED) return undefined;
      r = t.body.next(out);
    }
  }

  // Main performs `op`; the others run until main goes on. Its outcome.
  mainOp(op) {
    if (this.current !== this.main) throw new Error('model: main is not current');
    const out = this.exec(op);
    if (out !== SUSPENDED) return out;
    while (this.current !== this.main) this.step();
    return this.take(this.main);
  }

  // `exec` is supplied by the program layer (fuzz.mjs): it maps an op to
  // the calls above.
  exec() { throw new Error('model: no exec'); }

  // ---- observation (the shape fuzz.mjs reads from the real runtime) ------

  // inspect() states: 0 running, 1 runnable, 2 sending, 3 receiving,
  // 4 paused, 5 waiting in run(), 6 not alive.
  stateOf(t) {
    if (t === this.current) return 0;
    if (!t.alive) return 6;
    if (t.chan) return t.dir > 0 ? 2 : 3;
    if (this.queued(t)) return 1;
    if (this.inWd(t)) return 5;
    return 4;
  }
}

// Models of the C tasklets of csrc/ctasklets/builtin.c: the error a
// channel operation fails with ends the tasklet with that error.
export function* echo(a, b, count) {
  for (let i = 0; count === 0 || i < count; i++) {
    const r = yield { k: 'recv', ch: a };
    if (r.error) return r.error;
    const s = yield { k: 'send', ch: b, v: r.value + 1 };
    if (s.error) return s.error;
  }
  return null;
}

export function* forward(a, b) {
  for (;;) {
    const r = yield { k: 'recv', ch: a };
    if (r.error) return r.error;
    const s = yield { k: 'send', ch: b, v: r.value };
    if (s.error) return s.error;
  }
}

// fail(code, value): dies at once of C error `code` (surfacing in JS as an
// Error with that code).
// eslint-disable-next-line require-yield
export function* fail(code) {
  return { name: `C${code}`, tag: `C${code}` };
}
