/**
 * The sidebar: open rooms (with unread counts), the create / join / direct-message forms, and the
 * lists of my private rooms and of public rooms. Listeners are bound with `signal` (one session).
 */
import { apiErrorText } from '../format.js';
import { displayName } from '../access.js';
import { el, parseId, setText } from './dom.js';
import { RoomPages } from './roomlists.js';

export class Sidebar {
  #openItems = new Map();

  /** `onOpened()`: a room was opened from here (the phone layout hides the sidebar then). */
  constructor({ api, chat, me, notify, onOpened, signal, doc = document }) {
    Object.assign(this, { api, chat, me, notify, onOpened, doc });
    const $ = (id) => doc.getElementById(id);
    this.openList = $('open-rooms');
    this.openEmpty = $('open-rooms-empty');
    const open = (room) => this.#open(() => chat.open(room));
    this.publicRooms = new RoomPages({
      list: $('public-rooms'), status: $('public-rooms-status'), more: $('public-rooms-more'), me, signal,
      load: (page) => api.listRooms(page), onOpen: open, emptyText: 'No public rooms yet.',
    });
    this.myRooms = new RoomPages({
      list: $('my-rooms'), status: $('my-rooms-status'), more: $('my-rooms-more'), me, signal,
      load: (page) => api.myRooms(page), onOpen: open, emptyText: 'None yet.',
    });
    $('refresh-rooms').addEventListener('click', () => this.reloadLists(), { signal });
    this.#form('create-room-form', 'create-room-error', signal, (form) => this.#create(form));
    this.#form('join-room-form', 'join-room-error', signal, (form) => this.#join(form));
    this.#form('dm-form', 'dm-error', signal, (form) => this.#direct(form));
    const offs = [
      chat.on('rooms', () => this.renderOpen()),
      chat.on('room-meta', (room) => {
        this.publicRooms.update(room);
        this.myRooms.update(room);
      }),
      chat.on('closed', (id, { gone }) => {
        if (gone) {
          this.publicRooms.remove(id);
          this.myRooms.remove(id);
        }
      }),
    ];
    signal.addEventListener('abort', () => offs.forEach((off) => off()));
  }

  reloadLists() {
    return Promise.all([this.publicRooms.reload(), this.myRooms.reload()]);
  }

  /** The open rooms, in the order they were opened, the one in view marked. */
  renderOpen() {
    const ids = [...this.chat.rooms.keys()];
    for (const [id, item] of this.#openItems) {
      if (!this.chat.rooms.has(id)) {
        item.remove();
        this.#openItems.delete(id);
      }
    }
    ids.forEach((id, index) => {
      const state = this.chat.rooms.get(id);
      let item = this.#openItems.get(id);
      if (!item) {
        item = this.#openItem(id);
        this.#openItems.set(id, item);
      }
      // Moved only when out of place: moving a node would take the keyboard focus from it.
      const here = this.openList.children[index];
      if (here !== item) this.openList.insertBefore(item, here ?? null);
      const name = displayName(state.room, this.me);
      const active = id === this.chat.activeId;
      setText(item.nameNode, name);
      item.classList.toggle('active', active);
      if (active) item.select.setAttribute('aria-current', 'true');
      else item.select.removeAttribute('aria-current');
      setText(item.unread, state.unread > 0 ? String(state.unread) : '');
      item.unread.hidden = state.unread === 0;
      item.unread.title = `${state.unread} unread`;
      item.close.setAttribute('aria-label', `Close ${name}`);
    });
    this.openEmpty.hidden = ids.length > 0;
  }

  #openItem(id) {
    const item = el('li', { test: 'open-room', dataset: { roomId: String(id) } });
    item.nameNode = el('span', { class: 'room-name' });
    item.unread = el('span', { class: 'unread', test: 'unread', hidden: true });
    item.select = el('button', { type: 'button', class: 'room-button', onclick: () => this.#show(id) }, item.nameNode, item.unread);
    item.close = el('button', {
      type: 'button', class: 'icon-button', test: 'close-open-room', title: 'Close this view (stay a participant)',
      onclick: () => this.chat.close(id),
    }, '×');
    item.append(item.select, item.close);
    return item;
  }

  #show(id) {
    this.chat.activate(id);
    this.onOpened();
  }

  /** Runs `work(form)` on submit; its error text goes under the form and to the notice. */
  #form(formId, errorId, signal, work) {
    const form = this.doc.getElementById(formId);
    const error = this.doc.getElementById(errorId);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (button.disabled) return;
      button.disabled = true;
      setText(error, '');
      try {
        const problem = await work(form);
        if (problem) {
          setText(error, problem);
          this.notify(problem);
        }
      } finally {
        button.disabled = false;
      }
    }, { signal });
  }

  /** Runs an open; returns an error text or null. */
  async #open(openRoom, { notFound } = {}) {
    try {
      await openRoom();
      this.onOpened();
      return null;
    } catch (error) {
      if (error.status === 401) return null;
      const text = apiErrorText(error, { notFound });
      this.notify(text);
      return text;
    }
  }

  async #create(form) {
    const name = this.doc.getElementById('create-room-name').value.trim();
    const visibility = this.doc.getElementById('create-room-visibility').value;
    const topic = this.doc.getElementById('create-room-topic').value.trim();
    if (!name) return 'Give the room a name.';
    try {
      const { room } = await this.api.createRoom({ name, visibility, topic: topic || undefined });
      form.reset();
      this.notify(`Room ${room.id} "${room.name}" created.`);
      (visibility === 'private' ? this.myRooms : this.publicRooms).reload();
      return this.#open(() => this.chat.open(room));
    } catch (error) {
      return error.status === 401 ? null : `Could not create the room. ${apiErrorText(error)}`;
    }
  }

  async #join(form) {
    const input = this.doc.getElementById('join-room-id');
    const id = parseId(input.value);
    if (id === null) return 'Enter a room id (a positive whole number).';
    const problem = await this.#open(() => this.chat.open(id), { notFound: `Room ${id} was not found, or you have no access to it.` });
    if (!problem) form.reset();
    return problem;
  }

  async #direct(form) {
    const id = parseId(this.doc.getElementById('dm-user-id').value);
    if (id === null) return 'Enter a user id (a positive whole number).';
    if (id === this.me.id) return 'That is your own user id: pick someone else.';
    try {
      const { room } = await this.api.openDirect(id);
      form.reset();
      this.myRooms.reload();
      return this.#open(() => this.chat.open(room));
    } catch (error) {
      return error.status === 401 ? null : apiErrorText(error, { notFound: `There is no user with id ${id}.` });
    }
  }
}
