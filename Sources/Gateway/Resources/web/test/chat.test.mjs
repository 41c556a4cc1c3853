import test from 'node:test';
import assert from 'node:assert/strict';
import { Chat } from '../js/chat.js';
import { ACK_TIMEOUT_MS, TYPING_EVERY_MS } from '../js/outbox.js';
import { GAP_WAIT_MS } from '../js/history.js';
import { FakeApi, FakeConnection, ManualClock, message, room, settle } from './helpers.mjs';

const me = { id: 1, username: 'me' };

function setup() {
  const clock = new ManualClock();
  const api = new FakeApi();
  const connection = new FakeConnection();
  let n = 0;
  const chat = new Chat({ api, connection, me, clock, random: () => 0.5, newId: () => `cid-${++n}` });
  const notices = [];
  chat.on('notice', (text) => notices.push(text));
  return { clock, api, connection, chat, notices };
}

const seqsOf = (chat, id) => chat.rooms.get(id).items().map((i) => i.seq);
const sends = (frames) => frames.filter((f) => f.type === 'send');

test('opening a room reads the latest page, then joins with since_seq = the newest seq shown', async () => {
  const { api, connection, chat } = setup();
  api.history.set(7, [1, 2, 3].map((s) => message(7, s)));
  connection.open();
  await chat.open(room(7));
  await settle();
  assert.deepEqual(seqsOf(chat, 7), [1, 2, 3]);
  assert.deepEqual(connection.take(), [{ type: 'join', room_id: 7, since_seq: 3 }]);
  connection.frame({ type: 'joined', room_id: 7, last_seq: 4 });
  connection.frame(message(7, 4));
  connection.frame(message(7, 3));
  assert.deepEqual(seqsOf(chat, 7), [1, 2, 3, 4]);
  await settle();
  assert.ok(api.calls.some(([name, id]) => name === 'members' && id === 7));
});

test('a send stays pending until acked; after a drop it is re-sent with the SAME client_msg_id and shown once', async () => {
  const { connection, chat } = setup();
  connection.open();
  await chat.open(room(7));
  await settle();
  connection.frame({ type: 'joined', room_id: 7, last_seq: 0 });
  connection.take();
  chat.outbox.send(7, 'hello');
  assert.deepEqual(sends(connection.take()), [{ type: 'send', room_id: 7, content: 'hello', client_msg_id: 'cid-1' }]);
  assert.equal(chat.rooms.get(7).items()[0].status, 'pending');

  connection.drop();
  connection.open();
  // Join first (resume from what is shown: nothing yet), then the same send again.
  assert.deepEqual(connection.take(), [{ type: 'join', room_id: 7, since_seq: 0 }]);
  connection.frame({ type: 'joined', room_id: 7, last_seq: 1 });
  assert.deepEqual(sends(connection.take()).map((f) => f.client_msg_id), ['cid-1']);
  // The replay brings the first (stored) copy; the ack of the resend names the same seq.
  connection.frame(message(7, 1, 1, { client_msg_id: 'cid-1', content: 'hello' }));
  connection.frame({ type: 'ack', room_id: 7, client_msg_id: 'cid-1', seq: 1 });
  const items = chat.rooms.get(7).items();
  assert.deepEqual(items.map((i) => [i.seq, i.status]), [[1, 'stored']]);
});

test('rejoining after a drop resumes from the highest seq shown; the replay adds nothing twice', async () => {
  const { api, connection, chat } = setup();
  api.history.set(7, [1, 2].map((s) => message(7, s)));
  connection.open();
  await chat.open(room(7));
  await settle();
  connection.frame({ type: 'joined', room_id: 7, last_seq: 2 });
  connection.frame(message(7, 3));
  connection.drop();
  connection.take();
  connection.open();
  assert.deepEqual(connection.take(), [{ type: 'join', room_id: 7, since_seq: 3 }]);
  connection.frame({ type: 'joined', room_id: 7, last_seq: 5 });
  for (const s of [4, 5]) connection.frame(message(7, s));
  assert.deepEqual(seqsOf(chat, 7), [1, 2, 3, 4, 5]);
});

test('joins go one at a time, so a join error (ref "join", no room id) belongs to the one in flight', async () => {
  const { connection, chat, notices } = setup();
  connection.open();
  await chat.open(room(7));
  await chat.open(room(8));
  await settle();
  const first = connection.take().filter((f) => f.type === 'join');
  assert.equal(first.length, 1);
  connection.frame({ type: 'error', code: 'room_not_found', message: 'room not found', ref: 'join' });
  assert.equal(chat.rooms.has(first[0].room_id), false);
  assert.match(notices.at(-1), /not available/);
  const second = connection.take().filter((f) => f.type === 'join');
  assert.equal(second.length, 1);
  assert.notEqual(second[0].room_id, first[0].room_id);
});

test('a rate-limited join is tried again later', async () => {
  const { clock, connection, chat } = setup();
  connection.open();
  await chat.open(room(7));
  await settle();
  connection.take();
  connection.frame({ type: 'error', code: 'rate_limited', message: 'slow down', ref: 'join' });
  assert.equal(connection.take().length, 0);
  clock.advance(2000); // 0.5 s + jitter under 2 s at the first retry (random() = 0.5 here).
  assert.deepEqual(connection.take().filter((f) => f.type === 'join').map((f) => f.room_id), [7]);
});

async function joinedRoom(id = 7) {
  const ctx = setup();
  ctx.connection.open();
  await ctx.chat.open(room(id));
  await settle();
  ctx.connection.frame({ type: 'joined', room_id: id, last_seq: 0 });
  ctx.connection.take();
  return ctx;
}

test('rate_limited / unavailable sends are retried with backoff, same client_msg_id', async () => {
  const { clock, connection, chat } = await joinedRoom();
  chat.outbox.send(7, 'hi');
  connection.take();
  connection.frame({ type: 'error', code: 'rate_limited', message: 'too many frames', ref: 'cid-1' });
  const item = chat.rooms.get(7).items()[0];
  assert.equal(item.status, 'pending');
  assert.match(item.error.text, /too fast/);
  assert.equal(sends(connection.take()).length, 0);
  clock.advance(2000);
  assert.deepEqual(sends(connection.take()).map((f) => f.client_msg_id), ['cid-1']);
});

test('too_large and bad_request sends fail for good and can be removed', async () => {
  const { clock, connection, chat } = await joinedRoom();
  chat.outbox.send(7, 'x');
  connection.frame({ type: 'error', code: 'bad_request', message: 'content is empty', ref: 'cid-1' });
  chat.outbox.send(7, 'é'.repeat(2049));
  const items = chat.rooms.get(7).items();
  assert.deepEqual(items.map((i) => [i.status, i.error.code]), [['failed', 'bad_request'], ['failed', 'too_large']]);
  connection.take();
  clock.advance(120000);
  assert.equal(sends(connection.take()).length, 0, 'never sent again by itself');
  assert.equal(chat.outbox.discard(7, 'cid-2'), 'é'.repeat(2049));
  assert.equal(chat.rooms.get(7).items().length, 1);
});

test('a send without an ack for 20 s goes out again with the same id', async () => {
  const { clock, connection, chat } = await joinedRoom();
  chat.outbox.send(7, 'hi');
  connection.take();
  clock.advance(ACK_TIMEOUT_MS + ACK_TIMEOUT_MS / 4);
  assert.deepEqual(sends(connection.take()).map((f) => f.client_msg_id), ['cid-1']);
});

test('not_joined on a send joins the room again, then re-sends', async () => {
  const { clock, connection, chat } = await joinedRoom();
  chat.outbox.send(7, 'hi');
  connection.take();
  connection.frame({ type: 'error', code: 'not_joined', message: 'not joined to room 7', ref: 'cid-1' });
  assert.deepEqual(connection.take(), [{ type: 'join', room_id: 7, since_seq: 0 }]);
  connection.frame({ type: 'joined', room_id: 7, last_seq: 0 });
  clock.advance(2000);
  assert.deepEqual(sends(connection.take()).map((f) => f.client_msg_id), ['cid-1']);
});

test('sends written while offline wait for the join, in order', async () => {
  const { connection, chat } = setup();
  await chat.open(room(7));
  await settle();
  chat.outbox.send(7, 'one');
  chat.outbox.send(7, 'two');
  assert.equal(connection.sent.length, 0);
  connection.open();
  assert.deepEqual(connection.take(), [{ type: 'join', room_id: 7, since_seq: 0 }]);
  connection.frame({ type: 'joined', room_id: 7, last_seq: 0 });
  assert.deepEqual(sends(connection.take()).map((f) => f.content), ['one', 'two']);
});

test('unread counts messages of rooms not in view; showing the room clears it', async () => {
  const { connection, chat } = setup();
  connection.open();
  await chat.open(room(7));
  await chat.open(room(8));
  await settle();
  connection.frame(message(7, 1));
  connection.frame(message(7, 1));
  connection.frame(message(8, 1));
  assert.equal(chat.rooms.get(7).unread, 1);
  assert.equal(chat.rooms.get(8).unread, 0);
  chat.activate(7);
  assert.equal(chat.rooms.get(7).unread, 0);
});

test('typing is sent at most every 3 s', async () => {
  const { clock, connection, chat } = await joinedRoom();
  chat.outbox.typing(7);
  chat.outbox.typing(7);
  clock.advance(TYPING_EVERY_MS - 1);
  chat.outbox.typing(7);
  assert.equal(connection.take().length, 1);
  clock.advance(1);
  chat.outbox.typing(7);
  assert.equal(connection.take().length, 1);
});

test('removed and room_closed close the view with a notice; room_updated renames', async () => {
  const { connection, chat, notices } = await joinedRoom(12);
  connection.frame({ type: 'room_updated', room: { ...room(12), name: 'renamed', topic: 't' } });
  assert.equal(chat.rooms.get(12).room.name, 'renamed');
  connection.frame({ type: 'removed', room_id: 12 });
  assert.equal(chat.rooms.has(12), false);
  assert.equal(notices.at(-1), 'You were removed from room 12');
  assert.equal(connection.take().length, 0, 'no leave after removed');
});

test('a hole left in the live stream is read over REST', async () => {
  const { clock, api, connection, chat } = await joinedRoom();
  api.history.set(7, [1, 2, 3].map((s) => message(7, s)));
  connection.frame(message(7, 1));
  connection.frame(message(7, 3));
  clock.advance(GAP_WAIT_MS);
  await settle();
  assert.deepEqual(seqsOf(chat, 7), [1, 2, 3]);
  assert.deepEqual(api.calls.find(([name, , q]) => name === 'messages' && q.after_seq !== undefined)[2], { after_seq: 1, before_seq: 3, limit: 200 });
});

test('scrolling up reads pages of 50 before the oldest shown, until the start', async () => {
  const { api, connection, chat } = setup();
  api.history.set(7, Array.from({ length: 120 }, (_, i) => message(7, i + 1)));
  connection.open();
  await chat.open(room(7));
  await settle();
  assert.equal(chat.rooms.get(7).lowestSeq, 71);
  await chat.loadOlder(7);
  assert.equal(chat.rooms.get(7).lowestSeq, 21);
  await chat.loadOlder(7);
  assert.equal(chat.rooms.get(7).lowestSeq, 1);
  assert.equal(chat.rooms.get(7).reachedStart, true);
  assert.deepEqual(seqsOf(chat, 7), Array.from({ length: 120 }, (_, i) => i + 1));
});

test('a room closed while its join is in flight gets a leave, and the next join goes', async () => {
  const { connection, chat } = setup();
  connection.open();
  await chat.open(room(7));
  await chat.open(room(8));
  await settle();
  const [first] = connection.take();
  chat.close(first.room_id);
  const frames = connection.take();
  assert.deepEqual(frames[0], { type: 'leave', room_id: first.room_id });
  assert.equal(frames[1].type, 'join');
});
