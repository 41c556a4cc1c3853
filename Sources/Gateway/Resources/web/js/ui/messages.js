/**
 * The message list of one room, rendered from RoomState.items(): one element per key, reused
 * across renders (a pending send keeps its element when it is acked and moves to its seq's place),
 * elements moved only when out of order, everything set as text.
 */
import { clockTime, fullDate } from '../format.js';
import { el, reconcile, setText } from './dom.js';

/** Failures that sending again cannot fix. */
const FINAL = new Set(['too_large', 'bad_request']);

function signature(item) {
  const m = item.message;
  return [item.seq, item.status, m.username, m.content, m.sent_at, item.error?.text ?? ''].join('\u0000');
}

export class MessageList {
  /** `onRetry(cid)`, `onDiscard(cid)`, `onEdit(cid)`: actions on a failed send. */
  constructor({ onRetry, onDiscard, onEdit }) {
    Object.assign(this, { onRetry, onDiscard, onEdit });
    this.element = el('ol', {
      class: 'messages', test: 'messages', 'aria-live': 'polite', 'aria-relevant': 'additions',
      'aria-label': 'Messages', tabindex: '0',
    });
  }

  get firstKey() {
    return this.element.firstElementChild?.dataset.key ?? null;
  }

  render(items) {
    reconcile(this.element, items, {
      key: (item) => item.key,
      signature,
      create: (item) => this.#build(item.key),
      update: (li, item) => this.#fill(li, item),
    });
  }

  #build(key) {
    const li = el('li', { class: 'message', test: 'message', dataset: { key } });
    li.author = el('span', { class: 'message-author', test: 'message-author' });
    li.time = el('time', { class: 'message-time', test: 'message-time' });
    li.state = el('span', { class: 'message-state' });
    li.content = el('div', { class: 'message-content', test: 'message-content' });
    li.problem = el('div', { class: 'message-problem', hidden: true });
    li.append(el('div', { class: 'message-meta' }, li.author, ' ', li.time, li.state), li.content, li.problem);
    return li;
  }

  #fill(li, item) {
    const { message, status, error } = item;
    li.dataset.seq = item.seq === null ? '' : String(item.seq);
    li.dataset.clientMsgId = message.client_msg_id ?? '';
    li.classList.toggle('own', item.own);
    li.classList.toggle('pending', status === 'pending');
    li.classList.toggle('failed', status === 'failed');
    setText(li.author, message.username);
    setText(li.time, clockTime(message.sent_at));
    li.time.setAttribute('datetime', message.sent_at ?? '');
    li.time.title = fullDate(message.sent_at);
    setText(li.content, message.content);
    if (status === 'pending') setText(li.state, error ? ` · ${error.text}` : ' · sending…');
    else setText(li.state, '');
    li.problem.hidden = status !== 'failed';
    if (status === 'failed') this.#fillProblem(li.problem, message.client_msg_id, error);
    else li.problem.replaceChildren();
  }

  #fillProblem(box, cid, error) {
    const buttons = [];
    if (!FINAL.has(error?.code)) {
      buttons.push(el('button', { type: 'button', class: 'small', test: 'message-retry', onclick: () => this.onRetry(cid) }, 'Retry'));
    }
    if (error?.code === 'too_large') {
      buttons.push(el('button', { type: 'button', class: 'small', test: 'message-edit', onclick: () => this.onEdit(cid) }, 'Edit'));
    }
    buttons.push(el('button', { type: 'button', class: 'small', test: 'message-remove', onclick: () => this.onDiscard(cid) }, 'Remove'));
    box.replaceChildren(
      el('span', { class: 'message-error', test: 'message-error', role: 'alert' }, `Not sent. ${error?.text ?? ''}`.trim()),
      ...buttons,
    );
  }
}

export function nearBottom(box, slack = 48) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < slack;
}
