// The staff console. Every page talks to the same JSON API as any other client
// (/staff/api, described at /staff/api/openapi.json). Text from users, the bot and
// staff is only ever put on the page as text nodes (bot and staff text through
// renderMarkdown, which builds elements itself), so markup in it stays inert.
"use strict";

const api = {
  csrf: null,
  async call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrf) headers["X-CSRF-Token"] = this.csrf;
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && !path.endsWith("/login")) {
      window.location.assign("/staff/login");
      throw new Error("Please log in");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `Request failed (${response.status})`);
    return data;
  },
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

function showError(error) {
  const box = document.getElementById("error") || document.getElementById("login-error");
  if (box) box.textContent = error ? error.message : "";
}

function row(cells, href) {
  const tr = document.createElement("tr");
  cells.forEach((cell, index) => {
    const td = document.createElement("td");
    if (index === 0 && href) {
      const link = el("a", cell);
      link.href = href;
      td.appendChild(link);
    } else {
      td.textContent = cell === null || cell === undefined ? "" : String(cell);
    }
    tr.appendChild(td);
  });
  return tr;
}

function fillTable(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(...rows);
}

async function startSession() {
  const session = await api.call("GET", "/staff/api/session");
  api.csrf = session.csrf_token;
  document.getElementById("who").textContent = `${session.staff.display_name} (${session.staff.role})`;
  if (session.staff.role === "admin") document.getElementById("audit-link").hidden = false;
  alerts.start(session.staff);
  document.getElementById("logout").addEventListener("click", async () => {
    await api.call("POST", "/staff/api/logout", {});
    window.location.assign("/staff/login");
  });
  return session;
}

function ago(iso) {
  if (!iso) return "";
  const minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} d`;
}

function timeAgo(iso) {
  const span = ago(iso);
  return span === "just now" || !span ? span : `${span} ago`;
}

// Alerts for the person at this console: the tab title counts the open handoffs, and a
// new handoff (or a new message on one they hold) plays a sound and, when they allowed it,
// shows a desktop notification. Notifications name the ticket, never the person's words:
// they can appear on a locked or shared screen.
const alerts = {
  me: null,
  baseTitle: document.title,
  seen: null, // ticket id -> the last user message time already alerted on
  audio: null,

  start(staff) {
    this.me = staff;
    const button = document.getElementById("alerts");
    const show = () => {
      const granted = "Notification" in window && Notification.permission === "granted";
      button.textContent = granted ? "Alerts on" : "Turn on alerts";
      button.setAttribute("aria-pressed", String(granted));
    };
    button.addEventListener("click", async () => {
      // A sound may only start after a click on the page (browsers' autoplay rules).
      this.audio = this.audio || new (window.AudioContext || window.webkitAudioContext)();
      if ("Notification" in window && Notification.permission === "default") await Notification.requestPermission();
      show();
      this.beep(1);
    });
    show();
  },

  beep(times) {
    if (!this.audio) return;
    for (let i = 0; i < times; i += 1) {
      const tone = this.audio.createOscillator();
      const volume = this.audio.createGain();
      volume.gain.value = 0.15;
      tone.frequency.value = 880;
      tone.connect(volume).connect(this.audio.destination);
      const at = this.audio.currentTime + i * 0.35;
      tone.start(at);
      tone.stop(at + 0.2);
    }
  },

  notify(title, ticket) {
    if ("Notification" in window && Notification.permission === "granted") {
      const note = new Notification(title, { tag: `handoff-${ticket.id}`, body: "Open the staff console to answer." });
      note.onclick = () => { window.focus(); window.location.assign(`/staff/tickets/${ticket.id}`); };
    }
    this.beep(ticket.priority === "urgent" ? 3 : 1);
  },

  update(snapshot) {
    const open = snapshot.items.filter((t) => t.status === "open");
    const urgent = open.filter((t) => t.priority === "urgent").length;
    document.title = (open.length ? `(${open.length}${urgent ? `, ${urgent} urgent` : ""}) ` : "") + this.baseTitle;
    const first = this.seen === null;
    const seen = new Map();
    for (const t of snapshot.items) {
      seen.set(t.id, t.last_user_at);
      if (first) continue;
      const mine = t.assigned_staff && this.me && t.assigned_staff.id === this.me.id;
      if (!this.seen.has(t.id)) {
        this.notify(`${t.priority === "urgent" ? "URGENT handoff" : "New handoff"} #${t.id}`, t);
      } else if (mine && t.awaiting_reply && t.last_user_at && t.last_user_at !== this.seen.get(t.id)) {
        this.notify(`New message on handoff #${t.id}`, t);
      }
    }
    this.seen = seen;
  },
};

// Every page but login keeps the event stream open (bot/web/staff_events.py). While it is
// down the page polls the same snapshot every few seconds, and says so; the browser
// reconnects the stream by itself, or the page does after an error it will not retry.
function liveEvents({ ticket, onQueue, onTicket, onDelivery }) {
  const status = document.getElementById("live-status");
  let source = null;
  let polling = null;
  let retry = null;
  const queue = (snapshot) => { alerts.update(snapshot); if (onQueue) onQueue(snapshot); };
  const poll = async () => {
    try {
      queue(await api.call("GET", "/staff/api/queue"));
      if (onTicket) await onTicket();
      showError(null);
    } catch (error) { showError(error); }
  };
  const startPolling = () => {
    status.textContent = "Reconnecting… (checking every 5 s)";
    if (!polling) { poll(); polling = setInterval(poll, 5000); }
  };
  const connect = () => {
    source = new EventSource(ticket ? `/staff/api/events?ticket=${encodeURIComponent(ticket)}` : "/staff/api/events");
    source.addEventListener("open", () => {
      status.textContent = "Live";
      clearInterval(polling);
      polling = null;
    });
    source.addEventListener("queue", (event) => queue(JSON.parse(event.data)));
    source.addEventListener("ticket", () => { if (onTicket) onTicket().catch(showError); });
    source.addEventListener("delivery", (event) => { if (onDelivery) onDelivery(JSON.parse(event.data)); });
    source.addEventListener("logout", () => window.location.assign("/staff/login"));
    source.addEventListener("error", () => {
      startPolling();
      if (source.readyState === EventSource.CLOSED) {
        clearTimeout(retry);
        retry = setTimeout(connect, 10000);
      }
    });
  };
  connect();
}

// One turn of the transcript. Bot and staff text is rendered as the person saw it (bold,
// links, lists); the person's own words stay plain text.
function turnItem(turn) {
  const item = el("li", null, `turn ${turn.speaker}`);
  const who = turn.speaker === "staff" ? `Staff (${turn.staff_name})` : turn.speaker;
  const meta = el("div", `${who} · ${when(turn.at)}`, "meta about");
  if (turn.speaker === "bot") meta.append(...whyTheBotSaidIt(turn));
  if (turn.speaker === "user" && turn.payload) meta.appendChild(el("span", ` · chose a button (${turn.payload})`));
  if (turn.speaker === "user" && turn.crisis_tier) meta.appendChild(safetyNet(turn));
  if (turn.speaker === "staff" && turn.delivery) {
    // What the person's channel made of the reply: never shown as sent when it was refused.
    meta.appendChild(turn.delivery.status === "delivered"
      ? el("span", " · delivered", "delivered")
      : el("span", ` · NOT delivered: ${turn.delivery.reason || "refused"}`, "refused"));
  }
  const text = el("div", null, "text");
  if (turn.speaker === "bot" || turn.speaker === "staff") renderMarkdown(turn.text, text);
  else text.textContent = turn.text;
  item.append(meta, text);
  if (turn.buttons && turn.buttons.length) item.appendChild(el("div", `Buttons: ${turn.buttons.join(" | ")}`, "meta buttons"));
  return item;
}

// How the web visitor chose to hear of replies while their page is closed (never the address).
function contactSummary(contact) {
  if (!contact) return "";
  if (contact.choice === "device") return " · kept on their device";
  if (contact.choice === "telegram") return " · continues in their Telegram chat (replies go there)";
  const emailed = contact.email_pending ? "an email waits to be sent"
    : contact.last_email_at ? `last emailed ${when(contact.last_email_at)}` : "not emailed yet";
  return ` · asked for an email when a reply waits (${emailed})`;
}

const TIER_NAMES = { crisis: "crisis protocol", check: "check-in asked" };

function safetyNet(turn) {
  return el("span", ` · safety net: ${TIER_NAMES[turn.crisis_tier] || turn.crisis_tier}`, "refused");
}

function score(value) {
  return typeof value === "number" ? value.toFixed(2) : "?";
}

// The FAQ topic the bot chose and how sure it was, with the close alternatives: an answer
// chosen at 0.29 must not look like a sure one.
function whyTheBotSaidIt(turn) {
  const parts = [];
  if (turn.crisis_tier) parts.push(safetyNet(turn));
  if (turn.topic) {
    const unsure = typeof turn.topic_confidence === "number" && turn.topic_confidence < 0.5;
    parts.push(el("span", ` · topic ${turn.topic} (${score(turn.topic_confidence)})`, unsure ? "why unsure" : "why"));
    if (turn.alternatives && turn.alternatives.length) {
      parts.push(el("span", ` · close: ${turn.alternatives.map((a) => `${a.topic} (${score(a.confidence)})`).join(", ")}`, "why"));
    }
  } else if (turn.intent) {
    parts.push(el("span", ` · after intent ${turn.intent} (${score(turn.confidence)})`, "why"));
  }
  return parts;
}

// **bold**, *italic*, [title](https://…) and bare https:// links, paragraphs and "- " lists,
// built as DOM nodes: no text is ever parsed as HTML. Links go to http(s) only.
const INLINE = /\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)'])/g;

function appendInline(parent, line) {
  let last = 0;
  for (const match of line.matchAll(INLINE)) {
    if (match.index > last) parent.appendChild(document.createTextNode(line.slice(last, match.index)));
    const [, bold, italic, title, href, bare] = match;
    if (bold !== undefined) parent.appendChild(el("strong", bold));
    else if (italic !== undefined) parent.appendChild(el("em", italic));
    else {
      const anchor = el("a", title !== undefined ? title : bare);
      anchor.href = title !== undefined ? href : bare;
      anchor.target = "_blank";
      anchor.rel = "noopener noreferrer";
      parent.appendChild(anchor);
    }
    last = match.index + match[0].length;
  }
  if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
}

function renderMarkdown(text, container) {
  let block = null;
  for (const line of String(text || "").split(/\r?\n/)) {
    const bullet = /^\s*[-*•]\s+(.*)$/.exec(line);
    if (!line.trim()) { block = null; continue; }
    if (bullet) {
      if (!block || block.tagName !== "UL") block = container.appendChild(el("ul"));
      appendInline(block.appendChild(el("li")), bullet[1]);
    } else {
      if (!block || block.tagName !== "P") block = container.appendChild(el("p"));
      else block.appendChild(el("br"));
      appendInline(block, line);
    }
  }
}

const pages = {
  async login() {
    document.getElementById("login-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api.call("POST", "/staff/api/login", {
          email: document.getElementById("email").value,
          password: document.getElementById("password").value,
        });
        window.location.assign("/staff");
      } catch (error) {
        showError(error);
      }
    });
  },

  async queue() {
    await startSession();
    let latest = null;
    const render = (snapshot) => {
      latest = snapshot;
      const c = snapshot.counts;
      document.getElementById("counts").textContent =
        `${c.open} open · ${c.claimed} claimed · ${c.resolved} resolved`;
      fillTable("queue", snapshot.items.map((t) => {
        // An open ticket waits since it was opened; a claimed one since the person's message
        // that no one has answered yet.
        const waitingSince = t.status === "open" ? t.created_at : (t.awaiting_reply ? t.last_user_at : null);
        const waiting = waitingSince ? `${ago(waitingSince)}${t.status === "claimed" ? " unanswered" : ""}` : "";
        const tr = row([`#${t.id}`, t.priority, t.status, t.channel, t.reason, waiting, "",
          t.assigned_staff ? t.assigned_staff.display_name : ""], `/staff/tickets/${t.id}`);
        const last = tr.children[6];
        if (t.last_user_preview) {
          last.append(el("span", t.last_user_preview, "preview"), el("span", ` · ${timeAgo(t.last_user_at)}`, "meta"));
        }
        if (t.last_reply_delivery && t.last_reply_delivery.status !== "delivered") {
          last.append(el("div", "Last staff reply NOT delivered yet", "refused"));
        }
        if (t.priority === "urgent") tr.classList.add("urgent");
        return tr;
      }));
    };
    liveEvents({ onQueue: render });
    // The waiting times move on between events.
    setInterval(() => { if (latest) render(latest); }, 30000);
  },

  async ticket() {
    const session = await startSession();
    const id = window.location.pathname.split("/").pop();
    const outcome = document.getElementById("outcome");
    outcome.replaceChildren(...session.outcomes.map((name) => el("option", name)));
    const transcript = document.getElementById("transcript");
    const reply = document.getElementById("reply");
    const warning = document.getElementById("resolve-warning");
    let unanswered = false;

    const [people, canned] = await Promise.all([
      api.call("GET", "/staff/api/staff"), api.call("GET", "/staff/api/canned-replies")]);
    const assignTo = document.getElementById("assign-to");
    assignTo.replaceChildren(...people.items.filter((p) => p.id !== session.staff.id).map((p) => {
      const option = el("option", p.display_name);
      option.value = p.id;
      return option;
    }));
    const cannedSelect = document.getElementById("canned");
    cannedSelect.append(...canned.items.map((c) => {
      const option = el("option", c.title);
      option.value = c.key;
      return option;
    }));
    // A prepared reply goes into the box to be read and edited, never straight to the person.
    cannedSelect.addEventListener("change", () => {
      const chosen = canned.items.find((c) => c.key === cannedSelect.value);
      if (!chosen) return;
      reply.value = chosen.text.split("{staff_name}").join(session.staff.display_name);
      cannedSelect.value = "";
      reply.focus();
    });

    const render = (data) => {
      const t = data.ticket;
      document.getElementById("title").textContent = `Handoff #${t.id} (${t.priority})`;
      document.getElementById("summary").textContent =
        `${t.status} · ${t.channel} · ${t.reason} · opened ${when(t.created_at)}` +
        (t.assigned_staff ? ` · claimed by ${t.assigned_staff.display_name}` : "") +
        (t.outcome ? ` · outcome ${t.outcome}` : "") +
        (t.satisfaction ? ` · rated ${t.satisfaction} of 5 by the person` : "") + contactSummary(data.contact);
      const mine = t.assigned_staff && t.assigned_staff.id === session.staff.id;
      const mayHandOn = t.status === "claimed" && (mine || session.staff.role === "admin");
      document.getElementById("claim").disabled = t.status !== "open";
      document.getElementById("release").disabled = !mayHandOn;
      document.getElementById("assign").disabled = !mayHandOn || !assignTo.options.length;
      document.getElementById("resolve").disabled = !(t.status === "claimed" && mine);
      document.querySelector("#reply-form button").disabled = !(t.status === "claimed" && mine);
      if (t.status !== "claimed") warning.hidden = true;
      document.getElementById("paused").textContent = data.transcript_error
        ? `Transcript unavailable: ${data.transcript_error}`
        : (data.paused ? "The bot is paused: only staff answer this person." : "The bot is answering.");
      // Keep the newest message in view, unless staff scrolled up to read.
      const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
      transcript.replaceChildren(...data.transcript.map(turnItem));
      if (atBottom || !transcript.dataset.shown) transcript.scrollTop = transcript.scrollHeight;
      transcript.dataset.shown = "yes";
      const spoken = data.transcript.filter((turn) => turn.speaker === "user" || turn.speaker === "staff");
      unanswered = Boolean(data.paused) && spoken.length > 0 && spoken[spoken.length - 1].speaker === "user";
      document.getElementById("notes").replaceChildren(...data.notes.map((note) => {
        const item = el("li");
        item.append(el("div", `${note.staff.display_name} · ${when(note.created_at)}`, "meta"), el("div", note.text));
        return item;
      }));
    };
    // Only a page on screen tells the visitor's widget their messages were seen.
    const refresh = async () => render(await api.call("GET",
      `/staff/api/handoffs/${id}${document.visibilityState === "visible" ? "?seen=1" : ""}`));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") refresh().catch(showError);
    });
    const act = async (work) => {
      try { await work(); await refresh(); showError(null); } catch (error) { showError(error); }
    };
    const resolve = () => act(async () => {
      warning.hidden = true;
      await api.call("POST", `/staff/api/handoffs/${id}/resolve`, { outcome: outcome.value });
    });
    document.getElementById("claim").addEventListener("click", () =>
      act(() => api.call("POST", `/staff/api/handoffs/${id}/claim`, {})));
    document.getElementById("release").addEventListener("click", () =>
      act(() => api.call("POST", `/staff/api/handoffs/${id}/release`, {})));
    document.getElementById("assign").addEventListener("click", () =>
      act(() => api.call("POST", `/staff/api/handoffs/${id}/assign`, { staff_id: Number(assignTo.value) })));
    document.getElementById("resolve").addEventListener("click", () => {
      if (!unanswered) { resolve(); return; }
      warning.hidden = false;
      document.getElementById("resolve-anyway").focus();
    });
    document.getElementById("resolve-anyway").addEventListener("click", resolve);
    document.getElementById("resolve-cancel").addEventListener("click", () => { warning.hidden = true; reply.focus(); });
    document.getElementById("reply-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act(async () => {
        const sent = await api.call("POST", `/staff/api/handoffs/${id}/messages`, { text: reply.value });
        reply.value = "";
        if (sent.delivery && sent.delivery.status !== "delivered") {
          throw new Error(`Your reply is in the transcript but did NOT reach the person: ${sent.delivery.reason}` +
            (sent.email_notice ? ". They will get an email that a reply is waiting." : ""));
        }
      });
    });
    document.getElementById("note-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const box = document.getElementById("note");
      act(async () => { await api.call("POST", `/staff/api/handoffs/${id}/notes`, { text: box.value }); box.value = ""; });
    });
    // Said as the channel records it, also for a reply delivered later (the widget reconnecting).
    const deliveryNews = document.getElementById("delivery-news");
    const onDelivery = (delivery) => {
      deliveryNews.textContent = delivery.status === "delivered"
        ? `A staff reply reached the person (${when(new Date().toISOString())}).`
        : `A staff reply did NOT reach the person yet: ${delivery.reason || "refused"}.`;
      deliveryNews.classList.toggle("refused", delivery.status !== "delivered");
    };
    await refresh();
    liveEvents({ ticket: id, onTicket: refresh, onDelivery });
  },

  async review() {
    const session = await startSession();
    const form = document.getElementById("filters");
    form.outcome.append(...session.outcomes.map((name) => el("option", name)));
    const people = await api.call("GET", "/staff/api/staff");
    form.staff_id.append(...people.items.map((p) => {
      const option = el("option", p.display_name);
      option.value = p.id;
      return option;
    }));
    const search = async () => {
      const query = new URLSearchParams();
      for (const [key, value] of new FormData(form)) if (value) query.set(key, value);
      query.set("limit", "200");
      const data = await api.call("GET", `/staff/api/handoffs?${query}`);
      fillTable("results", data.items.map((t) => row([`#${t.id}`, t.priority, t.status, t.outcome,
        when(t.created_at), when(t.resolved_at), t.assigned_staff ? t.assigned_staff.display_name : ""],
        `/staff/tickets/${t.id}`)));
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); search().catch(showError); });
    search().catch(showError);
    liveEvents({});
  },

  async reports() {
    await startSession();
    liveEvents({});
    const form = document.getElementById("range");
    const charts = {};
    // Chart.js (vendored from npm, vendor/chart.umd.min.js): one chart per question, each
    // with its numbers in a sentence above it, which is also the canvas's accessible name.
    const draw = (id, summary, config) => {
      document.getElementById(`${id}-summary`).textContent = summary;
      const canvas = document.getElementById(`${id}-chart`);
      canvas.setAttribute("aria-label", summary);
      if (charts[id]) charts[id].destroy();
      charts[id] = new Chart(canvas, { ...config, options: {
        responsive: true, maintainAspectRatio: false, animation: false, ...config.options } });
    };
    const minutes = (m) => (m === null || m === undefined ? "–" : m < 90 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`);
    const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 100)}%`);
    const show = async () => {
      const query = new URLSearchParams();
      for (const [key, value] of new FormData(form)) if (value) query.set(key, value);
      const r = await api.call("GET", `/staff/api/reports?${query}`);
      form.from.value = r.from;
      form.to.value = r.to;
      const days = r.handoffs.per_day.map((d) => d.day.slice(5));
      draw("per-day", `${r.handoffs.total} handoffs (${r.handoffs.urgent} urgent); ` +
        `${percent(r.handoffs.out_of_hours_share)} opened out of hours.`, {
        type: "bar",
        data: { labels: days, datasets: [
          { label: "urgent", data: r.handoffs.per_day.map((d) => d.urgent), backgroundColor: "#a40000" },
          { label: "normal", data: r.handoffs.per_day.map((d) => d.normal), backgroundColor: "#0b5394" }] },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      });
      const first = r.minutes_to_first_reply, done = r.minutes_to_resolution;
      draw("times", `First staff reply: median ${minutes(first.median)}, 90% within ${minutes(first.p90)} ` +
        `(${first.n} handoffs). Resolved: median ${minutes(done.median)}, 90% within ${minutes(done.p90)} (${done.n}).`, {
        type: "bar",
        data: { labels: ["to first reply", "to resolution"], datasets: [
          { label: "median (min)", data: [first.median, done.median], backgroundColor: "#0b5394" },
          { label: "90th percentile (min)", data: [first.p90, done.p90], backgroundColor: "#7a9cc6" }] },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: "minutes" } } } },
      });
      const sat = r.satisfaction;
      draw("satisfaction", sat.n ? `${sat.n} answers, average ${sat.mean} of 5.` : "No answers in these days yet.", {
        type: "bar",
        data: { labels: ["1", "2", "3", "4", "5"], datasets: [
          { label: "answers", data: ["1", "2", "3", "4", "5"].map((k) => sat.counts[k]), backgroundColor: "#1e6b2e" }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
      draw("topics", r.topics.length
        ? `Most asked: ${r.topics.slice(0, 3).map((t) => `${t.topic.replace(/^faq\//, "")} (${t.count})`).join(", ")}.`
        : "No questions in these days yet.", {
        type: "bar",
        data: { labels: r.topics.map((t) => t.topic.replace(/^faq\//, "")), datasets: [
          { label: "questions", data: r.topics.map((t) => t.count), backgroundColor: "#0b5394" }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
      draw("unanswered", `${r.unanswered.total} of ${r.messages} messages (${percent(r.unanswered.share)}) got "could you put it another way?".`, {
        type: "line",
        data: { labels: days, datasets: [
          { label: "not understood", data: r.unanswered.per_day.map((d) => d.count), borderColor: "#a40000", backgroundColor: "#a40000" }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
      showError(null);
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); show().catch(showError); });
    await show();
  },

  async audit() {
    await startSession();
    liveEvents({});
    const data = await api.call("GET", "/staff/api/audit");
    fillTable("audit", data.items.map((e) => row([when(e.at), e.staff ? e.staff.display_name : "",
      e.action, e.ticket_id ? `#${e.ticket_id}` : "", e.detail])));
  },
};

document.addEventListener("DOMContentLoaded", () => {
  const page = pages[document.body.dataset.page];
  if (page) page().catch(showError);
});
