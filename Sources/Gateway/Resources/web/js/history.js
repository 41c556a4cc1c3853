/**
 * History over REST: the latest page when a room opens (then the room is joined with since_seq =
 * the newest seq shown, so the server replays what came after), older pages of 50 when scrolling
 * up, and holes that the live stream left (read strictly between their bounds).
 */
import { backoffDelay } from './backoff.js';
import { apiErrorText } from './format.js';

export const HISTORY_PAGE = 50;
export const GAP_WAIT_MS = 2000;
/** After a failed older page, automatic loads (scrolling) pause this long; the button does not. */
export const OLDER_PAUSE_MS = 5000;
const RETRY = { base: 1000, max: 30000 };

export class History {
  /** `chat`: rooms, emit, close, joiner; `timers`: the chat's KeyedTimers. */
  constructor({ chat, api, timers, random }) {
    Object.assign(this, { chat, api, timers, random });
  }

  #current(state) {
    return this.chat.rooms.get(state.id) === state;
  }

  /** The latest page; on success the room is queued for its join. Retried with backoff. */
  async loadLatest(state, attempt = 0) {
    const { id } = state;
    this.timers.clear('history', id);
    try {
      const { messages } = await this.api.messages(id, { limit: HISTORY_PAGE });
      if (!this.#current(state)) return;
      state.addHistory(messages);
      Object.assign(state, { historyLoaded: true, historyError: null });
      state.reachedStart = messages.length < HISTORY_PAGE || messages[0].seq === 1;
      this.chat.emit('room', id, 'messages');
      this.chat.joiner.queue(state);
    } catch (error) {
      if (!this.#current(state) || error.status === 401) return;
      if (error.status === 404) return this.chat.closeUnavailable(id);
      state.historyError = apiErrorText(error);
      this.chat.emit('room', id, 'messages');
      const delay = 1000 + backoffDelay(attempt, { ...RETRY, random: this.random });
      this.timers.set('history', id, delay, () => this.loadLatest(state, attempt + 1));
    }
  }

  /** The page before the oldest message shown; `force`: asked for explicitly (a button). */
  async loadOlder(state, { force = false } = {}) {
    const { id } = state;
    if (!state.historyLoaded || state.reachedStart || state.loadingOlder) return;
    if (!force && this.chat.clock.now() < (state.olderPausedUntil ?? 0)) return;
    const before = state.lowestSeq;
    if (before === null || before <= 1) {
      state.reachedStart = true;
      return this.chat.emit('room', id, 'older');
    }
    state.loadingOlder = true;
    this.chat.emit('room', id, 'older');
    try {
      const { messages } = await this.api.messages(id, { before_seq: before, limit: HISTORY_PAGE });
      if (!this.#current(state)) return;
      state.addHistory(messages);
      state.reachedStart = messages.length < HISTORY_PAGE || messages[0].seq === 1;
    } catch (error) {
      if (this.#current(state) && error.status !== 401) {
        state.olderPausedUntil = this.chat.clock.now() + OLDER_PAUSE_MS;
        this.chat.emit('notice', `Could not load earlier messages. ${apiErrorText(error)}`);
      }
    } finally {
      state.loadingOlder = false;
      if (this.#current(state)) this.chat.emit('room', id, 'older');
    }
  }

  /** After a live message: if a hole stays open for a while, read it. */
  watchGaps(state) {
    if (state.joinState === 'joined' && state.firstGap()) {
      this.timers.setOnce('gap', state.id, GAP_WAIT_MS, () => this.#fillGap(state));
    }
  }

  async #fillGap(state) {
    const gap = state.firstGap();
    if (!gap || !this.#current(state)) return;
    try {
      const { messages } = await this.api.messages(state.id, { after_seq: gap.after, before_seq: gap.before, limit: 200 });
      if (!this.#current(state)) return;
      state.addHistory(messages);
      this.chat.emit('room', state.id, 'messages');
      if (messages.length && state.firstGap()) this.timers.setOnce('gap', state.id, 0, () => this.#fillGap(state));
    } catch {
      if (this.#current(state)) this.timers.setOnce('gap', state.id, GAP_WAIT_MS * 5, () => this.#fillGap(state));
    }
  }
}
