// The reference every JS figure is compared with in the same run: a plain
// Node async/await rendezvous channel, as a JS developer would write one
// without stackless-wasm (a FIFO of waiting senders or receivers, each a
// promise resolver). Its scheduling is the microtask queue.

// FIFO with O(1) shift (Array#shift is O(n) on large arrays).
class Queue {
  #items = [];
  #head = 0;
  get length() { return this.#items.length - this.#head; }
  push(x) { this.#items.push(x); }
  shift() {
    if (this.#head === this.#items.length) return undefined;
    const x = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return x;
  }
}

export class AsyncChannel {
  #senders = new Queue(); // [value, resolve]
  #receivers = new Queue(); // resolve

  send(value) {
    const r = this.#receivers.shift();
    if (r) {
      r(value);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#senders.push([value, resolve]));
  }

  receive() {
    const s = this.#senders.shift();
    if (s) {
      s[1]();
      return Promise.resolve(s[0]);
    }
    return new Promise((resolve) => this.#receivers.push(resolve));
  }
}
