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

// The JavaScript client wraps a HubException as "An unexpected error occurred invoking 'X' on the server. HubException: words",
// and the server ends the words with the kind of refusal in brackets: "Wrong password for group 7 [WrongPassword]".
// Returns { text, kind } (kind null if the words carry none), or null when the error is not a refusal (a dropped connection).
export function refusal(error) {
    const words = String(error?.message ?? "").match(/HubException: ([\s\S]*)$/);
    if (!words) return null;
    const kinded = words[1].match(/^([\s\S]*?) \[([A-Za-z]+)\]$/);
    return kinded ? { text: kinded[1], kind: kinded[2] } : { text: words[1], kind: null };
}

export function isRefusal(error) {
    return refusal(error) !== null;
}

export function errorText(error, state) {
    const refused = refusal(error);
    if (refused) return refused.text;
    if (state !== "Connected") return "The connection to the server was lost; try again in a moment.";
    return "Something went wrong; please try again.";
}

// Which field of the lobby form a refusal is about, to mark and focus it (none for limits such as TooManyAttempts).
const fieldOfKind = {
    InvalidName: "userName", NameTaken: "userName", AlreadyMember: "userName",
    InvalidPassword: "password", WrongPassword: "password",
    UnknownGroup: "groupId",
};

export function fieldFor(kind, fields) {
    return fields[fieldOfKind[kind]] ?? null;
}

// Refusals of a Rejoin that say the membership is over (rather than "try again later": Unavailable, Busy, ...).
export function membershipGone(kind) {
    return kind === null || ["InvalidToken", "UnknownGroup", "NotMember"].includes(kind);
}
