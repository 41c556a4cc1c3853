/**
 * Room administration over REST (contract v1.1): settings, closing, leaving, participants.
 * Each action reports its outcome through `notify(text)` and resolves to whether it succeeded.
 */
import { apiErrorText } from './format.js';

export class RoomActions {
  constructor({ api, chat, notify }) {
    Object.assign(this, { api, chat, notify });
  }

  async #run(work, { done, notFound } = {}) {
    try {
      await work();
      if (done) this.notify(done);
      return true;
    } catch (error) {
      if (error.status !== 401) this.notify(apiErrorText(error, { notFound }));
      return false;
    }
  }

  /** Rename and/or change the topic; only what changed is sent. */
  save(id, { name, topic }) {
    const room = this.chat.rooms.get(id)?.room;
    const changes = {};
    if (room && name !== room.name) changes.name = name;
    if (room && topic !== (room.topic ?? '')) changes.topic = topic;
    if (Object.keys(changes).length === 0) {
      this.notify('Nothing to save: the name and topic are unchanged.');
      return Promise.resolve(false);
    }
    return this.#run(async () => {
      const { room: updated } = await this.api.updateRoom(id, changes);
      this.chat.applyRoom(updated);
    }, { done: 'Room settings saved.', notFound: `Room ${id} is no longer available.` });
  }

  /** Closes (deletes) the room for everyone; the owner only. */
  async closeForever(id) {
    this.chat.expectDeparture(id);
    const ok = await this.#run(async () => {
      await this.api.closeRoom(id);
      this.chat.close(id, { leave: false, notice: `You closed room ${id}.` });
    }, { notFound: `Room ${id} is already gone.` });
    if (!ok) this.chat.expectDeparture(id, false);
    return ok;
  }

  /** Stops participating in a private room (DELETE …/participants/me). */
  async leaveForGood(id) {
    this.chat.expectDeparture(id);
    const ok = await this.#run(async () => {
      await this.api.removeParticipant(id, 'me');
      this.chat.close(id, { leave: false, notice: `You left room ${id}` });
    }, { notFound: `You are no longer a participant of room ${id}.` });
    if (!ok) this.chat.expectDeparture(id, false);
    return ok;
  }

  addParticipant(id, userId, role) {
    return this.#run(async () => {
      await this.api.addParticipant(id, userId, role);
      await this.chat.refreshParticipants(id);
    }, { done: `User ${userId} is now a participant (${role}).`, notFound: `There is no user with id ${userId}.` });
  }

  setRole(id, userId, role) {
    return this.#run(async () => {
      await this.api.setRole(id, userId, role);
      await this.chat.refreshParticipants(id);
    }, { done: `User ${userId} is now ${role === 'admin' ? 'an admin' : 'a member'}.`, notFound: `User ${userId} is not a participant.` });
  }

  removeParticipant(id, userId) {
    return this.#run(async () => {
      await this.api.removeParticipant(id, userId);
      await this.chat.refreshParticipants(id);
    }, { done: `User ${userId} was removed from room ${id}.`, notFound: `Room ${id} is no longer available.` });
  }
}
