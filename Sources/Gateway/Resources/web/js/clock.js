/**
 * Time is injected everywhere (session refresh, backoff, heartbeat, typing expiry) so that the
 * logic can be tested with a manual clock; this is the real one.
 */
export const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** setTimeout cannot wait longer than 2^31-1 ms; longer delays would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Timers named by (kind, id), at most one per name: set replaces, setOnce keeps a pending one. */
export class KeyedTimers {
  #handles = new Map();

  constructor(clock) {
    this.clock = clock;
  }

  set(kind, id, delay, fn) {
    this.clear(kind, id);
    const key = `${kind}:${id}`;
    this.#handles.set(key, this.clock.setTimeout(() => {
      this.#handles.delete(key);
      fn();
    }, Math.min(MAX_TIMER_MS, Math.max(0, delay))));
  }

  setOnce(kind, id, delay, fn) {
    if (!this.#handles.has(`${kind}:${id}`)) this.set(kind, id, delay, fn);
  }

  clear(kind, id) {
    const key = `${kind}:${id}`;
    if (this.#handles.has(key)) this.clock.clearTimeout(this.#handles.get(key));
    this.#handles.delete(key);
  }

  clearAll() {
    for (const handle of this.#handles.values()) this.clock.clearTimeout(handle);
    this.#handles.clear();
  }
}
