// What survives a reload of this tab: the group, the name, the rejoin token and the last message seen.
// Never the password.
const key = "webchat.session";

export function loadSession() {
    try {
        const s = JSON.parse(sessionStorage.getItem(key) ?? "null");
        return s && Number.isInteger(s.groupId) && typeof s.token === "string" ? s : null;
    } catch {
        return null;
    }
}

export function saveSession(session) {
    sessionStorage.setItem(key, JSON.stringify({
        groupId: session.groupId,
        userName: session.userName,
        token: session.token,
        lastSeen: session.lastSeen ?? 0,
    }));
}

export function clearSession() {
    sessionStorage.removeItem(key);
}
