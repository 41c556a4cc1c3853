/**
 * The view of one open room (`data-test="room-view"`): header with name, topic and room actions,
 * the timeline (older history on scroll-up), the people panel, the typing line and the composer.
 * Only the room in view is in the document; the others wait detached, keeping scroll and draft.
 */
import { capabilities, displayName } from '../access.js';
import { MAX_MESSAGE_BYTES, typingText, utf8Length } from '../format.js';
import { el, setText, uniqueId } from './dom.js';
import { MessageList, nearBottom } from './messages.js';
import { PeoplePanel } from './people.js';

/** Load the previous page when the user scrolls this close to the top. */
const TOP_SLACK_PX = 150;
/** Show the byte count once a draft gets this long. */
const COUNT_FROM_BYTES = 3500;

export class RoomView {
  #stick = true;
  #savedTop = 0;

  constructor({ chat, actions, me, state, notify }) {
    Object.assign(this, { chat, actions, me, state, notify, id: state.id });
    this.list = new MessageList({
      onRetry: (cid) => chat.outbox.retry(this.id, cid),
      onDiscard: (cid) => chat.outbox.discard(this.id, cid),
      onEdit: (cid) => this.#edit(cid),
    });
    this.people = new PeoplePanel({ state, me, actions, notify });
    // Tab order: room actions, the messages, the composer, then the people panel.
    this.element = el('section', { class: 'room', test: 'room-view', dataset: { roomId: String(this.id) } },
      this.#header(),
      el('div', { class: 'room-body' }, el('div', { class: 'room-main' }, this.#timeline(), this.#footer()), this.people.element));
    this.update('all');
  }

  attach(host) {
    host.append(this.element);
    this.timeline.scrollTop = this.#stick ? this.timeline.scrollHeight : this.#savedTop;
    this.#maybeLoadOlder();
  }

  detach() {
    this.#savedTop = this.timeline.scrollTop;
    this.element.remove();
  }

  focusComposer() {
    this.composer.focus();
  }

  /** Redraws a part: messages|older|members|typing|meta|participants|joined|all. */
  update(part) {
    const all = part === 'all';
    if (all || part === 'messages' || part === 'older') this.#renderMessages();
    if (all || part === 'members' || part === 'joined') this.people.renderMembers();
    if (all || part === 'typing') setText(this.typing, typingText(this.state.typingNames(this.chat.clock.now())));
    if (all || part === 'meta' || part === 'participants') this.#renderMeta();
    if (all || part === 'participants') this.people.renderParticipants();
  }

  #header() {
    this.name = el('h2', { class: 'room-heading', test: 'room-name' });
    this.topic = el('p', { class: 'room-topic', test: 'room-topic' });
    this.badge = el('span', { class: 'badge' });
    this.peopleToggle = el('button', {
      type: 'button', class: 'people-toggle', 'aria-expanded': 'false', onclick: () => this.#togglePeople(),
    }, 'People');
    this.leaveButton = el('button', { type: 'button', test: 'leave-room', onclick: () => this.#leave() }, 'Leave');
    this.closeButton = el('button', { type: 'button', class: 'danger', test: 'close-room', onclick: () => this.#closeRoom() }, 'Close room');
    return el('header', { class: 'room-head' },
      el('div', { class: 'room-title' }, el('div', { class: 'room-title-line' }, this.name, this.badge), this.topic),
      el('div', { class: 'room-actions' }, this.peopleToggle, this.leaveButton, this.closeButton));
  }

  #timeline() {
    this.olderButton = el('button', { type: 'button', class: 'small', test: 'load-older', onclick: () => this.chat.loadOlder(this.id, { force: true }) }, 'Load earlier messages');
    this.olderText = el('span', { class: 'hint' });
    this.historyError = el('p', { class: 'history-error', role: 'alert', hidden: true });
    this.timeline = el('div', { class: 'timeline' },
      el('div', { class: 'older' }, this.olderButton, this.olderText), this.historyError, this.list.element);
    this.timeline.addEventListener('scroll', () => {
      this.#stick = nearBottom(this.timeline);
      if (this.timeline.scrollTop < TOP_SLACK_PX) this.chat.loadOlder(this.id);
    }, { passive: true });
    return this.timeline;
  }

  #footer() {
    const composerId = uniqueId('composer');
    const hintId = uniqueId('composer-hint');
    this.typing = el('p', { class: 'typing', test: 'typing-indicator', 'aria-live': 'off' });
    this.composer = el('textarea', {
      id: composerId, class: 'composer', test: 'composer', rows: '2', 'aria-describedby': hintId,
      placeholder: 'Write a message…',
    });
    this.count = el('span', { class: 'byte-count' });
    const form = el('form', { class: 'composer-form' },
      el('label', { for: composerId, class: 'visually-hidden', text: 'Message' }),
      this.composer,
      el('button', { type: 'submit', class: 'primary', test: 'send' }, 'Send'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#send();
    });
    this.composer.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#send();
      }
    });
    this.composer.addEventListener('input', () => {
      if (this.composer.value.trim()) this.chat.outbox.typing(this.id);
      this.#renderCount();
    });
    return el('footer', { class: 'room-foot' }, this.typing, form,
      el('p', { class: 'hint composer-hint', id: hintId }, 'Enter sends, Shift+Enter adds a line. ', this.count));
  }

  #send() {
    const content = this.composer.value.trimEnd();
    if (!content.trim()) return;
    this.#stick = true;
    this.chat.outbox.send(this.id, content);
    this.composer.value = '';
    this.#renderCount();
    this.composer.focus();
  }

  /** A failed, too large message back into the composer to shorten it. */
  #edit(cid) {
    const content = this.chat.outbox.discard(this.id, cid);
    if (content === null) return;
    this.composer.value = content;
    this.#renderCount();
    this.composer.focus();
  }

  #renderCount() {
    const bytes = utf8Length(this.composer.value);
    setText(this.count, bytes >= COUNT_FROM_BYTES ? `${bytes} / ${MAX_MESSAGE_BYTES} bytes` : '');
    this.count.classList.toggle('over', bytes > MAX_MESSAGE_BYTES);
  }

  #renderMessages() {
    const box = this.timeline;
    const attached = this.element.isConnected;
    const firstKey = this.list.firstKey;
    const height = box.scrollHeight;
    const top = box.scrollTop;
    this.list.render(this.state.items());
    if (attached && this.#stick) box.scrollTop = box.scrollHeight;
    else if (attached && firstKey !== null && this.list.firstKey !== firstKey) box.scrollTop = top + (box.scrollHeight - height);
    const { historyLoaded, reachedStart, loadingOlder, historyError } = this.state;
    this.olderButton.hidden = !historyLoaded || reachedStart || loadingOlder;
    setText(this.olderText, loadingOlder ? 'Loading earlier messages…'
      : !historyLoaded ? 'Loading messages…'
        : reachedStart ? 'This is the beginning of the room.' : '');
    this.historyError.hidden = !historyError;
    if (historyError) {
      this.historyError.replaceChildren(`Could not load messages. ${historyError} Retrying… `,
        el('button', { type: 'button', class: 'small', onclick: () => this.chat.retryHistory(this.id) }, 'Retry now'));
    }
    this.#maybeLoadOlder();
  }

  /** A first page too short to scroll cannot be scrolled up: fetch more at once. */
  #maybeLoadOlder() {
    const box = this.timeline;
    if (this.element.isConnected && this.state.historyLoaded && !this.state.reachedStart && box.scrollHeight <= box.clientHeight) {
      this.chat.loadOlder(this.id);
    }
  }

  #renderMeta() {
    const { room } = this.state;
    const caps = capabilities(room, this.me);
    setText(this.name, displayName(room, this.me));
    this.name.title = `Room ${room.id}`;
    setText(this.topic, room.topic ?? '');
    setText(this.badge, caps.direct ? 'direct message' : room.visibility === 'private' ? `private${room.role ? ` · ${room.role}` : ''}` : 'public');
    this.closeButton.hidden = !caps.canClose;
    this.leaveButton.hidden = caps.owner && caps.isPrivate;
    setText(this.leaveButton, caps.canLeaveForGood ? 'Leave room' : 'Leave');
    this.leaveButton.title = caps.canLeaveForGood
      ? 'Stop being a participant of this private room'
      : 'Leave this room and close its view';
    this.people.renderSettings();
  }

  #togglePeople() {
    const open = this.element.classList.toggle('show-people');
    this.peopleToggle.setAttribute('aria-expanded', String(open));
  }

  #leave() {
    if (capabilities(this.state.room, this.me).canLeaveForGood) this.actions.leaveForGood(this.id);
    else this.chat.close(this.id);
  }

  #closeRoom() {
    const name = displayName(this.state.room, this.me);
    // eslint-disable-next-line no-alert -- a native confirm is keyboard- and screen-reader-friendly.
    if (window.confirm(`Close room "${name}" for everyone? Its history will be gone for all participants.`)) {
      this.actions.closeForever(this.id);
    }
  }
}
