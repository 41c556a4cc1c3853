/**
 * The login session: token, expiry and user, kept in sessionStorage (this tab; a tab opened with
 * window.open from it starts with a copy). The token is refreshed at 80% of its lifetime.
 * Events: 'token' (a fresh token), 'expired' (it ran out and could not be refreshed).
 */
import { Emitter } from './events.js';
import { realClock, MAX_TIMER_MS } from './clock.js';

const KEY = 'chorus.session';
/** Refresh when this share of the token's lifetime has passed. */
export const REFRESH_AT = 0.8;
const RETRY_MS = 30000;

export class Session extends Emitter {
  #data = null;
  #timer = null;

  constructor({ api, storage = globalThis.sessionStorage, clock = realClock }) {
    super();
    this.api = api;
    this.storage = storage;
    this.clock = clock;
  }

  get token() { return this.#data?.token ?? null; }
  get user() { return this.#data?.user ?? null; }

  /** The stored session if it is still valid, and its refresh scheduled; else null. */
  restore() {
    let data = null;
    try {
      data = JSON.parse(this.storage.getItem(KEY) ?? 'null');
    } catch {
      data = null;
    }
    const valid = data && typeof data.token === 'string' && data.user && Number.isFinite(data.obtainedAt) &&
      Date.parse(data.expiresAt) > this.clock.now();
    if (!valid) {
      this.clear();
      return null;
    }
    this.#data = data;
    this.#schedule();
    return data;
  }

  /** Starts a session from an auth answer {user, token, expires_at}. */
  start(auth) {
    this.#data = { token: auth.token, expiresAt: auth.expires_at, obtainedAt: this.clock.now(), user: auth.user };
    this.#save();
    this.#schedule();
  }

  setUser(user) {
    if (!this.#data) return;
    this.#data.user = user;
    this.#save();
  }

  clear() {
    this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#data = null;
    try {
      this.storage.removeItem(KEY);
    } catch {
      // Storage may be unavailable (privacy mode): nothing to remove then.
    }
  }

  /** Revokes the token on the server (best effort) and forgets it here. */
  async logout() {
    try {
      if (this.token) await this.api.logout();
    } finally {
      this.clear();
    }
  }

  #save() {
    try {
      this.storage.setItem(KEY, JSON.stringify(this.#data));
    } catch {
      // Without storage the session lasts as long as the page.
    }
  }

  #schedule(delay) {
    this.clock.clearTimeout(this.#timer);
    const { expiresAt, obtainedAt } = this.#data;
    const lifetime = Math.max(0, Date.parse(expiresAt) - obtainedAt);
    const wait = delay ?? obtainedAt + lifetime * REFRESH_AT - this.clock.now();
    this.#timer = this.clock.setTimeout(() => this.#refresh(), Math.min(MAX_TIMER_MS, Math.max(0, wait)));
  }

  async #refresh() {
    const before = this.#data;
    if (!before) return;
    try {
      const auth = await this.api.refresh();
      if (this.#data !== before) return;
      this.start(auth);
      this.emit('token', auth.token);
    } catch (error) {
      if (this.#data !== before || error.status === 401) return; // 401: the API ends the session.
      const left = Date.parse(before.expiresAt) - this.clock.now();
      if (left <= 0) this.emit('expired');
      else this.#schedule(Math.min(RETRY_MS, Math.max(1000, left / 2)));
    }
  }
}
