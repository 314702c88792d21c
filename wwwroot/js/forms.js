// Checks and words for the forms; the words for empty or malformed fields come from the page's data-*-message attributes.
export const MaxMessageLength = 2000;

export function codePoints(text) {
    let n = 0;
    for (const _ of text) n++;
    return n;
}

export function validateEntry({ userName, password, groupId }, join) {
    if (!userName.value.trim()) return { field: userName, message: userName.dataset.requiredMessage };
    if (!password.value) return { field: password, message: password.dataset.requiredMessage };
    if (!join) return null;
    const id = groupId.value.trim();
    if (!id) return { field: groupId, message: groupId.dataset.requiredMessage };
    if (!/^[0-9]{1,9}$/.test(id) || Number(id) < 1) return { field: groupId, message: groupId.dataset.invalidMessage };
    return null;
}

// The JavaScript client wraps a HubException as "An unexpected error occurred invoking 'X' on the server. HubException: words".
export function isRefusal(error) {
    return /HubException: /.test(String(error?.message ?? ""));
}

export function errorText(error, state) {
    const text = String(error?.message ?? error ?? "");
    const refusal = text.match(/HubException: ([\s\S]*)$/);
    if (refusal) return refusal[1];
    if (state !== "Connected") return "The connection to the server was lost; try again in a moment.";
    return "Something went wrong; please try again.";
}

// Which field a refusal is about, to mark and focus it.
export function fieldFor(message, { userName, password, groupId }) {
    if (/password/i.test(message)) return /too many/i.test(message) ? null : password;
    if (/no group|group id/i.test(message)) return groupId;
    if (/name|already a member/i.test(message)) return userName;
    return null;
}
