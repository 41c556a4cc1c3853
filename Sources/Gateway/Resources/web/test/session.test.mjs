import test from 'node:test';
import assert from 'node:assert/strict';
import { Session } from '../js/session.js';
import { Api, ApiError } from '../js/api.js';
import { ManualClock, settle } from './helpers.mjs';

class MemoryStorage {
  map = new Map();
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

const auth = (token, clock, lifetimeMs) => ({
  user: { id: 1, username: 'ada' }, token, expires_at: new Date(clock.now() + lifetimeMs).toISOString(),
});

test('the token is refreshed at 80% of its lifetime and kept in session storage', async () => {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const storage = new MemoryStorage();
  let refreshes = 0;
  const api = { refresh: async () => { refreshes += 1; return auth(`t${refreshes + 1}`, clock, 100_000); } };
  const session = new Session({ api, storage, clock });
  const tokens = [];
  session.on('token', (t) => tokens.push(t));
  session.start(auth('t1', clock, 100_000));
  clock.advance(79_999);
  await settle();
  assert.equal(refreshes, 0);
  clock.advance(1);
  await settle();
  assert.deepEqual(tokens, ['t2']);
  assert.equal(JSON.parse(storage.getItem('chorus.session')).token, 't2');
  // A new tab restores it (same storage): still valid, refresh scheduled from when it was obtained.
  const other = new Session({ api, storage, clock });
  assert.equal(other.restore().token, 't2');
});

test('an expired stored session is not restored', () => {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const storage = new MemoryStorage();
  const session = new Session({ api: {}, storage, clock });
  session.start(auth('t1', clock, 1000));
  clock.advance(1000);
  const again = new Session({ api: {}, storage, clock });
  assert.equal(again.restore(), null);
  assert.equal(storage.getItem('chorus.session'), null);
});

test('a failed refresh is retried until the token runs out, then the session expires', async () => {
  const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
  const api = { refresh: async () => { throw new ApiError(503, 'unavailable', 'down'); } };
  const session = new Session({ api, storage: new MemoryStorage(), clock });
  let expired = false;
  session.on('expired', () => { expired = true; });
  session.start(auth('t1', clock, 100_000));
  for (let i = 0; i < 40 && !expired; i++) {
    clock.advance(5_000);
    await settle();
  }
  assert.equal(expired, true);
});

test('REST errors become ApiError with the server code; a 401 ends the session only for the current token', async () => {
  let token = 'a';
  let ended = 0;
  const reply = (status, body) => async () => ({ status, ok: status < 300, json: async () => body });
  let fetchImpl = reply(404, { error: { code: 'not_found', message: 'room not found' } });
  const api = new Api({ getToken: () => token, onUnauthorized: () => { ended += 1; }, fetchImpl: (...a) => fetchImpl(...a) });
  await assert.rejects(api.getRoom(5), (e) => e.status === 404 && e.code === 'not_found' && e.message === 'room not found');
  fetchImpl = reply(401, { error: { code: 'unauthorized', message: 'invalid or expired token' } });
  await assert.rejects(api.me());
  assert.equal(ended, 1);
  await assert.rejects(api.login('ada', 'wrong'));
  assert.equal(ended, 1, 'a wrong password is not a session end');
  fetchImpl = async () => { token = 'b'; return { status: 401, ok: false, json: async () => ({}) }; };
  await assert.rejects(api.me());
  assert.equal(ended, 1, 'the token changed meanwhile');
  fetchImpl = async () => { throw new TypeError('Failed to fetch'); };
  await assert.rejects(api.me(), (e) => e.code === 'network' && e.status === 0);
});

test('login sends an email as email and anything else as username', async () => {
  const bodies = [];
  const api = new Api({ fetchImpl: async (url, init) => { bodies.push(JSON.parse(init.body)); return { status: 200, ok: true, json: async () => ({}) }; } });
  await api.login('ada', 'pw');
  await api.login('ada@example.com', 'pw');
  assert.deepEqual(bodies, [{ username: 'ada', password: 'pw' }, { email: 'ada@example.com', password: 'pw' }]);
});
