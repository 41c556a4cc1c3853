/** The REST API of Chorus (same origin, /v1), with its error body turned into ApiError. */

/** A failed call: HTTP `status` (0: no answer), contract `code`, the server's `message`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const CODE_BY_STATUS = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
  413: 'too_large', 429: 'rate_limited', 503: 'unavailable',
};

const id = (value) => encodeURIComponent(String(value));

export class Api {
  /**
   * `getToken()` gives the bearer token; `onUnauthorized(error)` runs on a 401 of an
   * authenticated call (the session is over).
   */
  constructor({ getToken = () => null, onUnauthorized = () => {}, fetchImpl = (...a) => globalThis.fetch(...a) } = {}) {
    this.getToken = getToken;
    this.onUnauthorized = onUnauthorized;
    this.fetchImpl = fetchImpl;
  }

  async request(method, path, { body, query, auth = true, quiet401 = false } = {}) {
    let url = path;
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) if (value != null) params.set(key, String(value));
      if ([...params].length) url += `?${params}`;
    }
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const token = auth ? this.getToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await this.fetchImpl(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin', cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'network error');
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = new ApiError(
        response.status,
        data?.error?.code ?? CODE_BY_STATUS[response.status] ?? (response.status >= 500 ? 'internal' : 'bad_request'),
        data?.error?.message ?? `HTTP ${response.status}`,
      );
      // Only when the refused token is still the session's (not one replaced since the call).
      if (response.status === 401 && auth && !quiet401 && token === this.getToken()) this.onUnauthorized(error);
      throw error;
    }
    return data;
  }

  // Auth
  register(username, email, password) {
    return this.request('POST', '/v1/auth/register', { body: { username, email, password }, auth: false });
  }
  /** `identity` is a username or, when it has an @ (usernames cannot), an email. */
  login(identity, password) {
    const body = identity.includes('@') ? { email: identity, password } : { username: identity, password };
    return this.request('POST', '/v1/auth/login', { body, auth: false });
  }
  refresh() { return this.request('POST', '/v1/auth/refresh'); }
  logout() { return this.request('POST', '/v1/auth/logout', { quiet401: true }); }
  me() { return this.request('GET', '/v1/auth/me'); }

  // Rooms
  listRooms({ limit, after_id } = {}) { return this.request('GET', '/v1/rooms', { query: { limit, after_id } }); }
  myRooms({ limit, after_id } = {}) { return this.request('GET', '/v1/users/me/rooms', { query: { limit, after_id } }); }
  createRoom({ name, visibility, topic }) { return this.request('POST', '/v1/rooms', { body: { name, visibility, topic } }); }
  getRoom(roomId) { return this.request('GET', `/v1/rooms/${id(roomId)}`); }
  updateRoom(roomId, changes) { return this.request('PATCH', `/v1/rooms/${id(roomId)}`, { body: changes }); }
  closeRoom(roomId) { return this.request('DELETE', `/v1/rooms/${id(roomId)}`); }
  members(roomId) { return this.request('GET', `/v1/rooms/${id(roomId)}/members`); }
  messages(roomId, { before_seq, after_seq, limit } = {}) {
    return this.request('GET', `/v1/rooms/${id(roomId)}/messages`, { query: { before_seq, after_seq, limit } });
  }

  // Participants and direct messages (v1.1)
  participants(roomId, { limit, after_id } = {}) {
    return this.request('GET', `/v1/rooms/${id(roomId)}/participants`, { query: { limit, after_id } });
  }
  addParticipant(roomId, userId, role) {
    return this.request('POST', `/v1/rooms/${id(roomId)}/participants`, { body: { user_id: userId, role } });
  }
  setRole(roomId, userId, role) {
    return this.request('PATCH', `/v1/rooms/${id(roomId)}/participants/${id(userId)}`, { body: { role } });
  }
  /** `userId` 'me' leaves the room. */
  removeParticipant(roomId, userId) {
    return this.request('DELETE', `/v1/rooms/${id(roomId)}/participants/${id(userId)}`);
  }
  openDirect(userId) { return this.request('POST', '/v1/dms', { body: { user_id: userId } }); }
}
