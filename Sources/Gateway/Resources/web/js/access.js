/** Who may do what in a room (contract v1.1 roles); the server enforces it, the UI only hides. */

/** A direct message is the room without an owner. */
export function isDirect(room) {
  return room.owner_id === null;
}

/** The name to show: a DM shows the other user (its name is "<lower> & <higher>" usernames). */
export function displayName(room, me) {
  if (!isDirect(room)) return room.name;
  const names = String(room.name).split(' & ');
  const other = names.find((name) => name !== me.username);
  return other ?? room.name;
}

/** What the caller may do in `room`. */
export function capabilities(room, me) {
  const direct = isDirect(room);
  const isPrivate = room.visibility === 'private';
  const owner = !direct && room.owner_id === me.id;
  const admin = isPrivate && !direct && room.role === 'admin';
  return {
    direct,
    isPrivate,
    owner,
    canEdit: !direct && (owner || admin),
    canClose: owner,
    canManage: !direct && (owner || admin),
    canLeaveForGood: isPrivate && !direct && !owner,
    showParticipants: isPrivate,
  };
}

/** Which buttons a participant row gets for the caller (`myRole`, `meId`). */
export function participantActions(myRole, meId, target, direct) {
  const none = { promote: false, demote: false, remove: false };
  if (direct || target.user_id === meId || target.role === 'owner') return none;
  if (myRole === 'owner') {
    return { promote: target.role === 'member', demote: target.role === 'admin', remove: true };
  }
  if (myRole === 'admin' && target.role === 'member') return { promote: true, demote: false, remove: true };
  return none;
}
