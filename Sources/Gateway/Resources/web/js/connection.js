/**
 * The WebSocket to /v1/ws: connect, heartbeat, reconnect with backoff, close codes.
 *
 * Phases: idle → connecting → open → (closed) → waiting → connecting … ; stopped is final.
 * The visible state is 'connected' (open), 'offline' (the browser says so) or 'reconnecting'.
 * Events: 'state' (visible state), 'open', 'close' ({code, reason}: an open socket went),
 * 'frame' (a parsed server frame), 'auth-expired' (4001 for the current token: log in again),
 * 'too-large' (1009, with the last frame sent), 'connect-failed' ({attempt}: never opened).
 */
import { Emitter } from './events.js';
import { realClock } from './clock.js';
import { backoffDelay } from './backoff.js';

export const PING_INTERVAL_MS = 25000;
export const PONG_TIMEOUT_MS = 10000;
export const CONNECT_TIMEOUT_MS = 10000;
/** A socket open this long counts as healthy: the next reconnect starts the backoff again. */
export const STABLE_MS = 5000;
export const BACKOFF = { base: 500, max: 15000 };

/** The socket URL for this page: same host, wss under https. */
export function socketUrl(location, token) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/ws?token=${encodeURIComponent(token)}`;
}

export class Connection extends Emitter {
  #ws = null;
  #phase = 'idle';
  #attempt = 0;
  #timers = { retry: null, connect: null, ping: null, pong: null };
  #openedAt = 0;
  #socketToken = null;
  #online;
  #lastFrame = null;
  #shownState = null;

  constructor({ urlFor, getToken, WebSocketImpl = globalThis.WebSocket, clock = realClock, random = Math.random, online = true }) {
    super();
    Object.assign(this, { urlFor, getToken, WebSocketImpl, clock, random });
    this.#online = online;
  }

  get state() {
    if (!this.#online) return 'offline';
    return this.#phase === 'open' ? 'connected' : 'reconnecting';
  }

  get isOpen() { return this.#phase === 'open'; }
  get phase() { return this.#phase; }

  start() {
    if (this.#phase === 'idle') this.#connect();
  }

  /** Final: closes the socket and never reconnects (logout, session over). */
  stop() {
    if (this.#phase === 'stopped') return;
    const wasOpen = this.#teardown(1000, 'bye');
    this.#phase = 'stopped';
    this.#emitState();
    if (wasOpen) this.emit('close', { code: 1000, reason: 'bye' });
  }

  /** Sends a frame if the socket is open; false if it could not. */
  send(frame) {
    if (this.#phase !== 'open') return false;
    try {
      this.#ws.send(JSON.stringify(frame));
      if (frame.type !== 'ping') this.#lastFrame = frame; // What a 1009 close is about.
      return true;
    } catch {
      return false;
    }
  }

  /** The browser's online/offline events. Back online: try at once. */
  setOnline(online) {
    if (online === this.#online) return;
    this.#online = online;
    if (online && this.#phase === 'waiting') {
      this.#attempt = 0;
      this.#reconnect(0);
    }
    this.#emitState();
  }

  /** A fresh token: reopen with it now (the server closes a socket when its token expires). */
  reconnectNow() {
    if (this.#phase === 'stopped' || this.#phase === 'idle') return;
    const wasOpen = this.#teardown(1000, 'new token');
    if (wasOpen) this.emit('close', { code: 1000, reason: 'new token' });
    this.#attempt = 0;
    this.#reconnect(0);
  }

  #connect() {
    const token = this.getToken();
    if (!token) {
      this.#phase = 'stopped';
      this.#emitState();
      this.emit('auth-expired', { code: 4001, reason: 'no token' });
      return;
    }
    this.#phase = 'connecting';
    this.#socketToken = token;
    let ws;
    try {
      ws = new this.WebSocketImpl(this.urlFor(token));
    } catch {
      this.#closed(1006, 'cannot open', false);
      return;
    }
    this.#ws = ws;
    ws.onopen = () => ws === this.#ws && this.#opened();
    ws.onmessage = (event) => ws === this.#ws && this.#received(event.data);
    ws.onclose = (event) => ws === this.#ws && this.#closedBySocket(event.code, event.reason);
    ws.onerror = () => {};
    this.#timers.connect = this.clock.setTimeout(() => this.#dropDead('connect timeout'), CONNECT_TIMEOUT_MS);
    this.#emitState();
  }

  #opened() {
    this.#clear('connect');
    this.#phase = 'open';
    this.#openedAt = this.clock.now();
    this.#schedulePing();
    this.#emitState();
    this.emit('open');
  }

  #received(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== 'string') return;
    if (frame.type === 'pong') this.#clear('pong');
    this.emit('frame', frame);
  }

  #schedulePing() {
    this.#timers.ping = this.clock.setTimeout(() => {
      if (this.#phase !== 'open') return;
      if (this.send({ type: 'ping' }) && this.#timers.pong === null) {
        this.#timers.pong = this.clock.setTimeout(() => this.#dropDead('no pong'), PONG_TIMEOUT_MS);
      }
      this.#schedulePing();
    }, PING_INTERVAL_MS);
  }

  /** No pong, or no open in time: the socket is dead; do not wait for its close handshake. */
  #dropDead(reason) {
    this.#closed(1006, reason, this.#teardown(4000, reason));
  }

  #closedBySocket(code, reason) {
    this.#closed(code, reason, this.#teardown());
  }

  /** Forgets the socket (closing it with `code` if given) and every timer; was it open? */
  #teardown(code, reason) {
    const ws = this.#ws;
    const wasOpen = this.#phase === 'open';
    this.#ws = null;
    for (const name of Object.keys(this.#timers)) this.#clear(name);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      if (code !== undefined) {
        try {
          ws.close(code, reason);
        } catch {
          // Already closing.
        }
      }
    }
    if (this.#phase === 'open' || this.#phase === 'connecting') this.#phase = 'waiting';
    return wasOpen;
  }

  #closed(code, reason, wasOpen) {
    if (this.#phase === 'stopped') return;
    this.#phase = 'waiting';
    if (wasOpen) this.emit('close', { code, reason: reason ?? '' });
    if (code === 4001) {
      const current = this.getToken();
      if (current && current !== this.#socketToken) {
        this.#attempt = 0; // It was the old token; the session has a fresh one.
        return this.#reconnect(0);
      }
      this.#phase = 'stopped';
      this.#emitState();
      this.emit('auth-expired', { code, reason });
      return;
    }
    if (code === 1009) this.emit('too-large', this.#lastFrame);
    if (!wasOpen) this.emit('connect-failed', { attempt: this.#attempt });
    if (wasOpen && this.clock.now() - this.#openedAt >= STABLE_MS) this.#attempt = 0;
    // Offline: keep trying, slowly, in case the browser is wrong; 'online' retries at once.
    const delay = this.#online
      ? backoffDelay(this.#attempt, { ...BACKOFF, random: this.random })
      : BACKOFF.max;
    this.#attempt += 1;
    this.#reconnect(delay);
  }

  #reconnect(delay) {
    this.#clear('retry');
    this.#phase = 'waiting';
    this.#timers.retry = this.clock.setTimeout(() => {
      this.#timers.retry = null;
      if (this.#phase === 'waiting') this.#connect();
    }, delay);
    this.#emitState();
  }

  #clear(name) {
    if (this.#timers[name] !== null) this.clock.clearTimeout(this.#timers[name]);
    this.#timers[name] = null;
  }

  #emitState() {
    const state = this.state;
    if (state === this.#shownState) return;
    this.#shownState = state;
    this.emit('state', state);
  }
}
