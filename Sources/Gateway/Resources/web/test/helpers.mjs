// Test doubles: a manual clock, a scripted WebSocket, a fake Connection and a fake REST API.
import { Emitter } from '../js/events.js';

export class ManualClock {
  #now;
  #timers = new Map();
  #next = 1;

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now = () => this.#now;

  setTimeout = (fn, ms) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (id) => {
    this.#timers.delete(id);
  };

  get pending() {
    return this.#timers.size;
  }

  /** Moves time forward, running due timers in time order (also ones they set). */
  advance(ms) {
    const end = this.#now + ms;
    for (;;) {
      let due = null;
      for (const [id, t] of this.#timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = end;
  }
}

/** Records what a socket was asked to do; the test drives its events. */
export class FakeSocket {
  static all = [];
  sent = [];
  closedWith = null;

  constructor(url) {
    this.url = url;
    FakeSocket.all.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code, reason) {
    this.closedWith = { code, reason };
  }

  open() { this.onopen?.(); }
  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  serverClose(code, reason = '') { this.onclose?.({ code, reason }); }

  static last() {
    return FakeSocket.all[FakeSocket.all.length - 1];
  }
}

/** A Connection stand-in for Chat tests: open/closed by hand, frames recorded. */
export class FakeConnection extends Emitter {
  isOpen = false;
  sent = [];

  send(frame) {
    if (!this.isOpen) return false;
    this.sent.push(frame);
    return true;
  }

  open() {
    this.isOpen = true;
    this.emit('open');
  }

  drop(code = 1006) {
    this.isOpen = false;
    this.emit('close', { code, reason: '' });
  }

  frame(f) {
    this.emit('frame', f);
  }

  take() {
    const out = this.sent;
    this.sent = [];
    return out;
  }
}

export function message(roomId, seq, userId = 2, extra = {}) {
  return {
    type: 'message', room_id: roomId, seq, user_id: userId, username: `user${userId}`,
    content: `m${seq}`, client_msg_id: null, sent_at: '2026-11-21T10:00:00.123Z', ...extra,
  };
}

/** A REST API whose room history is an array per room; calls are recorded. */
export class FakeApi {
  calls = [];
  history = new Map();
  failures = [];

  #page(roomId, { before_seq, after_seq, limit = 50 }) {
    const all = this.history.get(roomId) ?? [];
    let rows = all.filter((m) => (after_seq === undefined || m.seq > after_seq) && (before_seq === undefined || m.seq < before_seq));
    rows = after_seq !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
    return { messages: rows.map(({ type, ...m }) => m) };
  }

  async messages(roomId, query = {}) {
    this.calls.push(['messages', roomId, query]);
    const failure = this.failures.shift();
    if (failure) throw failure;
    return this.#page(roomId, query);
  }

  async members(roomId) {
    this.calls.push(['members', roomId]);
    return { members: [] };
  }

  async participants(roomId) {
    this.calls.push(['participants', roomId]);
    return { participants: [] };
  }

  async getRoom(roomId) {
    this.calls.push(['getRoom', roomId]);
    return { room: room(roomId) };
  }
}

export function room(id, extra = {}) {
  return { id, name: `room${id}`, owner_id: 1, created_at: '2026-11-21T10:00:00.123Z', last_seq: 0, visibility: 'public', topic: '', ...extra };
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
