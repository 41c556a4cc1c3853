import test from 'node:test';
import assert from 'node:assert/strict';
import { Connection, PING_INTERVAL_MS, PONG_TIMEOUT_MS, STABLE_MS, CONNECT_TIMEOUT_MS, socketUrl } from '../js/connection.js';
import { backoffDelay } from '../js/backoff.js';
import { FakeSocket, ManualClock } from './helpers.mjs';

function setup({ random = () => 0.999999, online = true } = {}) {
  FakeSocket.all = [];
  const clock = new ManualClock();
  let token = 't1';
  const conn = new Connection({
    urlFor: (t) => `ws://host/v1/ws?token=${t}`, getToken: () => token, WebSocketImpl: FakeSocket, clock, random, online,
  });
  const events = [];
  for (const type of ['state', 'open', 'close', 'auth-expired', 'too-large', 'connect-failed']) {
    conn.on(type, (arg) => events.push([type, arg]));
  }
  return { clock, conn, events, setToken: (t) => { token = t; } };
}

test('socketUrl follows the page: ws on http, wss on https, token escaped', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: 'a:8080' }, 'x y'), 'ws://a:8080/v1/ws?token=x%20y');
  assert.equal(socketUrl({ protocol: 'https:', host: 'a' }, 't'), 'wss://a/v1/ws?token=t');
});

test('backoff: full jitter under a ceiling doubling from 0.5 s to 15 s', () => {
  const top = (attempt) => backoffDelay(attempt, { random: () => 0.999999 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(top), [499, 999, 1999, 3999, 7999, 14999, 14999, 14999]);
  assert.equal(backoffDelay(3, { random: () => 0 }), 0);
});

test('state: reconnecting until open, connected, then reconnecting with growing delays', () => {
  const { clock, conn } = setup();
  conn.start();
  assert.equal(conn.state, 'reconnecting');
  FakeSocket.last().open();
  assert.equal(conn.state, 'connected');
  FakeSocket.last().serverClose(1001, 'going away');
  assert.equal(conn.state, 'reconnecting');
  assert.equal(FakeSocket.all.length, 1);
  clock.advance(498);
  assert.equal(FakeSocket.all.length, 1);
  clock.advance(1);
  assert.equal(FakeSocket.all.length, 2, 'first retry within 0.5 s');
  FakeSocket.last().serverClose(1006);
  clock.advance(998);
  assert.equal(FakeSocket.all.length, 2);
  clock.advance(1);
  assert.equal(FakeSocket.all.length, 3, 'second retry within 1 s');
});

test('a socket that stayed open a while starts the backoff over', () => {
  const { clock, conn } = setup();
  conn.start();
  for (let i = 0; i < 4; i++) {
    FakeSocket.last().serverClose(1006);
    clock.advance(20000);
  }
  FakeSocket.last().open();
  clock.advance(STABLE_MS);
  const count = FakeSocket.all.length;
  FakeSocket.last().serverClose(4008, 'slow');
  clock.advance(499);
  assert.equal(FakeSocket.all.length, count + 1);
});

test('heartbeat: ping every 25 s; no pong in 10 s drops the socket and reconnects', () => {
  const { clock, conn, events } = setup();
  conn.start();
  const ws = FakeSocket.last();
  ws.open();
  clock.advance(PING_INTERVAL_MS);
  assert.deepEqual(ws.sent, [{ type: 'ping' }]);
  ws.receive({ type: 'pong' });
  clock.advance(PING_INTERVAL_MS);
  assert.equal(ws.sent.length, 2);
  clock.advance(PONG_TIMEOUT_MS);
  assert.equal(ws.closedWith.code, 4000);
  assert.equal(conn.state, 'reconnecting');
  assert.ok(events.some(([type]) => type === 'close'));
  clock.advance(500);
  assert.equal(FakeSocket.all.length, 2);
});

test('a socket that never opens is given up after the connect timeout', () => {
  const { clock, conn, events } = setup();
  conn.start();
  clock.advance(CONNECT_TIMEOUT_MS);
  assert.equal(FakeSocket.all[0].closedWith.code, 4000);
  assert.ok(events.some(([type]) => type === 'connect-failed'));
});

test('4001 with the current token ends the session; no reconnect', () => {
  const { clock, conn, events } = setup();
  conn.start();
  FakeSocket.last().open();
  FakeSocket.last().serverClose(4001, 'token revoked');
  assert.ok(events.some(([type]) => type === 'auth-expired'));
  clock.advance(60000);
  assert.equal(FakeSocket.all.length, 1);
});

test('4001 for a token already replaced by a refresh reconnects with the new one', () => {
  const { clock, conn, events, setToken } = setup();
  conn.start();
  FakeSocket.last().open();
  setToken('t2');
  FakeSocket.last().serverClose(4001, 'token expired');
  clock.advance(0);
  assert.equal(FakeSocket.all.length, 2);
  assert.match(FakeSocket.last().url, /token=t2/);
  assert.ok(!events.some(([type]) => type === 'auth-expired'));
});

test('reconnectNow moves an open socket to the fresh token at once', () => {
  const { clock, conn, setToken } = setup();
  conn.start();
  FakeSocket.last().open();
  setToken('t2');
  conn.reconnectNow();
  assert.equal(FakeSocket.all[0].closedWith.code, 1000);
  clock.advance(0);
  assert.match(FakeSocket.last().url, /token=t2/);
});

test('1009 reports the last frame sent, then reconnects', () => {
  const { clock, conn, events } = setup();
  conn.start();
  FakeSocket.last().open();
  conn.send({ type: 'send', room_id: 1, content: 'x', client_msg_id: 'c' });
  FakeSocket.last().serverClose(1009, 'too big');
  assert.deepEqual(events.find(([type]) => type === 'too-large')[1].client_msg_id, 'c');
  clock.advance(500);
  assert.equal(FakeSocket.all.length, 2);
});

test('offline shows offline; back online reconnects at once', () => {
  const { clock, conn } = setup();
  conn.start();
  FakeSocket.last().open();
  conn.setOnline(false);
  assert.equal(conn.state, 'offline');
  FakeSocket.last().serverClose(1006);
  assert.equal(conn.state, 'offline');
  clock.advance(1000);
  assert.equal(FakeSocket.all.length, 1);
  conn.setOnline(true);
  clock.advance(0);
  assert.equal(FakeSocket.all.length, 2);
  assert.equal(conn.state, 'reconnecting');
});

test('stop is final; frames of an abandoned socket are ignored', () => {
  const { clock, conn } = setup();
  const frames = [];
  conn.on('frame', (f) => frames.push(f));
  conn.start();
  const ws = FakeSocket.last();
  ws.open();
  conn.stop();
  ws.receive({ type: 'message' });
  clock.advance(60000);
  assert.equal(frames.length, 0);
  assert.equal(FakeSocket.all.length, 1);
  assert.equal(conn.send({ type: 'ping' }), false);
});
