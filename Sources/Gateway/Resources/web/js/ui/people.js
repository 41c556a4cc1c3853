/**
 * The side panel of a room: who is here now (members, kept current by presence), the
 * participants of a private room with their roles and the controls the caller's role allows,
 * and the room settings (name, topic) for those who may change them.
 */
import { capabilities, participantActions } from '../access.js';
import { el, parseId, reconcile, setText, uniqueId } from './dom.js';

export class PeoplePanel {
  #settingsDirty = false;

  constructor({ state, me, actions, notify }) {
    Object.assign(this, { state, me, actions, notify });
    const id = state.id;
    this.membersTitle = el('h3', { text: 'Here now' });
    this.members = el('ul', { class: 'people-list', test: 'members', 'aria-label': 'Here now' });
    this.participants = el('ul', { class: 'people-list', test: 'participants', 'aria-label': 'Participants' });
    this.addForm = this.#addForm(id);
    this.participantsSection = el('section', { class: 'people-section' },
      el('h3', { text: 'Participants' }), this.participants, this.addForm);
    this.settings = this.#settingsForm(id);
    this.settingsSection = el('section', { class: 'people-section' }, el('h3', { text: 'Room settings' }), this.settings);
    this.element = el('aside', { class: 'people', 'aria-label': 'People and settings' },
      el('section', { class: 'people-section' }, this.membersTitle, this.members),
      this.participantsSection, this.settingsSection);
  }

  renderMembers() {
    const entries = [...this.state.members].sort((a, b) => a[1].localeCompare(b[1]));
    setText(this.membersTitle, `Here now (${entries.length})`);
    reconcile(this.members, entries, {
      key: ([userId]) => userId,
      signature: ([, username]) => username,
      create: ([userId]) => el('li', {
        test: 'member', class: userId === this.me.id ? 'member me' : 'member',
        dataset: { userId: String(userId) }, title: userId === this.me.id ? 'You' : `User ${userId}`,
      }),
      update: (li, [, username]) => setText(li, username),
    });
  }

  renderParticipants() {
    const caps = capabilities(this.state.room, this.me);
    this.participantsSection.hidden = !caps.showParticipants;
    this.addForm.hidden = !caps.canManage;
    const myRole = this.state.room.role;
    const act = (label, test, work) => el('button', { type: 'button', class: 'small', test, onclick: work }, label);
    reconcile(this.participants, this.state.participants ?? [], {
      key: (p) => p.user_id,
      signature: (p) => [p.username, p.role, myRole, caps.direct].join('\u0000'),
      create: (p) => el('li', { test: 'participant', class: 'participant', dataset: { userId: String(p.user_id) } }),
      update: (li, p) => {
        const can = participantActions(myRole, this.me.id, p, caps.direct);
        const { id } = this.state;
        li.replaceChildren(...[
          el('span', { class: 'participant-name', title: `User ${p.user_id}` }, p.username),
          el('span', { class: `role role-${p.role}`, test: 'participant-role' }, p.role),
          can.promote && act('Make admin', 'participant-promote', () => this.actions.setRole(id, p.user_id, 'admin')),
          can.demote && act('Make member', 'participant-demote', () => this.actions.setRole(id, p.user_id, 'member')),
          can.remove && act('Remove', 'participant-remove', () => this.actions.removeParticipant(id, p.user_id)),
        ].filter(Boolean));
      },
    });
  }

  /** Name/topic inputs follow the room unless the user is editing them. */
  renderSettings() {
    const caps = capabilities(this.state.room, this.me);
    this.settingsSection.hidden = !caps.canEdit;
    if (!this.#settingsDirty) {
      this.settings.elements.name.value = this.state.room.name;
      this.settings.elements.topic.value = this.state.room.topic ?? '';
    }
  }

  #addForm(roomId) {
    const idInput = uniqueId('add-participant-id');
    const roleInput = uniqueId('add-participant-role');
    const form = el('form', { class: 'stack compact', novalidate: true },
      el('label', { for: idInput, text: 'Add by user id' }),
      el('input', { id: idInput, name: 'user', test: 'add-participant-id', inputmode: 'numeric', autocomplete: 'off' }),
      el('label', { for: roleInput, text: 'As' }),
      el('select', { id: roleInput, name: 'role', test: 'add-participant-role' },
        el('option', { value: 'member', text: 'member' }), el('option', { value: 'admin', text: 'admin' })),
      el('button', { type: 'submit', test: 'add-participant-submit' }, 'Add participant'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const userId = parseId(form.elements.user.value);
      if (userId === null) return this.notify('Enter the user id to add (a positive whole number).');
      if (await this.actions.addParticipant(roomId, userId, form.elements.role.value)) form.reset();
    });
    return form;
  }

  #settingsForm(roomId) {
    const nameId = uniqueId('settings-name');
    const topicId = uniqueId('settings-topic');
    const form = el('form', { class: 'stack compact', test: 'room-settings', novalidate: true },
      el('label', { for: nameId, text: 'Name' }),
      el('input', { id: nameId, name: 'name', test: 'settings-name', maxlength: '100', required: true }),
      el('label', { for: topicId, text: 'Topic' }),
      el('input', { id: topicId, name: 'topic', test: 'settings-topic' }),
      el('button', { type: 'submit', test: 'settings-save' }, 'Save'));
    form.addEventListener('input', () => {
      this.#settingsDirty = true;
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = form.elements.name.value.trim();
      if (!name) return this.notify('A room needs a name.');
      const topic = form.elements.topic.value.trim();
      const saved = await this.actions.save(roomId, { name, topic });
      if (saved || (name === this.state.room.name && topic === (this.state.room.topic ?? ''))) {
        this.#settingsDirty = false;
        this.renderSettings();
      }
    });
    return form;
  }
}
