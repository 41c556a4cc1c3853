/**
 * Keeps one RoomView per open room and shows the active one in the room area. Changes are drawn
 * once per animation frame, so a replay of many messages costs one render, not one per message
 * (a hidden tab, which gets no animation frames, draws on a timer instead).
 */
import { RoomView } from './roomview.js';

export class RoomHost {
  #views = new Map();
  #shown = null;
  #dirty = new Map();
  #frame = null;

  constructor({ chat, actions, me, notify, host, empty, signal }) {
    Object.assign(this, { chat, actions, me, notify, host, empty });
    const offs = [
      chat.on('rooms', () => this.#sync()),
      chat.on('active', () => this.#show()),
      chat.on('room', (id, part) => this.#mark(id, part)),
    ];
    // A frame asked for while visible does not come while hidden: ask again the right way.
    document.addEventListener('visibilitychange', () => {
      if (this.#frame === null) return;
      this.#frame.cancel();
      this.#frame = nextFrame(() => this.#flush());
    }, { signal });
    signal.addEventListener('abort', () => {
      offs.forEach((off) => off());
      if (this.#frame !== null) this.#frame.cancel();
      this.#shown?.detach();
      this.#shown = null;
      this.#views.clear();
      this.#dirty.clear();
      this.empty.hidden = false;
    });
  }

  /** The room view in sight gets the keyboard focus (its composer). */
  focusActive() {
    this.#views.get(this.chat.activeId)?.focusComposer();
  }

  #mark(id, part) {
    if (!this.#views.has(id)) return;
    if (!this.#dirty.has(id)) this.#dirty.set(id, new Set());
    this.#dirty.get(id).add(part);
    if (this.#frame === null) this.#frame = nextFrame(() => this.#flush());
  }

  #flush() {
    this.#frame = null;
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const [id, parts] of dirty) {
      const view = this.#views.get(id);
      if (view) for (const part of parts) view.update(part);
    }
  }

  #sync() {
    for (const [id, view] of this.#views) {
      if (!this.chat.rooms.has(id)) {
        if (this.#shown === view) this.#shown = null;
        view.detach();
        this.#views.delete(id);
        this.#dirty.delete(id);
      }
    }
    for (const [id, state] of this.chat.rooms) {
      if (!this.#views.has(id)) {
        this.#views.set(id, new RoomView({ chat: this.chat, actions: this.actions, me: this.me, state, notify: this.notify }));
      }
    }
    this.#show();
  }

  #show() {
    const view = this.#views.get(this.chat.activeId) ?? null;
    if (view === this.#shown) return;
    this.#shown?.detach();
    this.#shown = view;
    view?.attach(this.host);
    this.empty.hidden = view !== null;
  }
}

function nextFrame(fn) {
  if (document.hidden) {
    const handle = setTimeout(fn, 50);
    return { cancel: () => clearTimeout(handle) };
  }
  const handle = requestAnimationFrame(fn);
  return { cancel: () => cancelAnimationFrame(handle) };
}
