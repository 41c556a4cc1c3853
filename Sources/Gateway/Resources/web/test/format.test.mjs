import test from 'node:test';
import assert from 'node:assert/strict';
import { apiErrorText, clockTime, closeText, frameErrorText, typingText, utf8Length } from '../js/format.js';
import { capabilities, displayName, participantActions } from '../js/access.js';
import { newClientMsgId } from '../js/ids.js';

test('times are hh:mm local', () => {
  const d = new Date(2026, 10, 21, 9, 5);
  assert.equal(clockTime(d.toISOString()), '09:05');
  assert.equal(clockTime('nonsense'), '');
});

test('typing lines', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['alice']), 'alice is typing…');
  assert.equal(typingText(['alice', 'bob']), 'alice and bob are typing…');
  assert.equal(typingText(['a', 'b', 'c', 'd', 'e']), 'a, b and 3 others are typing…');
});

test('every contract error code has its own sentence', () => {
  const codes = ['bad_request', 'room_not_found', 'not_joined', 'too_large', 'rate_limited', 'unavailable', 'internal'];
  const texts = new Set(codes.map((c) => frameErrorText(c, 'x')));
  assert.equal(texts.size, codes.length);
  const rest = ['network', 'bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large', 'rate_limited', 'unavailable', 'internal'];
  for (const code of rest) assert.ok(apiErrorText({ code, message: 'server words' }).length > 5, code);
  assert.equal(apiErrorText({ code: 'validation_failed', message: 'password must be 8-128 characters' }), 'Password must be 8-128 characters.');
  assert.equal(apiErrorText({ code: 'not_found', message: 'room not found' }, { notFound: 'Room 9 was not found.' }), 'Room 9 was not found.');
  assert.match(closeText(4001), /log in/);
  assert.match(closeText(1009), /too large/);
  assert.equal(closeText(1001), null);
});

test('byte length is UTF-8', () => {
  assert.equal(utf8Length('é'), 2);
  assert.equal(utf8Length('😀'), 4);
});

test('a DM shows the other user; roles decide the controls', () => {
  const me = { id: 1, username: 'ada' };
  const dm = { id: 3, name: 'ada & grace', owner_id: null, visibility: 'private', role: 'member' };
  assert.equal(displayName(dm, me), 'grace');
  assert.equal(displayName({ ...dm, name: 'bob & ada' }, me), 'bob');
  assert.deepEqual(
    [capabilities(dm, me).canEdit, capabilities(dm, me).canClose, capabilities(dm, me).canLeaveForGood],
    [false, false, false],
  );
  const pub = { id: 4, name: 'general', owner_id: 1, visibility: 'public' };
  assert.equal(capabilities(pub, me).canEdit, true);
  assert.equal(capabilities({ ...pub, owner_id: 2 }, me).canEdit, false);
  const priv = { id: 5, name: 'crew', owner_id: 2, visibility: 'private', role: 'admin' };
  assert.deepEqual([capabilities(priv, me).canEdit, capabilities(priv, me).canClose, capabilities(priv, me).canLeaveForGood], [true, false, true]);
  const member = { user_id: 7, role: 'member' };
  const admin = { user_id: 8, role: 'admin' };
  const owner = { user_id: 2, role: 'owner' };
  assert.deepEqual(participantActions('admin', 1, member, false), { promote: true, demote: false, remove: true });
  assert.deepEqual(participantActions('admin', 1, admin, false), { promote: false, demote: false, remove: false });
  assert.deepEqual(participantActions('owner', 1, admin, false), { promote: false, demote: true, remove: true });
  assert.deepEqual(participantActions('owner', 1, owner, false), { promote: false, demote: false, remove: false });
  assert.deepEqual(participantActions('member', 1, member, false), { promote: false, demote: false, remove: false });
});

test('client_msg_id: a UUID when available, else 32 hex digits', () => {
  assert.match(newClientMsgId(), /^[0-9a-f-]{36}$/);
  const insecure = { getRandomValues: (b) => b.fill(171) };
  assert.equal(newClientMsgId(insecure), 'ab'.repeat(16));
});
