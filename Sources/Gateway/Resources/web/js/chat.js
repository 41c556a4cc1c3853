/**
 * The chat session over one Connection, without DOM: open rooms, server frames, members,
 * participants, typing. History is read by history.js, joins (resumed with since_seq) made by
 * joins.js, sends kept by outbox.js; each room's state is a RoomState (rooms.js).
 * Events: 'rooms' (open rooms or unread counts), 'active' (id|null), 'room' (id, part:
 * messages|older|members|typing|meta|participants|joined), 'closed' (id, {gone}: closed, removed
 * or no longer accessible, not merely out of view), 'room-meta' (Room),
 * 'notice' (text).
 */
import { Emitter } from './events.js';
import { realClock, KeyedTimers } from './clock.js';
import { RoomState } from './rooms.js';
import { History } from './history.js';
import { Outbox } from './outbox.js';
import { Joiner } from './joins.js';
import { apiErrorText, frameErrorText } from './format.js';
import { newClientMsgId } from './ids.js';

export class Chat extends Emitter {
  rooms = new Map();
  activeId = null;
  #leaving = new Set();
  #offs;

  constructor({ api, connection, me, clock = realClock, random = Math.random, newId = newClientMsgId }) {
    super();
    Object.assign(this, { api, connection, me, clock, random });
    this.timers = new KeyedTimers(clock);
    this.history = new History({ chat: this, api, timers: this.timers, random });
    this.outbox = new Outbox({ chat: this, connection, clock, random, newId });
    this.joiner = new Joiner({
      connection, clock, random, rooms: this.rooms, activeId: () => this.activeId,
      onJoined: (state) => {
        this.outbox.flush(state);
        this.refreshMembers(state.id);
        this.emit('room', state.id, 'joined');
      },
      onRefused: (state) => this.closeUnavailable(state.id),
      onTrouble: (state, code, message) => this.emit('notice', `Room ${state.id}: ${frameErrorText(code, message)}`),
    });
    this.#offs = [
      connection.on('open', () => this.joiner.socketOpened()),
      connection.on('close', () => this.#socketClosed()),
      connection.on('frame', (frame) => this.handleFrame(frame)),
    ];
  }

  dispose() {
    this.#offs.forEach((off) => off());
    this.timers.clearAll();
    this.outbox.dispose();
    this.joiner.dispose();
    this.rooms.clear();
  }

  /** Opens (and by default shows) a room given as a Room or an id; REST errors are thrown. */
  async open(roomOrId, { activate = true } = {}) {
    const given = typeof roomOrId === 'object' ? roomOrId : null;
    const id = Number(given ? given.id : roomOrId);
    if (!this.rooms.has(id)) {
      const room = given ?? (await this.api.getRoom(id)).room;
      if (!this.rooms.has(id)) {
        const state = new RoomState(room, this.me);
        this.rooms.set(id, state);
        this.history.loadLatest(state);
        this.refreshParticipants(id);
        this.emit('rooms');
      }
    }
    if (activate) this.activate(id);
    return this.rooms.get(id);
  }

  activate(id) {
    const state = this.rooms.get(id);
    if (!state) return;
    this.activeId = id;
    state.unread = 0;
    this.emit('active', id);
    this.emit('rooms');
  }

  /** Closes a room's view; `leave`: tell the server (not after removed / room_closed). */
  close(id, { notice = null, leave = true } = {}) {
    const state = this.rooms.get(id);
    if (!state) return;
    this.rooms.delete(id);
    for (const kind of ['gap', 'history', 'typing', 'participants']) this.timers.clear(kind, id);
    this.outbox.forget(id);
    const onServer = state.joinState === 'joining' || state.joinState === 'joined';
    if (leave && onServer) this.connection.send({ type: 'leave', room_id: id });
    this.joiner.forget(id);
    if (this.activeId === id) {
      const next = [...this.rooms.keys()].pop() ?? null;
      this.activeId = null;
      if (next === null) this.emit('active', null);
      else this.activate(next);
    }
    this.emit('closed', id, { gone: !leave });
    this.emit('rooms');
    if (notice) this.emit('notice', notice);
  }

  /** We are about to leave or close `id` ourselves: word its removed / room_closed notice so. */
  expectDeparture(id, expected = true) {
    if (expected) this.#leaving.add(id);
    else this.#leaving.delete(id);
  }

  closeUnavailable(id) {
    this.close(id, { leave: false, notice: `Room ${id} is not available: it was closed, or you have no access to it.` });
  }

  /** Tries the first history page again now (after it failed). */
  retryHistory(id) {
    const state = this.rooms.get(id);
    if (state && !state.historyLoaded) this.history.loadLatest(state);
  }

  /** The page before the oldest message shown (scrolling up; `force`: the button). */
  loadOlder(id, options) {
    const state = this.rooms.get(id);
    return state ? this.history.loadOlder(state, options) : Promise.resolve();
  }

  async refreshMembers(id) {
    const state = this.rooms.get(id);
    if (!state) return;
    const token = state.beginMembersFetch();
    try {
      const { members } = await this.api.members(id);
      if (this.rooms.get(id) === state && state.setMembers(members, token)) this.emit('room', id, 'members');
    } catch {
      // Presence frames keep the list; the next join fetches it again.
    }
  }

  /** Participants and roles of a private room (all pages); updates the caller's role. */
  async refreshParticipants(id) {
    const state = this.rooms.get(id);
    if (!state || state.room.visibility !== 'private') return;
    try {
      const all = [];
      for (let after; ;) {
        const { participants } = await this.api.participants(id, { limit: 200, after_id: after });
        all.push(...participants);
        if (participants.length < 200) break;
        after = participants[participants.length - 1].user_id;
      }
      if (this.rooms.get(id) !== state) return;
      state.setParticipants(all);
      this.emit('room', id, 'participants');
      this.emit('room', id, 'meta');
    } catch (error) {
      if (this.rooms.get(id) === state && error.status !== 401 && error.status !== 404) {
        this.emit('notice', `Could not load the participants. ${apiErrorText(error)}`);
      }
    }
  }

  /** A newer Room (PATCH answer or room_updated frame). */
  applyRoom(room) {
    const state = this.rooms.get(room?.id);
    if (state) {
      state.updateRoom(room);
      this.emit('room', room.id, 'meta');
      this.emit('rooms');
    }
    if (room) this.emit('room-meta', state ? state.room : room);
  }

  handleFrame(frame) {
    const state = this.rooms.get(frame.room_id);
    const id = frame.room_id;
    switch (frame.type) {
      case 'joined':
        if (!this.joiner.joined(id)) this.connection.send({ type: 'leave', room_id: id }); // Closed meanwhile.
        return undefined;
      case 'message': return state && this.#message(state, frame);
      case 'ack': return this.outbox.acked(frame);
      case 'presence':
        if (!state) return;
        state.presence(frame);
        this.emit('room', id, 'members');
        this.emit('room', id, 'typing');
        if (state.room.visibility === 'private') this.timers.setOnce('participants', id, 1000, () => this.refreshParticipants(id));
        return;
      case 'typing':
        if (!state) return;
        state.typingFrom(frame.user_id, frame.username, this.clock.now());
        this.#scheduleTypingExpiry(state);
        return this.emit('room', id, 'typing');
      case 'room_updated': return this.applyRoom(frame.room);
      case 'room_closed':
        return state && this.close(id, {
          leave: false,
          notice: this.#leaving.delete(id) ? `You closed room ${id}.` : `Room ${id} (${state.room.name}) was closed by its owner.`,
        });
      case 'removed':
        return state && this.close(id, {
          leave: false,
          notice: this.#leaving.delete(id) ? `You left room ${id}` : `You were removed from room ${id}`,
        });
      case 'error': return this.#error(frame);
      default: return undefined; // left, pong, and frames added to the protocol later.
    }
  }

  #message(state, frame) {
    const unseen = state.id !== this.activeId;
    const isNew = state.addMessage(frame, { countUnread: unseen });
    this.emit('room', state.id, 'messages');
    if (isNew && unseen) this.emit('rooms');
    this.history.watchGaps(state);
  }

  #error({ code, message, ref }) {
    if (ref === 'join') return this.joiner.failed(code, message);
    if (this.outbox.failed(ref, code, message)) return;
    if (['typing', 'leave', 'ping'].includes(ref)) return; // Nothing the user asked for.
    this.emit('notice', frameErrorText(code, message));
  }

  /** Rejoin a room the server says we are not joined to. */
  rejoin(id) {
    const state = this.rooms.get(id);
    if (state) this.joiner.rejoin(state);
  }

  #socketClosed() {
    this.joiner.socketClosed();
    for (const state of this.rooms.values()) {
      state.requeueSent();
      state.typing.clear();
      this.emit('room', state.id, 'typing');
    }
  }

  #scheduleTypingExpiry(state) {
    const next = state.nextTypingExpiry();
    if (next === null) return;
    this.timers.set('typing', state.id, next - this.clock.now(), () => {
      state.typingNames(this.clock.now());
      this.emit('room', state.id, 'typing');
      this.#scheduleTypingExpiry(state);
    });
  }
}
