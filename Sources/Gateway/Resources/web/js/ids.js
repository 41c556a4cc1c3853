/**
 * A new client_msg_id: a UUID where the browser offers one (secure contexts), else 32 random hex
 * digits from crypto.getRandomValues (available in plain-http pages too). At most 64 bytes either way.
 */
export function newClientMsgId(crypto = globalThis.crypto) {
  if (typeof crypto?.randomUUID === 'function') {
    try {
      return crypto.randomUUID();
    } catch {
      // Not a secure context in some browsers: fall through.
    }
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
