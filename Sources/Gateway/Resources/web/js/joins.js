/**
 * Joins on the current socket, one at a time: a `join` error names no room (its ref is "join"),
 * so it belongs to the one join in flight. Each join carries since_seq = the room's resume point
 * (RoomState.resumeSeq), so the server replays every message after what is shown, none twice.
 * The room in view is joined first.
 */
import { backoffDelay } from './backoff.js';

export const JOIN_TIMEOUT_MS = 15000;
const RETRY = { base: 1000, max: 30000 };

export class Joiner {
  #queue = [];
  #current = null;
  #retryTimers = new Map();

  /**
   * `rooms`: the open RoomStates by id; `activeId()`: the room in view; `onJoined(state)`;
   * `onRefused(state)`: room_not_found; `onTrouble(state, code, message)`: a join keeps failing.
   */
  constructor({ connection, clock, random, rooms, activeId, onJoined, onRefused, onTrouble }) {
    Object.assign(this, { connection, clock, random, rooms, activeId, onJoined, onRefused, onTrouble });
  }

  dispose() {
    this.socketClosed();
    for (const handle of this.#retryTimers.values()) this.clock.clearTimeout(handle);
    this.#retryTimers.clear();
  }

  /** Joins `state` once its history is loaded and it is not joined yet. */
  queue(state) {
    if (!state.historyLoaded || state.joinState !== 'idle') return;
    state.joinState = 'queued';
    if (state.id === this.activeId()) this.#queue.unshift(state.id);
    else this.#queue.push(state.id);
    this.#pump();
  }

  /** The server says we are not joined (e.g. a send answered not_joined): join again. */
  rejoin(state) {
    if (state.joinState !== 'joined') return;
    state.joinState = 'idle';
    this.queue(state);
  }

  /** The room's view closed. */
  forget(id) {
    if (this.#retryTimers.has(id)) this.clock.clearTimeout(this.#retryTimers.get(id));
    this.#retryTimers.delete(id);
    if (this.#current?.id === id) {
      this.clock.clearTimeout(this.#current.timer);
      this.#current = null;
      this.#pump();
    }
  }

  /** A `joined` frame. Returns false when the room is no longer open (send a leave then). */
  joined(id) {
    if (this.#current?.id === id) {
      this.clock.clearTimeout(this.#current.timer);
      this.#current = null;
    }
    const state = this.rooms.get(id);
    if (state) this.#markJoined(state);
    this.#pump();
    return Boolean(state);
  }

  /** An `error` frame with ref "join" (or a timeout): about the join in flight. */
  failed(code, message) {
    const current = this.#current;
    if (!current) return;
    this.clock.clearTimeout(current.timer);
    this.#current = null;
    const state = this.rooms.get(current.id);
    if (state && code === 'room_not_found') {
      this.onRefused(state);
    } else if (state && code === 'bad_request' && /already joined/i.test(message)) {
      this.#markJoined(state);
    } else if (state) {
      state.joinState = 'idle';
      state.joinAttempts = (state.joinAttempts ?? 0) + 1;
      if (state.joinAttempts === 3) this.onTrouble(state, code, message);
      const delay = 500 + backoffDelay(state.joinAttempts, { ...RETRY, random: this.random });
      this.#retryTimers.set(state.id, this.clock.setTimeout(() => {
        this.#retryTimers.delete(state.id);
        if (this.rooms.get(state.id) === state) this.queue(state);
      }, delay));
    }
    this.#pump();
  }

  /** A new socket: every open room is joined again, resuming from what it shows. */
  socketOpened() {
    this.#queue = [];
    for (const state of this.rooms.values()) state.joinState = 'idle';
    for (const state of this.rooms.values()) this.queue(state);
  }

  socketClosed() {
    if (this.#current) this.clock.clearTimeout(this.#current.timer);
    this.#current = null;
    this.#queue = [];
    for (const state of this.rooms.values()) state.joinState = 'idle';
  }

  #markJoined(state) {
    state.joinState = 'joined';
    state.joinAttempts = 0;
    this.onJoined(state);
  }

  #pump() {
    if (this.#current || !this.connection.isOpen) return;
    while (this.#queue.length) {
      const id = this.#queue.shift();
      const state = this.rooms.get(id);
      if (state?.joinState !== 'queued') continue;
      if (!this.connection.send({ type: 'join', room_id: id, since_seq: state.resumeSeq() })) {
        this.#queue.unshift(id);
        return;
      }
      state.joinState = 'joining';
      this.#current = { id, timer: this.clock.setTimeout(() => this.failed('timeout', ''), JOIN_TIMEOUT_MS) };
      return;
    }
  }
}
