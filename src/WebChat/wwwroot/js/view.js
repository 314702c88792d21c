// Fills the server-rendered markup. Names and texts always go in through textContent; every name sits in its own
// <bdi> and every text in a dir="auto" element (the templates carry them), so each shows in its own direction.
const $ = id => document.getElementById(id);

function fromTemplate(id) {
    return $(id).content.firstElementChild.cloneNode(true);
}

function field(element, name) {
    return element.querySelector(`[data-field="${name}"]`);
}

export function parseUtc(iso) {
    // The hub sends UTC; a stamp without a zone is UTC too.
    return new Date(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
}

export function localTime(date) {
    const sameDay = date.toDateString() === new Date().toDateString();
    const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return sameDay ? time : `${date.toLocaleDateString([], { month: "short", day: "numeric" })}, ${time}`;
}

export function messageElement(message, mine) {
    const li = fromTemplate("message-template");
    li.dataset.id = String(message.id);
    li.classList.toggle("mine", mine);
    field(li, "sender").textContent = message.sender;
    field(li, "text").textContent = message.text;
    const sentAt = parseUtc(message.sentAt);
    const time = field(li, "time");
    time.dateTime = sentAt.toISOString();
    time.textContent = localTime(sentAt);
    time.title = sentAt.toLocaleString();
    return li;
}

/** Words with names in them: each part a string, or { name } for a name (isolated in a <bdi>). */
export function fillParts(element, parts) {
    element.replaceChildren(...parts.map(part => {
        if (typeof part === "string") return document.createTextNode(part);
        const bdi = document.createElement("bdi");
        bdi.textContent = part.name;
        return bdi;
    }));
}

export function noticeElement(parts, kind) {
    const li = fromTemplate("notice-template");
    if (kind) li.classList.add(kind);
    fillParts(field(li, "text"), typeof parts === "string" ? [parts] : parts);
    return li;
}

export function initial(name) {
    const trimmed = name.trim();
    if (!trimmed) return "";
    const first = typeof Intl.Segmenter === "function"
        ? new Intl.Segmenter().segment(trimmed)[Symbol.iterator]().next().value.segment
        : Array.from(trimmed)[0];
    return first.toUpperCase();
}

export function hue(name) {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (Math.imul(hash, 31) + name.charCodeAt(i)) >>> 0;
    return hash % 8;
}

/** A member row: { isMe, isOwner, canModerate } say whether "(you)", "owner" and the owner's buttons show. */
export function memberElement(name, roles) {
    const li = fromTemplate("member-template");
    li.dataset.name = name;
    const avatar = field(li, "avatar");
    avatar.textContent = initial(name);
    avatar.className = `avatar hue-${hue(name)}`;
    field(li, "name").textContent = name;
    for (const bdi of li.querySelectorAll('[data-field="action-name"]')) bdi.textContent = name;
    updateMember(li, roles);
    return li;
}

export function updateMember(li, { isMe, isOwner, canModerate }) {
    field(li, "you").hidden = !isMe;
    field(li, "owner").hidden = !isOwner;
    li.classList.toggle("is-owner", isOwner);
    if (!canModerate) endConfirm(li);
    field(li, "actions").hidden = !canModerate || li.dataset.pending !== undefined;
}

// The owner's inline confirmation: the row's buttons give way to "Confirm ..." and "Cancel".
export function startConfirm(li, action) {
    const name = li.dataset.name;
    li.dataset.pending = action;
    const confirm = li.querySelector('[data-action="confirm"]');
    fillParts(confirm, action === "remove" ? ["Confirm remove ", { name }] : ["Confirm make ", { name }, " owner"]);
    field(li, "actions").hidden = true;
    field(li, "confirm").hidden = false;
    return confirm;
}

export function endConfirm(li) {
    const action = li.dataset.pending;
    if (action === undefined) return null;
    delete li.dataset.pending;
    field(li, "confirm").hidden = true;
    field(li, "actions").hidden = false;
    return li.querySelector(`[data-action="${action}"]`);
}

export function groupRowElement(group) {
    const li = fromTemplate("group-row-template");
    li.querySelector("button").dataset.groupId = String(group.groupId);
    field(li, "number").textContent = `Group #${group.groupId}`;
    field(li, "count").textContent = group.memberCount === 1 ? "1 member" : `${group.memberCount} members`;
    return li;
}
