// The browser door: the lobby (create or join) and the room, over the hub at /hubs/chat.
import { loadSession, saveSession, clearSession } from "./session.js";
import * as view from "./view.js";
import { errorText, fieldFor, refusal, membershipGone, validateEntry, codePoints, MaxMessageLength } from "./forms.js";

const $ = id => document.getElementById(id);
const ui = {
    connection: $("connection"), lobby: $("lobby"), lobbyNotice: $("lobby-notice"), room: $("room"),
    entryForm: $("entry-form"), userName: $("user-name"), password: $("password"), groupId: $("group-id"),
    createButton: $("create-group"), joinButton: $("join-group"), entryError: $("entry-error"),
    openGroups: $("open-groups"), moreGroups: $("more-groups"), noGroups: $("no-groups"),
    roomTitle: $("room-title"), roomId: $("room-id"), copyId: $("copy-id"), copyLink: $("copy-link"),
    copyStatus: $("copy-status"), leave: $("leave-group"), notify: $("notify"), notifyStatus: $("notify-status"),
    scroller: $("messages-scroll"), messages: $("messages"), noMessages: $("no-messages"),
    messageForm: $("message-form"), message: $("message"), send: $("send"), sendError: $("send-error"),
    members: $("members"), memberCount: $("member-count"), peopleTitle: $("people-title"),
    passwordForm: $("password-form"), newPassword: $("new-password"), changePassword: $("change-password"),
    passwordStatus: $("password-status"),
};

let session = loadSession();   // { groupId, userName, token, lastSeen } while in a group
let owner = null;              // the group's owner's name, as the server gave it
const seen = new Set();        // ids of the messages shown, so nothing shows twice
let unread = 0;                // messages from others while the tab was hidden (the title counts them)

const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/chat")
    .withAutomaticReconnect({
        // Right away, then 1, 2, 4, 8 s and every 10 s for as long as the page is open.
        nextRetryDelayInMilliseconds: ({ previousRetryCount: n }) => n === 0 ? 0 : Math.min(500 * 2 ** n, 10000),
    })
    .configureLogging(signalR.LogLevel.Warning)
    .build();

// Events that arrive while a create, join or rejoin is in flight may be newer than the snapshot it returns:
// hold them until the room shows the snapshot, then apply them (message ids keep anything from showing twice).
let held = null;

function on(event, handler) {
    connection.on(event, (...args) => held ? held.push(() => handler(...args)) : handler(...args));
}

on("MessageReceived", message => {
    if (session && message.groupId === session.groupId) addMessage(message);
});
on("MemberJoined", (groupId, userName) => {
    if (!inGroup(groupId)) return;
    addMember(userName);
    addNotice([{ name: userName }, " joined the group"], "joined");
});
on("MemberLeft", (groupId, userName) => {
    if (!inGroup(groupId)) return;
    removeMember(userName);
    addNotice([{ name: userName }, " left the group"], "left");
});
// Moderation: the owner removes a member, changes the password or hands the group on.
on("RemovedFromGroup", async (groupId, by) => {
    if (!inGroup(groupId)) return;
    const { userName } = session;
    clearSession();
    session = null;
    owner = null;
    ui.userName.value = userName;
    showLobby(["You were removed from group #" + groupId + " by ", { name: by }, "."]);
    await refreshGroups();
});
on("MemberRemoved", (groupId, userName, by) => {
    if (inGroup(groupId)) memberRemoved(userName, by);
});
on("PasswordChanged", (groupId, by) => {
    // The owner's own page said so when its ChangePassword returned.
    if (inGroup(groupId) && !isMe(by)) addNotice([{ name: by }, " changed the group's password"], "moderation");
});
on("OwnerChanged", (groupId, newOwner) => {
    if (inGroup(groupId)) setOwner(newOwner, { announce: true });
});

function inGroup(groupId) {
    return session !== null && groupId === session.groupId;
}

async function enterWith(invoke, options) {
    const events = held = [];
    try {
        enterRoom(await invoke(), options);
    } finally {
        if (held === events) held = null;
        for (const apply of events) apply();
    }
}

connection.onreconnecting(() => setConnection("reconnecting"));
connection.onreconnected(async () => {
    setConnection("connected");
    await afterConnect();
});
connection.onclose(() => start());

// ---- connection ----

function setConnection(state) {
    const words = { connecting: "Connecting…", connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline, trying again…" };
    ui.connection.dataset.state = state;
    ui.connection.textContent = words[state];
    ui.send.disabled = state !== "connected";
    document.body.dataset.connection = state;
}

async function start() {
    setConnection("connecting");
    for (let attempt = 0; ; attempt++) {
        try {
            await connection.start();
            break;
        } catch {
            setConnection("offline");
            await new Promise(resolve => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 10000)));
        }
    }
    setConnection("connected");
    await afterConnect();
}

async function afterConnect() {
    if (session) await rejoin();
    else await refreshGroups();
}

// A page that has not shown the room yet (a reload) asks for the whole history and marks what came
// after the last message it saw; a reconnect asks only for what it missed.
let roomShown = false;

async function rejoin() {
    const previous = session;
    const fresh = !roomShown;
    try {
        await enterWith(() => connection.invoke("Rejoin", previous.token, fresh ? 0 : previous.lastSeen),
            { fresh, newAfter: fresh ? previous.lastSeen : null });
    } catch (error) {
        const refused = refusal(error);
        if (!refused) return;   // the connection dropped again: the next reconnect tries again
        if (!membershipGone(refused.kind)) {
            // Busy or unavailable for a moment: the membership is still there, try again shortly.
            setTimeout(() => { if (session === previous && connection.state === signalR.HubConnectionState.Connected) rejoin(); }, 3000);
            return;
        }
        clearSession();
        session = null;
        owner = null;
        // Lobby words say "group #N": "group chat #N" on the page means you are in it.
        showLobby(`You were away too long and left group #${previous.groupId}. Join it again with its password.`);
        ui.userName.value = previous.userName;
        ui.groupId.value = String(previous.groupId);
        ui.password.focus();
        await refreshGroups();
    }
}

// ---- lobby ----

ui.entryForm.addEventListener("submit", async event => {
    event.preventDefault();
    if (ui.entryForm.getAttribute("aria-busy") === "true") return;
    const join = event.submitter === ui.joinButton;
    const invalid = validateEntry({ userName: ui.userName, password: ui.password, groupId: ui.groupId }, join);
    if (invalid) return showEntryError(invalid.message, invalid.field);
    if (connection.state !== signalR.HubConnectionState.Connected)
        return showEntryError("Not connected to the server yet; try again in a moment.");

    setBusy(true);
    try {
        const [userName, password] = [ui.userName.value.trim(), ui.password.value];
        await enterWith(() => join
            ? connection.invoke("JoinGroup", Number(ui.groupId.value.trim()), userName, password)
            : connection.invoke("CreateGroup", userName, password), { fresh: true });
        ui.password.value = "";
        showEntryError("");
    } catch (error) {
        const refused = refusal(error);
        showEntryError(errorText(error, connection.state),
            refused && fieldFor(refused.kind, { userName: ui.userName, password: ui.password, groupId: ui.groupId }));
    } finally {
        setBusy(false);
    }
});

// Enter joins when a group ID is filled in (an invite), and creates a group otherwise.
for (const input of [ui.userName, ui.password, ui.groupId]) {
    input.addEventListener("keydown", event => {
        if (event.key !== "Enter" || event.isComposing) return;
        event.preventDefault();
        ui.entryForm.requestSubmit(ui.groupId.value.trim() ? ui.joinButton : ui.createButton);
    });
}

for (const input of [ui.userName, ui.password, ui.groupId])
    input.addEventListener("input", () => input.removeAttribute("aria-invalid"));

ui.openGroups.addEventListener("click", event => {
    const pick = event.target.closest("button[data-group-id]");
    if (!pick) return;
    ui.groupId.value = pick.dataset.groupId;
    ui.groupId.removeAttribute("aria-invalid");
    (ui.userName.value.trim() ? ui.password : ui.userName).focus();
});

function setBusy(busy) {
    ui.entryForm.setAttribute("aria-busy", String(busy));
    ui.createButton.disabled = ui.joinButton.disabled = busy;
}

function showEntryError(message, field) {
    ui.entryError.textContent = message;
    for (const input of [ui.userName, ui.password, ui.groupId]) input.removeAttribute("aria-invalid");
    if (field) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
        field.select?.();
    }
}

async function refreshGroups() {
    if (ui.lobby.hidden || connection.state !== signalR.HubConnectionState.Connected) return;
    try {
        const groups = await connection.invoke("ListGroups");
        const shown = Number(ui.openGroups.closest("[data-max-shown]").dataset.maxShown);
        ui.openGroups.replaceChildren(...groups.slice(0, shown).map(view.groupRowElement));
        const more = groups.length - shown;
        ui.moreGroups.hidden = more <= 0;
        ui.moreGroups.textContent = more === 1 ? "and 1 more open group" : `and ${more} more open groups`;
        ui.noGroups.hidden = groups.length > 0;
    } catch {
        // The list is a convenience; the next refresh tries again.
    }
}

setInterval(() => { if (!document.hidden) refreshGroups(); }, 10000);
window.addEventListener("focus", () => refreshGroups());

// notice: words, or parts with names in them (see view.fillParts)
function showLobby(notice) {
    roomShown = false;
    unread = 0;
    ui.room.hidden = true;
    ui.roomTitle.textContent = "";
    ui.lobby.hidden = false;
    view.fillParts(ui.lobbyNotice, notice ? [notice].flat() : []);
    ui.lobbyNotice.hidden = !notice;
    ui.scroller.removeAttribute("aria-busy");
    document.body.classList.remove("in-room");
    document.title = "WebChat";
    ui.userName.focus();
}

// ---- room ----

function enterRoom(joined, { fresh, newAfter = null }) {
    // The log is busy while the history replays, so a screen reader does not read out every old message.
    ui.scroller.setAttribute("aria-busy", "true");
    if (fresh) {
        ui.messages.replaceChildren();
        seen.clear();
    }
    // Each Rejoin hands out a fresh token (the previous one stops working): keep the newest.
    session = { groupId: joined.groupId, userName: joined.userName, token: joined.rejoinToken, lastSeen: fresh ? 0 : session?.lastSeen ?? 0 };
    owner = joined.owner ?? null;
    ui.roomTitle.textContent = `group chat #${joined.groupId}`;
    ui.roomId.textContent = String(joined.groupId);
    ui.members.replaceChildren(...joined.members.map(name => view.memberElement(name, rolesOf(name))));
    updateMemberCount();
    showOwnerTools();
    let marked = !newAfter || !joined.history.some(m => m.id <= newAfter);
    for (const message of joined.history) {
        if (!marked && message.id > newAfter) {
            addNotice("New since you were here", "divider");
            marked = true;
        }
        addMessage(message, { replay: true });
    }
    saveSession(session);
    ui.scroller.setAttribute("aria-busy", "false");
    ui.lobby.hidden = true;
    ui.room.hidden = false;
    roomShown = true;
    document.body.classList.add("in-room");
    updateTitle();
    ui.sendError.textContent = "";
    scrollToEnd();
    ui.message.focus();
}

// The server gives the name exactly (JoinedGroup.userName): no case or accent folding here.
function isMe(name) {
    return session !== null && name === session.userName;
}

function addMessage(message, { replay = false } = {}) {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    const mine = isMe(message.sender);
    const stick = mine || isNearEnd();
    const element = view.messageElement(message, mine);
    // An invoke result can come after a later message of the live stream: keep the group's order.
    let after = ui.messages.lastElementChild;
    while (after && after.dataset.id && Number(after.dataset.id) > message.id) after = after.previousElementSibling;
    ui.messages.insertBefore(element, after ? after.nextSibling : ui.messages.firstChild);
    ui.noMessages.hidden = true;
    if (message.id > session.lastSeen) {
        session.lastSeen = message.id;
        saveSession(session);
    }
    if (!mine && !replay && document.hidden) {
        unread++;
        updateTitle();
        notifyDesktop(message);
    }
    if (stick) scrollToEnd();
}

function addNotice(text, kind) {
    const stick = isNearEnd();
    ui.messages.append(view.noticeElement(text, kind));
    if (stick) scrollToEnd();
}

function addMember(name) {
    if (!memberElementOf(name)) ui.members.append(view.memberElement(name, rolesOf(name)));
    updateMemberCount();
}

function removeMember(name) {
    memberElementOf(name)?.remove();
    updateMemberCount();
}

function memberElementOf(name) {
    return [...ui.members.children].find(li => li.dataset.name === name);
}

function updateMemberCount() {
    ui.memberCount.textContent = String(ui.members.children.length);
}

// ---- moderation ----

function iOwn() {
    return session !== null && owner !== null && owner === session.userName;
}

function rolesOf(name) {
    return { isMe: isMe(name), isOwner: name === owner, canModerate: iOwn() && !isMe(name) };
}

function showOwnerTools() {
    for (const li of ui.members.children) view.updateMember(li, rolesOf(li.dataset.name));
    const wasShown = !ui.passwordForm.hidden;
    ui.passwordForm.hidden = !iOwn();
    if (wasShown && ui.passwordForm.hidden) {
        ui.newPassword.value = "";
        ui.passwordStatus.textContent = "";
    }
}

function setOwner(name, { announce }) {
    if (name === owner) return;
    const hadFocus = ui.members.contains(document.activeElement) || ui.passwordForm.contains(document.activeElement);
    owner = name;
    showOwnerTools();
    if (announce) addNotice([{ name }, " is now the owner of the group"], "moderation");
    // The control that had focus may be gone: keep the keyboard in the member list.
    if (hadFocus && (!document.activeElement || document.activeElement === document.body)) ui.peopleTitle.focus();
}

function memberRemoved(name, by) {
    const li = memberElementOf(name);
    if (!li) return;   // already shown (the owner's own page hears of its removal twice)
    const hadFocus = li.contains(document.activeElement);
    const next = li.nextElementSibling ?? li.previousElementSibling;
    li.remove();
    updateMemberCount();
    addNotice([{ name }, " was removed from the group by ", { name: by }], "moderation");
    if (hadFocus) focusFirstAction(next);
}

function focusFirstAction(li) {
    const button = li && [...li.querySelectorAll("button")].find(b => b.offsetParent !== null);
    (button ?? (ui.passwordForm.hidden ? ui.peopleTitle : ui.newPassword)).focus();
}

ui.members.addEventListener("click", async event => {
    const button = event.target.closest("button[data-action]");
    const li = button?.closest("li.member");
    if (!li || !session) return;
    const action = button.dataset.action;
    if (action === "remove" || action === "owner") {
        view.startConfirm(li, action).focus();
    } else if (action === "cancel") {
        view.endConfirm(li)?.focus();
    } else if (action === "confirm") {
        await moderate(li);
    }
});

ui.members.addEventListener("keydown", event => {
    if (event.key !== "Escape") return;
    const li = event.target.closest("li.member");
    if (li?.dataset.pending !== undefined) view.endConfirm(li)?.focus();
});

async function moderate(li) {
    const { groupId, userName: me } = session;
    const name = li.dataset.name;
    const action = li.dataset.pending;
    // Busy, but not disabled: a disabled button would drop the keyboard focus to the page's start.
    if (li.dataset.busy) return;
    li.dataset.busy = "true";
    ui.passwordStatus.textContent = "";
    try {
        if (action === "remove") {
            await connection.invoke("RemoveMember", groupId, name);
            if (inGroup(groupId)) memberRemoved(name, me);
        } else {
            await connection.invoke("TransferOwnership", groupId, name);
            if (inGroup(groupId)) setOwner(name, { announce: true });
        }
    } catch (error) {
        delete li.dataset.busy;
        view.endConfirm(li)?.focus();
        ui.passwordStatus.textContent = errorText(error, connection.state);
    }
}

ui.passwordForm.addEventListener("submit", async event => {
    event.preventDefault();
    if (!session || ui.changePassword.disabled) return;
    const password = ui.newPassword.value;
    ui.newPassword.removeAttribute("aria-invalid");
    if (!password) {
        ui.passwordStatus.textContent = ui.newPassword.dataset.requiredMessage;
        ui.newPassword.setAttribute("aria-invalid", "true");
        return ui.newPassword.focus();
    }
    const { groupId } = session;
    ui.changePassword.disabled = true;
    try {
        await connection.invoke("ChangePassword", groupId, password);
        ui.newPassword.value = "";
        ui.passwordStatus.textContent = "The group's password is changed: joins from now on need the new one.";
        if (inGroup(groupId)) addNotice("You changed the group's password", "moderation");
    } catch (error) {
        ui.passwordStatus.textContent = errorText(error, connection.state);
        if (refusal(error)?.kind === "InvalidPassword") ui.newPassword.setAttribute("aria-invalid", "true");
        ui.newPassword.focus();
    } finally {
        ui.changePassword.disabled = false;
    }
});

// "(3) group chat #1 - WebChat" while the tab is hidden and others talk; the count goes once the tab is seen.
function updateTitle() {
    document.title = `${unread ? `(${unread}) ` : ""}group chat #${session.groupId} - WebChat`;
}

document.addEventListener("visibilitychange", () => {
    if (!document.hidden && unread) {
        unread = 0;
        if (session) updateTitle();
    }
});

// ---- desktop notifications: only when the person turns them on with the button, never asked for on load ----

const notifyKey = "webchat.notify";

function notificationsOn() {
    return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(notifyKey) === "on";
}

function showNotifyButton() {
    ui.notify.hidden = !("Notification" in window);
    ui.notify.setAttribute("aria-pressed", String(notificationsOn()));
}

ui.notify.addEventListener("click", async () => {
    if (notificationsOn()) {
        localStorage.setItem(notifyKey, "off");
        ui.notifyStatus.textContent = "Desktop notifications are off.";
    } else {
        const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
        if (permission === "granted") {
            localStorage.setItem(notifyKey, "on");
            ui.notifyStatus.textContent = "Desktop notifications are on: you get one for each message while this tab is hidden.";
        } else {
            ui.notifyStatus.textContent = "This browser blocks notifications from this page; allow them in its site settings first.";
        }
    }
    showNotifyButton();
});

function notifyDesktop(message) {
    if (!notificationsOn()) return;
    try {
        const shown = new Notification(`${message.sender} in group chat #${message.groupId}`, {
            body: message.text.length > 200 ? message.text.slice(0, 200) + "…" : message.text,
            tag: `webchat-${message.groupId}`,
        });
        shown.addEventListener("click", () => { window.focus(); shown.close(); });
    } catch {
        // Some browsers show notifications only through a service worker; the title still counts.
    }
}

showNotifyButton();

function isNearEnd() {
    const s = ui.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
}

function scrollToEnd() {
    ui.scroller.scrollTop = ui.scroller.scrollHeight;
}

ui.messageForm.addEventListener("submit", event => {
    event.preventDefault();
    send();
});

ui.message.addEventListener("keydown", event => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
    }
});

async function send() {
    const text = ui.message.value;
    if (!session || !text.trim()) return;
    if (codePoints(text) > MaxMessageLength)
        return showSendError(`Your message is too long (${codePoints(text)} characters, at most ${MaxMessageLength}); it was not sent`);
    if (connection.state !== signalR.HubConnectionState.Connected)
        return showSendError("You're offline right now; your message is kept here until the connection is back.");
    ui.message.value = "";
    try {
        const message = await connection.invoke("SendMessage", session.groupId, text);
        showSendError("");
        if (message) addMessage(message);
    } catch (error) {
        if (!ui.message.value) ui.message.value = text;
        showSendError(errorText(error, connection.state));
    }
    ui.message.focus();
}

function showSendError(message) {
    ui.sendError.textContent = message;
}

ui.leave.addEventListener("click", async () => {
    if (!session) return;
    const { groupId, userName } = session;
    try {
        await connection.invoke("LeaveGroup", groupId);
    } catch {
        // Offline or already gone: without a rejoin the server lets the member go after its grace period.
    }
    clearSession();
    session = null;
    ui.userName.value = userName;
    showLobby(`You left group #${groupId}.`);
    await refreshGroups();
});

ui.copyId.addEventListener("click", () => copy(String(session?.groupId ?? ""), "ID copied", ui.roomId));
ui.copyLink.addEventListener("click", () => copy(`${location.origin}/?join=${session?.groupId ?? ""}`, "Invite link copied"));

async function copy(text, done, fallbackElement) {
    try {
        await navigator.clipboard.writeText(text);
        ui.copyStatus.textContent = done;
    } catch {
        // No clipboard outside a secure context: select it for the person to copy.
        if (fallbackElement) getSelection().selectAllChildren(fallbackElement);
        ui.copyStatus.textContent = fallbackElement ? "Selected: press Ctrl+C to copy" : text;
    }
    setTimeout(() => { ui.copyStatus.textContent = ""; }, 4000);
}

// ---- start ----

if (session) {
    // Straight into the room (no flash of the lobby); Rejoin fills it or sends the person back.
    ui.roomTitle.textContent = `group chat #${session.groupId}`;
    ui.roomId.textContent = String(session.groupId);
    ui.lobby.hidden = true;
    ui.room.hidden = false;
    ui.scroller.setAttribute("aria-busy", "true");
    document.body.classList.add("in-room");
}
start();
