import test from 'node:test';
import assert from 'node:assert/strict';
import { RoomState, TYPING_TTL_MS } from '../js/rooms.js';
import { message, room } from './helpers.mjs';

const me = { id: 1, username: 'me' };
const seqs = (state) => state.items().map((i) => i.seq);

test('messages are kept by seq: never twice, always in order, whatever the arrival order', () => {
  const state = new RoomState(room(5), me);
  for (const seq of [3, 1, 2, 3, 5, 1, 4]) state.addMessage(message(5, seq));
  assert.deepEqual(seqs(state), [1, 2, 3, 4, 5]);
  assert.equal(state.addMessage(message(5, 2)), false);
});

test('resumeSeq is the top of the consecutive run, so a replay fills a hole', () => {
  const state = new RoomState(room(5), me);
  assert.equal(state.resumeSeq(), 0);
  state.addHistory([message(5, 10), message(5, 11), message(5, 12)]);
  assert.equal(state.resumeSeq(), 12);
  assert.equal(state.firstGap(), null);
  state.addMessage(message(5, 15));
  assert.equal(state.resumeSeq(), 12);
  assert.deepEqual(state.firstGap(), { after: 12, before: 15 });
  state.addMessage(message(5, 13));
  state.addMessage(message(5, 14));
  assert.equal(state.resumeSeq(), 15);
});

test('a pending send stays at the bottom until acked, then takes its seq place', () => {
  const state = new RoomState(room(5), me);
  state.addMessage(message(5, 1));
  state.addPending('c1', 'hello', 0);
  assert.deepEqual(state.items().map((i) => [i.key, i.status]), [['s:1', 'stored'], ['c:c1', 'pending']]);
  state.addMessage(message(5, 3));
  state.ack('c1', 2, '2026-11-21T10:00:01.000Z');
  assert.deepEqual(state.items().map((i) => [i.key, i.seq]), [['s:1', 1], ['c:c1', 2], ['s:3', 3]]);
  // The broadcast of our own message after the ack replaces the stand-in, same key, not twice.
  state.addMessage(message(5, 2, 1, { client_msg_id: 'c1', content: 'hello' }));
  assert.deepEqual(state.items().map((i) => i.key), ['s:1', 'c:c1', 's:3']);
  assert.equal(state.pending.size, 0);
});

test('our own message frame before its ack resolves the pending send; the late ack changes nothing', () => {
  const state = new RoomState(room(5), me);
  state.addPending('c1', 'hello', 0);
  state.addMessage(message(5, 1, 1, { client_msg_id: 'c1' }));
  assert.equal(state.pending.size, 0);
  assert.equal(state.ack('c1', 1, 'x'), false);
  assert.deepEqual(state.items().map((i) => i.key), ['c:c1']);
});

test('another user reusing our client_msg_id does not resolve our pending send', () => {
  const state = new RoomState(room(5), me);
  state.addPending('c1', 'hello', 0);
  state.addMessage(message(5, 1, 2, { client_msg_id: 'c1' }));
  assert.equal(state.pending.size, 1);
  assert.deepEqual(state.items().map((i) => i.key), ['s:1', 'c:c1']);
});

test('unread counts new messages of others only, once per seq', () => {
  const state = new RoomState(room(5), me);
  state.addMessage(message(5, 1), { countUnread: true });
  state.addMessage(message(5, 1), { countUnread: true });
  state.addMessage(message(5, 2, 1), { countUnread: true });
  state.addHistory([message(5, 0 + 3)]);
  assert.equal(state.unread, 1);
});

test('sent sends go back to the queue when the socket drops', () => {
  const state = new RoomState(room(5), me);
  state.addPending('a', 'x', 0);
  state.markSent('a', 10);
  state.requeueSent();
  assert.equal(state.pending.get('a').status, 'queued');
});

test('presence during a members fetch is applied again on its answer; stale answers are ignored', () => {
  const state = new RoomState(room(5), me);
  const first = state.beginMembersFetch();
  const second = state.beginMembersFetch();
  state.presence({ event: 'join', user_id: 3, username: 'carol' });
  state.presence({ event: 'leave', user_id: 2, username: 'bob' });
  assert.equal(state.setMembers([{ user_id: 9, username: 'old' }], first), false);
  assert.equal(state.setMembers([{ user_id: 1, username: 'me' }, { user_id: 2, username: 'bob' }], second), true);
  assert.deepEqual([...state.members.keys()].sort(), [1, 3]);
});

test('typing indicators expire 5 s after the last frame and ignore ourselves', () => {
  const state = new RoomState(room(5), me);
  state.typingFrom(2, 'bob', 0);
  state.typingFrom(1, 'me', 0);
  state.typingFrom(3, 'carol', 2000);
  assert.deepEqual(state.typingNames(TYPING_TTL_MS - 1), ['bob', 'carol']);
  assert.deepEqual(state.typingNames(TYPING_TTL_MS), ['carol']);
  assert.equal(state.nextTypingExpiry(), 2000 + TYPING_TTL_MS);
  state.addMessage(message(5, 1, 3));
  assert.deepEqual(state.typingNames(TYPING_TTL_MS), []);
});

test('the participant list sets our role', () => {
  const state = new RoomState(room(5, { visibility: 'private', role: 'member' }), me);
  state.setParticipants([{ user_id: 1, username: 'me', role: 'admin' }]);
  assert.equal(state.room.role, 'admin');
});
