/**
 * Wiring: the session decides between the login view and the app; the app is one Connection,
 * one Chat and its views, torn down as a whole (AbortController) when the session ends.
 */
import { Api } from './api.js';
import { Session } from './session.js';
import { Connection, socketUrl } from './connection.js';
import { Chat } from './chat.js';
import { RoomActions } from './actions.js';
import { closeText } from './format.js';
import { LoginView } from './ui/login.js';
import { StatusBar } from './ui/status.js';
import { Sidebar } from './ui/sidebar.js';
import { RoomHost } from './ui/roomhost.js';

const OPEN_ROOMS_KEY = 'chorus.openRooms';
const $ = (id) => document.getElementById(id);
const phone = window.matchMedia('(max-width: 420px)');

const status = new StatusBar();
let app = null;
const api = new Api({
  getToken: () => session.token,
  onUnauthorized: () => endSession('Your session has expired. Please log in again.'),
});
const session = new Session({ api });
const login = new LoginView({
  api,
  onAuth: (auth) => {
    session.start(auth);
    startApp(auth.user);
  },
});
session.on('token', () => app?.connection.reconnectNow());
session.on('expired', () => endSession('Your session expired. Please log in again.'));

function startApp(user) {
  login.hide();
  status.clearNotice();
  const controller = new AbortController();
  const { signal } = controller;
  const me = { id: user.id, username: user.username };
  const notify = (text) => status.notice(text);
  const connection = new Connection({
    urlFor: (token) => socketUrl(window.location, token), getToken: () => session.token, online: navigator.onLine,
  });
  const chat = new Chat({ api, connection, me });
  const actions = new RoomActions({ api, chat, notify });
  const layout = $('layout');
  const toggle = $('sidebar-toggle');
  const setSidebar = (open) => {
    layout.classList.toggle('sidebar-open', open);
    toggle.setAttribute('aria-expanded', String(open));
  };
  const host = new RoomHost({ chat, actions, me, notify, host: $('room-host'), empty: $('empty-room'), signal });
  const sidebar = new Sidebar({
    api, chat, me, notify, signal,
    onOpened: () => {
      if (phone.matches) setSidebar(false);
      else host.focusActive();
    },
  });
  app = { connection, chat, controller };

  toggle.addEventListener('click', () => setSidebar(!layout.classList.contains('sidebar-open')), { signal });
  $('logout').addEventListener('click', () => logout(), { signal });
  window.addEventListener('online', () => connection.setOnline(true), { signal });
  window.addEventListener('offline', () => connection.setOnline(false), { signal });
  connection.on('state', (state) => status.showState(state));
  connection.on('auth-expired', () => endSession(closeText(4001)));
  connection.on('close', ({ code }) => {
    if (code !== 4001 && code !== 1009 && closeText(code)) notify(closeText(code));
  });
  // A refused upgrade (e.g. a revoked token: HTTP 401) reaches a browser only as a failed
  // socket; every other failed attempt, ask REST whether the token still holds (401 ends it).
  connection.on('connect-failed', ({ attempt }) => {
    if (attempt % 2 === 1) api.me().catch(() => {});
  });
  chat.on('notice', notify);
  chat.on('rooms', () => saveOpenRooms(chat, me));

  $('current-user').textContent = me.username;
  $('current-user').title = `Logged in as ${me.username} (user id ${me.id})`;
  setSidebar(false);
  status.showState(connection.state);
  $('app-view').hidden = false;
  sidebar.renderOpen();
  sidebar.reloadLists();
  connection.start();
  restoreOpenRooms(chat, me);
}

/** Back to the login view with `message`; idempotent (several 401s may arrive at once). */
function endSession(message) {
  const current = app;
  app = null;
  if (current) {
    current.connection.stop();
    current.chat.dispose();
    current.controller.abort();
  }
  session.clear();
  for (const id of ['open-rooms', 'my-rooms', 'public-rooms']) $(id).replaceChildren();
  $('current-user').textContent = '';
  $('app-view').hidden = true;
  if (message) status.notice(message);
  login.show(message);
}

async function logout() {
  const current = app;
  if (!current) return;
  current.connection.stop(); // Our own logout: no 4001 "session ended" for it.
  try {
    await session.logout();
    endSession('You have logged out.');
  } catch {
    endSession('You are logged out here, but the server could not be told; the session ends when it expires.');
  }
}

function saveOpenRooms(chat, me) {
  try {
    sessionStorage.setItem(OPEN_ROOMS_KEY, JSON.stringify({ userId: me.id, ids: [...chat.rooms.keys()], active: chat.activeId }));
  } catch {
    // No storage: open rooms are not kept across reloads.
  }
}

/** Reopens the rooms this tab had open (same user), in order. */
async function restoreOpenRooms(chat, me) {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(OPEN_ROOMS_KEY) ?? 'null');
  } catch {
    saved = null;
  }
  if (saved?.userId !== me.id || !Array.isArray(saved.ids)) return;
  for (const id of saved.ids) {
    if (app?.chat !== chat) return;
    try {
      await chat.open(id, { activate: id === saved.active });
    } catch {
      // Gone or unreachable: not reopened.
    }
  }
  if (app?.chat === chat && chat.activeId === null && chat.rooms.size) chat.activate([...chat.rooms.keys()].pop());
}

async function boot() {
  const saved = session.restore();
  if (!saved) return login.show('');
  try {
    const { user } = await api.me();
    session.setUser(user);
    startApp(user);
  } catch (error) {
    if (error.status === 401) return; // endSession has shown the login view.
    startApp(saved.user); // Server unreachable: start anyway; the connection keeps trying.
  }
}

boot();
