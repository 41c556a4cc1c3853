/**
 * The user's sends: each gets a client_msg_id once and keeps it through every resend (after a
 * reconnect, an ack timeout, a rate limit or `unavailable`), so the server stores it once.
 * A pending send waits for its room to be joined on the current socket, then goes out; it leaves
 * the pending list on its `ack` (or on its own `message` frame, whichever comes first).
 */
import { backoffDelay } from './backoff.js';
import { MAX_MESSAGE_BYTES, closeText, frameErrorText, gaveUpText, utf8Length } from './format.js';

export const ACK_TIMEOUT_MS = 20000;
export const MAX_AUTO_RETRIES = 8;
export const TYPING_EVERY_MS = 3000;
const RETRY = { base: 1000, max: 30000 };
/** Errors worth sending again by themselves, later. */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'not_joined']);

export class Outbox {
  #retryTimers = new Map();
  #sweep = null;
  #off;

  constructor({ chat, connection, clock, random, newId }) {
    Object.assign(this, { chat, connection, clock, random, newId });
    this.#off = connection.on('too-large', (frame) => this.#tooLarge(frame));
  }

  dispose() {
    this.#off();
    for (const handle of this.#retryTimers.values()) this.clock.clearTimeout(handle);
    this.#retryTimers.clear();
    if (this.#sweep !== null) this.clock.clearTimeout(this.#sweep);
    this.#sweep = null;
  }

  /** Queues `content` for room `id`; returns its client_msg_id (null if nothing to send). */
  send(id, content) {
    const state = this.chat.rooms.get(id);
    if (!state || !content.trim()) return null;
    const cid = this.newId();
    state.addPending(cid, content, this.clock.now());
    if (utf8Length(content) > MAX_MESSAGE_BYTES) {
      state.markFailed(cid, { code: 'too_large', text: frameErrorText('too_large') });
    } else {
      this.flush(state);
    }
    this.#changed(id);
    return cid;
  }

  /** A failed send, tried again by the user (same client_msg_id). */
  retry(id, cid) {
    const state = this.chat.rooms.get(id);
    if (!state?.retryPending(cid)) return;
    this.flush(state);
    this.#changed(id);
  }

  /** Drops a failed send; returns its text (to edit it) or null. */
  discard(id, cid) {
    const state = this.chat.rooms.get(id);
    const pending = state?.pending.get(cid);
    if (!pending || pending.status !== 'failed') return null;
    state.pending.delete(cid);
    this.#changed(id);
    return pending.content;
  }

  /** The user types in room `id`: tell the others, at most every 3 s. */
  typing(id) {
    const state = this.chat.rooms.get(id);
    const now = this.clock.now();
    if (state?.joinState !== 'joined' || now - state.lastTypingSent < TYPING_EVERY_MS) return;
    if (this.connection.send({ type: 'typing', room_id: id })) state.lastTypingSent = now;
  }

  /** Sends what is due in a joined room, in the order it was written. */
  flush(state) {
    if (!this.connection.isOpen || state.joinState !== 'joined') return;
    const now = this.clock.now();
    let next = Infinity;
    for (const p of state.pending.values()) {
      if (p.status !== 'queued') continue;
      if (p.retryAt > now) {
        next = Math.min(next, p.retryAt);
        continue;
      }
      if (!this.connection.send({ type: 'send', room_id: state.id, content: p.content, client_msg_id: p.cid })) return;
      state.markSent(p.cid, now);
    }
    this.#clearRetry(state.id);
    if (next < Infinity) {
      this.#retryTimers.set(state.id, this.clock.setTimeout(() => {
        this.#retryTimers.delete(state.id);
        if (this.chat.rooms.get(state.id) === state) this.flush(state);
      }, next - now));
    }
    this.#armSweep();
  }

  acked({ room_id: id, client_msg_id: cid, seq }) {
    const state = this.chat.rooms.get(id);
    if (state && cid != null && state.ack(cid, seq, new Date(this.clock.now()).toISOString())) this.#changed(id);
  }

  /** An `error` frame whose ref may be one of our client_msg_ids; true if it was. */
  failed(ref, code, message) {
    for (const state of this.chat.rooms.values()) {
      const p = state.pending.get(ref);
      if (!p) continue;
      const error = { code, text: frameErrorText(code, message) };
      if (RETRYABLE.has(code) && p.attempts < MAX_AUTO_RETRIES) {
        p.attempts += 1;
        state.markRetry(p.cid, error, this.clock.now() + 500 + backoffDelay(p.attempts, { ...RETRY, random: this.random }));
        if (code === 'not_joined') this.chat.rejoin(state.id);
        else this.flush(state);
      } else {
        state.markFailed(p.cid, { code, text: gaveUpText(code, message) });
      }
      this.#changed(state.id);
      return true;
    }
    return false;
  }

  /** The room's view closed: its timers go (its pending sends go with its state). */
  forget(id) {
    this.#clearRetry(id);
  }

  /** Close 1009: the last frame was too big; if it was a send, that send failed for good. */
  #tooLarge(frame) {
    if (frame?.type === 'send') {
      const state = this.chat.rooms.get(frame.room_id);
      if (state?.pending.has(frame.client_msg_id)) {
        state.markFailed(frame.client_msg_id, { code: 'too_large', text: frameErrorText('too_large') });
        this.#changed(state.id);
      }
    }
    this.chat.emit('notice', closeText(1009));
  }

  /** Sends without an ack for too long go out again (same id: stored once). */
  #armSweep() {
    if (this.#sweep !== null) return;
    this.#sweep = this.clock.setTimeout(() => {
      this.#sweep = null;
      const now = this.clock.now();
      let waiting = false;
      for (const state of this.chat.rooms.values()) {
        let due = false;
        for (const p of state.pending.values()) {
          if (p.status !== 'sent') continue;
          if (now - p.sentAt >= ACK_TIMEOUT_MS) {
            p.status = 'queued';
            due = true;
          } else {
            waiting = true;
          }
        }
        if (due) this.flush(state);
      }
      if (waiting) this.#armSweep();
    }, ACK_TIMEOUT_MS / 4);
  }

  #clearRetry(id) {
    if (this.#retryTimers.has(id)) this.clock.clearTimeout(this.#retryTimers.get(id));
    this.#retryTimers.delete(id);
  }

  #changed(id) {
    this.chat.emit('room', id, 'messages');
  }
}
