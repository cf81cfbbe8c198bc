// The reference every JS figure is compared with in the same run: a plain
// Node async/await rendezvous channel, as a JS developer would write one
// without stackless-wasm (a queue of waiting senders or receivers, each a
// promise resolver). Its scheduling is the microtask queue.
export class AsyncChannel {
  #senders = []; // [value, resolve]
  #receivers = []; // resolve

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
