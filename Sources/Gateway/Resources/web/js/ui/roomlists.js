/** A paged list of rooms (public rooms, or my private rooms and DMs) with "load more". */
import { apiErrorText } from '../format.js';
import { displayName, isDirect } from '../access.js';
import { el, setText } from './dom.js';

export const ROOMS_PAGE = 50;

/** One `data-test="room-item"` entry; the whole row is a button that opens the room. */
export function roomItem(room, me, onOpen) {
  const item = el('li', { test: 'room-item', dataset: { roomId: String(room.id) } });
  const button = el('button', { type: 'button', class: 'room-button', onclick: () => onOpen(item.room) });
  item.append(button);
  item.room = room;
  fillRoomButton(button, room, me);
  return item;
}

function fillRoomButton(button, room, me) {
  const direct = isDirect(room);
  const name = direct ? `@${displayName(room, me)}` : room.name;
  const details = [`#${room.id}`];
  if (direct) details.push('direct message');
  else if (room.visibility === 'private') details.push(room.role ? `private · ${room.role}` : 'private');
  if (room.topic) details.push(room.topic);
  button.replaceChildren(el('span', { class: 'room-name', text: name }), el('span', { class: 'room-meta', text: details.join(' · ') }));
  button.title = room.topic ? `${name}: ${room.topic}` : name;
}

export class RoomPages {
  #generation = 0;
  #after = undefined;
  #loading = false;
  #items = new Map();

  /** `load({limit, after_id})` → {rooms}; `onOpen(room)` opens one. */
  constructor({ list, status, more, load, me, onOpen, emptyText, signal }) {
    Object.assign(this, { list, status, more, load, me, onOpen, emptyText });
    more.addEventListener('click', () => this.loadMore(), { signal });
  }

  /** From the first page again. */
  reload() {
    this.#generation += 1;
    this.#after = undefined;
    this.#loading = false;
    this.#items.clear();
    this.list.replaceChildren();
    return this.loadMore();
  }

  async loadMore() {
    if (this.#loading) return;
    const generation = this.#generation;
    this.#loading = true;
    this.more.disabled = true;
    setText(this.status, 'Loading…');
    try {
      const { rooms } = await this.load({ limit: ROOMS_PAGE, after_id: this.#after });
      if (generation !== this.#generation) return;
      for (const room of rooms) this.#put(room);
      if (rooms.length) this.#after = rooms[rooms.length - 1].id;
      this.more.hidden = rooms.length < ROOMS_PAGE;
      setText(this.status, this.#items.size ? '' : this.emptyText);
    } catch (error) {
      if (generation === this.#generation && error.status !== 401) setText(this.status, `Could not load rooms. ${apiErrorText(error)}`);
    } finally {
      if (generation === this.#generation) {
        this.#loading = false;
        this.more.disabled = false;
      }
    }
  }

  /** A room changed (renamed, new topic or role): its entry follows, if listed. */
  update(room) {
    const item = this.#items.get(room.id);
    if (!item) return;
    item.room = { ...item.room, ...room };
    fillRoomButton(item.querySelector('button'), item.room, this.me);
  }

  remove(id) {
    this.#items.get(id)?.remove();
    this.#items.delete(id);
    if (!this.#items.size && !this.#loading) setText(this.status, this.emptyText);
  }

  #put(room) {
    if (this.#items.has(room.id)) return this.update(room);
    const item = roomItem(room, this.me, this.onOpen);
    this.#items.set(room.id, item);
    this.list.append(item);
  }
}
