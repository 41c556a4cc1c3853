/** Human texts: times, typing lines, and a clear sentence for every error code of the contract. */

/** The most bytes of UTF-8 a message may have (contract: 1–4096). */
export const MAX_MESSAGE_BYTES = 4096;

const encoder = new TextEncoder();

/** Bytes of `text` in UTF-8, the unit of the server's limits. */
export function utf8Length(text) {
  return encoder.encode(text).length;
}

const pad = (n) => String(n).padStart(2, '0');

/** hh:mm in local time; '' for an unreadable timestamp. */
export function clockTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The full local date and time, for a title attribute. */
export function fullDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'medium' });
}

/** "alice is typing…", "alice and bob are typing…", "alice, bob and 2 others are typing…". */
export function typingText(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} others are typing…`;
}

/** First letter upper-case, a final period: server messages are lower-case phrases. */
export function sentence(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return '';
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** What a WebSocket `error` frame means for the user, by contract code. */
export function frameErrorText(code, message) {
  switch (code) {
    case 'bad_request':
      return `The server could not accept this${message ? ` (${message})` : ''}.`;
    case 'room_not_found':
      return 'This room no longer exists, or you no longer have access to it.';
    case 'not_joined':
      return 'Not connected to this room yet; retrying…';
    case 'too_large':
      return `Message is too large (at most ${MAX_MESSAGE_BYTES} bytes).`;
    case 'rate_limited':
      return 'You are sending too fast; retrying shortly…';
    case 'unavailable':
      return 'The room is temporarily unavailable; retrying…';
    case 'internal':
      return 'The server hit an unexpected error.';
    default:
      return sentence(message) || 'Something went wrong.';
  }
}

/** What a REST error (an ApiError) means for the user; `notFound` words a 404 for its context. */
export function apiErrorText(error, { notFound } = {}) {
  const serverText = sentence(error?.message);
  switch (error?.code) {
    case 'network':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'bad_request':
    case 'validation_failed':
      return serverText || 'That request was not valid.';
    case 'unauthorized':
      return 'Your session has expired. Please log in again.';
    case 'forbidden':
      return serverText ? `Not allowed: ${serverText}` : 'You are not allowed to do that.';
    case 'not_found':
      return notFound ?? (serverText || 'Not found.');
    case 'conflict':
      return serverText || 'That conflicts with existing data.';
    case 'too_large':
      return 'That is too large for the server.';
    case 'rate_limited':
      return 'Too many requests. Wait a moment and try again.';
    case 'unavailable':
      return 'The service is temporarily unavailable. Try again in a few seconds.';
    case 'internal':
      return 'Something went wrong on the server. Try again.';
    default:
      return serverText || 'Something went wrong. Try again.';
  }
}

/** A notice for a WebSocket close, or null when it needs none (an ordinary reconnect). */
export function closeText(code) {
  switch (code) {
    case 4001:
      return 'Your session has ended (logged out or expired). Please log in again.';
    case 1009:
      return `A message was too large for the server and was not sent (at most ${MAX_MESSAGE_BYTES} bytes).`;
    case 4008:
      return 'The connection fell behind and was reset; catching up…';
    case 1002:
    case 1007:
    case 1008:
      return 'The server closed the connection after a protocol error; reconnecting…';
    default:
      return null;
  }
}

/** Why a send failed for good after automatic retries. */
export function gaveUpText(code, message) {
  switch (code) {
    case 'rate_limited':
      return 'You were sending too fast. Try again in a moment.';
    case 'unavailable':
      return 'The room stayed unavailable. Try again.';
    case 'not_joined':
      return 'Could not join the room. Try again.';
    default:
      return frameErrorText(code, message);
  }
}
