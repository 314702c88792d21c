// Fills the server-rendered markup. Names and texts always go in through textContent.
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

export function noticeElement(text, kind) {
    const li = fromTemplate("notice-template");
    if (kind) li.classList.add(kind);
    field(li, "text").textContent = text;
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

export function memberElement(name, isMe) {
    const li = fromTemplate("member-template");
    li.dataset.name = name;
    const avatar = field(li, "avatar");
    avatar.textContent = initial(name);
    avatar.className = `avatar hue-${hue(name)}`;
    field(li, "name").textContent = name;
    field(li, "you").hidden = !isMe;
    return li;
}

export function groupRowElement(group) {
    const li = fromTemplate("group-row-template");
    li.querySelector("button").dataset.groupId = String(group.groupId);
    field(li, "number").textContent = `Group #${group.groupId}`;
    field(li, "count").textContent = group.memberCount === 1 ? "1 member" : `${group.memberCount} members`;
    return li;
}
