/**
 * The state of one open room, pure logic (no DOM, no sockets, time passed in):
 * messages keyed by seq (never twice, always in seq order), the user's pending sends keyed by
 * client_msg_id, unread count, members (REST snapshot + presence), typing users, participants.
 */

/** Typing indicators disappear this long after the last typing frame. */
export const TYPING_TTL_MS = 5000;

function insertSorted(sorted, value) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, value);
}

function cleanMessage(m) {
  return {
    room_id: m.room_id,
    seq: m.seq,
    user_id: m.user_id,
    username: String(m.username ?? ''),
    content: String(m.content ?? ''),
    client_msg_id: m.client_msg_id ?? null,
    sent_at: m.sent_at,
  };
}

export class RoomState {
  /** The membership fetch whose answer is current, and the presence seen since it started. */
  #membersFetch = 0;
  #presenceLog = [];

  constructor(room, me) {
    this.id = room.id;
    this.room = { ...room };
    this.me = me;
    this.messages = new Map();
    this.seqs = [];
    this.pending = new Map();
    this.unread = 0;
    this.members = new Map();
    this.typing = new Map();
    this.participants = null;
    this.historyLoaded = false;
    this.historyError = null;
    this.reachedStart = false;
    this.loadingOlder = false;
    /** idle | queued | joining | joined (on the current socket). */
    this.joinState = 'idle';
    this.lastTypingSent = -Infinity;
  }

  get lowestSeq() {
    return this.seqs.length ? this.seqs[0] : null;
  }

  get highestSeq() {
    return this.seqs.length ? this.seqs[this.seqs.length - 1] : 0;
  }

  /**
   * The since_seq to resume with: the top of the run of consecutive seqs that starts at the
   * lowest one shown, so a hole (if any) is filled by the server's replay; 0 for an empty room.
   * Without holes this is the highest seq shown.
   */
  resumeSeq() {
    if (this.seqs.length === 0) return 0;
    let top = this.seqs[0];
    for (let i = 1; i < this.seqs.length && this.seqs[i] === top + 1; i++) top = this.seqs[i];
    return top;
  }

  /** The first hole between shown messages, as the bounds to fetch strictly between, or null. */
  firstGap() {
    const top = this.resumeSeq();
    if (top === this.highestSeq) return null;
    return { after: top, before: this.seqs[this.seqs.indexOf(top) + 1] };
  }

  /**
   * A message from the server (live, replayed or history). Returns whether its seq was new
   * (a known seq is replaced in place, e.g. the stand-in made from an ack, never shown twice).
   * `countUnread`: a live message while the room is not in view.
   */
  addMessage(m, { countUnread = false } = {}) {
    if (!Number.isSafeInteger(m?.seq) || m.seq < 1) return false;
    const own = m.user_id === this.me.id;
    if (own && m.client_msg_id != null) this.pending.delete(m.client_msg_id);
    const existed = this.messages.has(m.seq);
    this.messages.set(m.seq, cleanMessage(m));
    if (!existed) {
      insertSorted(this.seqs, m.seq);
      if (!own) {
        this.typing.delete(m.user_id);
        if (countUnread) this.unread += 1;
      }
    }
    return !existed;
  }

  /** A page of history (ascending or not); duplicates are ignored by seq. */
  addHistory(messages) {
    for (const m of messages) this.addMessage(m);
  }

  /** A new pending send, shown at the bottom until acked. */
  addPending(cid, content, now) {
    const pending = { cid, content, status: 'queued', attempts: 0, error: null, createdAt: now, retryAt: 0, sentAt: 0 };
    this.pending.set(cid, pending);
    return pending;
  }

  /** The server stored our send as `seq`: it leaves the pending list and takes its place by seq. */
  ack(cid, seq, nowIso) {
    const pending = this.pending.get(cid);
    if (!pending || !Number.isSafeInteger(seq)) return false;
    this.pending.delete(cid);
    if (!this.messages.has(seq)) {
      this.messages.set(seq, {
        room_id: this.id, seq, user_id: this.me.id, username: this.me.username,
        content: pending.content, client_msg_id: cid, sent_at: nowIso,
      });
      insertSorted(this.seqs, seq);
    }
    return true;
  }

  markSent(cid, now) {
    const p = this.pending.get(cid);
    if (p) Object.assign(p, { status: 'sent', sentAt: now });
  }

  /** Send again later (same client_msg_id), keeping the reason to show meanwhile. */
  markRetry(cid, error, retryAt) {
    const p = this.pending.get(cid);
    if (p) Object.assign(p, { status: 'queued', error, retryAt });
  }

  markFailed(cid, error) {
    const p = this.pending.get(cid);
    if (p) Object.assign(p, { status: 'failed', error });
  }

  /** The socket went: every send without an ack goes out again after the next join. */
  requeueSent() {
    for (const p of this.pending.values()) if (p.status === 'sent') p.status = 'queued';
  }

  /** A failed send the user retries: a fresh start with the same client_msg_id. */
  retryPending(cid) {
    const p = this.pending.get(cid);
    if (p && p.status === 'failed') Object.assign(p, { status: 'queued', attempts: 0, error: null, retryAt: 0 });
    return Boolean(p);
  }

  /** What to render, in order: stored messages by seq, then pending sends by creation. */
  items() {
    const out = [];
    const keys = new Set();
    for (const seq of this.seqs) {
      const message = this.messages.get(seq);
      const own = message.user_id === this.me.id;
      let key = own && message.client_msg_id ? `c:${message.client_msg_id}` : `s:${seq}`;
      if (keys.has(key)) key = `s:${seq}`;
      keys.add(key);
      out.push({ key, seq, message, own, status: 'stored', error: null });
    }
    for (const p of this.pending.values()) {
      out.push({
        key: `c:${p.cid}`,
        seq: null,
        message: {
          room_id: this.id, seq: null, user_id: this.me.id, username: this.me.username,
          content: p.content, client_msg_id: p.cid, sent_at: new Date(p.createdAt).toISOString(),
        },
        own: true,
        status: p.status === 'failed' ? 'failed' : 'pending',
        error: p.error,
      });
    }
    return out;
  }

  /** Starts a GET of the members; presence seen from now on is applied again on its answer. */
  beginMembersFetch() {
    this.#presenceLog = [];
    return ++this.#membersFetch;
  }

  /** The answer of fetch `token`; a stale answer (a later fetch started) is ignored. */
  setMembers(list, token) {
    if (token !== this.#membersFetch) return false;
    this.members = new Map(list.map((m) => [m.user_id, m.username]));
    for (const event of this.#presenceLog) this.#applyPresence(event);
    return true;
  }

  presence(event) {
    this.#presenceLog.push(event);
    this.#applyPresence(event);
  }

  #applyPresence({ event, user_id: userId, username }) {
    if (event === 'join') this.members.set(userId, username);
    else if (event === 'leave') {
      this.members.delete(userId);
      this.typing.delete(userId);
    }
  }

  /** Someone else typed at `now`; own typing frames (another tab) are not shown. */
  typingFrom(userId, username, now) {
    if (userId === this.me.id) return;
    this.typing.delete(userId);
    this.typing.set(userId, { username, until: now + TYPING_TTL_MS });
  }

  /** Who is typing at `now` (expired entries dropped), in the order they started. */
  typingNames(now) {
    for (const [id, t] of this.typing) if (t.until <= now) this.typing.delete(id);
    return [...this.typing.values()].map((t) => t.username);
  }

  /** When the next typing indicator expires, or null. */
  nextTypingExpiry() {
    let next = null;
    for (const t of this.typing.values()) if (next === null || t.until < next) next = t.until;
    return next;
  }

  /** Name, topic or role changed (room_updated, PATCH answer, participant list). */
  updateRoom(room) {
    this.room = { ...this.room, ...room };
  }

  setParticipants(list) {
    this.participants = list;
    const mine = list.find((p) => p.user_id === this.me.id);
    if (mine && this.room.visibility === 'private') this.room.role = mine.role;
  }
}
