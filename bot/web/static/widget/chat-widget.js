/*!
 * Chat widget of the PTSD psychoeducation assistant (Rasa socket.io channel).
 *
 * Embed it with one script tag; nothing to build:
 *
 *   <script src="https://clinic.example/widget/chat-widget.js"
 *           data-server="https://bot.clinic.example"
 *           data-title="Ask about PTSD"
 *           data-primary-color="#0b5394"
 *           data-greeting="Hi! Ask me about PTSD..."
 *           defer></script>
 *
 * Settings, as data-* attributes of that script tag or as a `window.ChatWidgetConfig`
 * object set before the script runs (the object wins over the attributes):
 *
 *   attribute            ChatWidgetConfig key  what it sets
 *   data-server          server                where the Rasa server is (its socket.io channel);
 *                                              a path in it (https://x/rasa) becomes the socket path
 *   data-socket-path     socketPath            socket.io path, default "<path of server>/socket.io"
 *   data-title           title                 launcher text and panel title ("Chat with us")
 *   data-greeting        greeting              first message shown locally, never sent to the bot
 *   data-primary-color   primaryColor          hex colour of header, launcher, your messages (#0b5394);
 *                                              text on it turns dark when the colour is light
 *   data-exit-url        exitUrl               where "Leave quickly" goes (https://www.bbc.co.uk/weather)
 *   data-api-base        apiBase               web app for "Delete my conversation"; default the
 *                                              origin this script was loaded from
 *   data-footer-note     footerNote            small print under the input
 *   (none)               texts                 {key: text} replacing any of texts.json
 *
 * The socket.io client (vendor/socket.io.min.js) and chat-widget.css are loaded from the
 * same folder as this script. Everything is drawn in an open shadow root, so the host
 * page's CSS does not reach it and its CSS does not leak out. A host page with a
 * Content-Security-Policy must allow this script's origin in script-src and style-src,
 * the Rasa origin (https: and wss:) in connect-src, and the web app origin (texts.json,
 * "Delete my conversation") in connect-src.
 *
 * Protocol: Rasa's socket.io channel with session_persistence. On every (re)connect the
 * widget emits `session_request` {session_id} and waits for `session_confirm` before it
 * sends anything; every `user_uttered` carries {message, session_id}. The session id is a
 * token the server signed (an id it did not issue gets a fresh conversation); it is also
 * what proves ownership when the visitor deletes the conversation. It and
 * the rendered history live in sessionStorage, so a reload keeps the conversation (Rasa
 * does not replay it): after a reload or a dropped connection the widget asks the web app
 * for the conversation's bot and staff messages (POST /api/conversations/history, with the
 * session token) and shows what it missed. The handoff texts carry custom JSON
 * {handoff: {state, staff_from}}: while a person is awaited the header says "Waiting for
 * staff", a banner says when staff will answer in the visitor's own time zone, and no
 * typing indicator shows. The banner offers to keep the conversation on this device and,
 * when the handoff JSON says email_notice, to email the visitor when a reply waits
 * (POST /api/conversations/contact with the session token) and, when it says
 * telegram_link, a one-time t.me link that carries the conversation to Telegram
 * (POST /api/conversations/telegram-link). Meanwhile it asks POST /api/conversations/status
 * every 15 s, and marks what the visitor wrote for staff "Seen by staff" once a member of
 * staff had the conversation on screen. Bot and staff text is
 * rendered with createElement/textContent only: **bold**, "- " lists and http(s) links,
 * never as HTML.
 */
(function () {
  "use strict";

  if (window.__ptsdChatWidget) {
    return;
  }
  window.__ptsdChatWidget = true;

  var STORAGE_KEY = "ptsd-chat-widget";
  var MAX_STORED_MESSAGES = 200;
  var TYPING_TIMEOUT_MS = 8000;
  // While staff are awaited: how often to ask whether they have seen the conversation.
  var STAFF_WATCH_MS = 15000;
  var TOO_FAST_TOLD_EVERY_MS = 30000;
  var CATCH_UP_WAIT_MS = 3000;
  var DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather";

  // ---------------------------------------------------------------- where we came from

  function findOwnScript() {
    if (document.currentScript) {
      return document.currentScript;
    }
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/chat-widget\.js(\?|#|$)/.test(scripts[i].src || "")) {
        return scripts[i];
      }
    }
    return null;
  }

  var ownScript = findOwnScript();
  var scriptUrl = new URL(ownScript && ownScript.src ? ownScript.src : location.href, location.href);
  var ASSET_BASE = new URL(".", scriptUrl).href;

  // ---------------------------------------------------------------- texts

  // Every visitor-facing word is in texts.json beside this script (reviewed with the
  // assistant's other texts); a page may override any of them with ChatWidgetConfig.texts.
  var TEXTS = {};

  function say(key, values) {
    var text = typeof TEXTS[key] === "string" ? TEXTS[key] : key;
    return text.replace(/\{([a-z_]+)\}/g, function (whole, name) {
      return values && typeof values[name] === "string" ? values[name] : whole;
    });
  }

  function loadTexts(attempt) {
    return fetch(ASSET_BASE + "texts.json", { credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        throw new Error("texts.json answered " + response.status);
      }
      return response.json();
    }).then(function (texts) {
      var overrides = window.ChatWidgetConfig && window.ChatWidgetConfig.texts;
      Object.keys(texts).forEach(function (key) {
        TEXTS[key] = overrides && typeof overrides[key] === "string" ? overrides[key] : texts[key];
      });
    }).catch(function (error) {
      if (attempt >= 4) {
        throw error;
      }
      return new Promise(function (resolve) { setTimeout(resolve, 1000 * Math.pow(2, attempt)); })
        .then(function () { return loadTexts(attempt + 1); });
    });
  }

  // ---------------------------------------------------------------- configuration

  function readConfig() {
    var config = {
      server: scriptUrl.origin,
      socketPath: "",
      title: "",
      greeting: "",
      primaryColor: "#0b5394",
      exitUrl: DEFAULT_EXIT_URL,
      apiBase: scriptUrl.origin,
      footerNote: ""
    };
    var data = (ownScript && ownScript.dataset) || {};
    var fromObject = window.ChatWidgetConfig && typeof window.ChatWidgetConfig === "object" ? window.ChatWidgetConfig : {};
    Object.keys(config).forEach(function (key) {
      if (typeof data[key] === "string" && data[key] !== "") {
        config[key] = data[key];
      }
      if (typeof fromObject[key] === "string" && fromObject[key] !== "") {
        config[key] = fromObject[key];
      }
    });
    config.title = config.title || say("title");
    config.footerNote = config.footerNote || say("footer_note");
    config.exitUrl = httpUrl(config.exitUrl) || DEFAULT_EXIT_URL;
    config.apiBase = (httpUrl(config.apiBase) || scriptUrl.origin).replace(/\/+$/, "");
    var server = new URL(config.server, location.href);
    config.serverOrigin = server.origin;
    config.socketPath = config.socketPath || server.pathname.replace(/\/+$/, "") + "/socket.io";
    return config;
  }

  /** The URL if it is http(s), else null: the only links and destinations the widget accepts. */
  function httpUrl(value) {
    try {
      var url = new URL(value, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // ---------------------------------------------------------------- colours (WCAG AA)

  function hexToRgb(hex) {
    var match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex).trim());
    if (!match) {
      return null;
    }
    var digits = match[1].length === 3 ? match[1].replace(/(.)/g, "$1$1") : match[1];
    return [0, 2, 4].map(function (i) { return parseInt(digits.slice(i, i + 2), 16); });
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a), lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  /** CSS custom properties for the primary colour, with text colours that keep 4.5:1. */
  function colourProperties(primary) {
    var rgb = hexToRgb(primary) || hexToRgb("#0b5394");
    var hex = "#" + rgb.map(function (v) { return ("0" + v.toString(16)).slice(-2); }).join("");
    var white = [255, 255, 255];
    return {
      "--cw-primary": hex,
      "--cw-on-primary": contrast(rgb, white) >= 4.5 ? "#ffffff" : "#1a1a1a",
      // The primary colour used as text or border on white, when it is dark enough for that.
      "--cw-primary-ink": contrast(rgb, white) >= 4.5 ? hex : "#1a1a1a"
    };
  }

  // ---------------------------------------------------------------- storage

  /**
   * Where the conversation is kept: this tab only (sessionStorage), unless the visitor chose
   * to keep it on this device (localStorage), which survives closing the tab until "Leave
   * quickly" or "Delete" wipes it.
   */
  function storage(onDevice) {
    try {
      return onDevice ? window.localStorage : window.sessionStorage;
    } catch (error) {
      return null;
    }
  }

  function keptOnDevice() {
    try {
      return !!(window.localStorage && window.localStorage.getItem(STORAGE_KEY));
    } catch (error) {
      return false;
    }
  }

  function loadState() {
    var empty = { sessionId: null, messages: [], received: 0 };
    var onDevice = keptOnDevice();
    var store = storage(onDevice);
    if (!store) {
      return empty;
    }
    try {
      var saved = JSON.parse(store.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        var messages = saved.messages.filter(function (m) { return m && typeof m.text === "string"; });
        return {
          sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
          messages: messages,
          received: typeof saved.received === "number" ? saved.received
            : messages.filter(function (m) { return m.role !== "user"; }).length,
          handoff: saved.handoff && typeof saved.handoff === "object" ? saved.handoff : null,
          emailNotice: saved.emailNotice === true,
          telegram: saved.telegram === true,
          onDevice: onDevice
        };
      }
    } catch (error) { /* unreadable: start afresh */ }
    return empty;
  }

  function saveState(state) {
    var store = storage(!!state.onDevice);
    if (!store) {
      return;
    }
    try {
      store.setItem(STORAGE_KEY, JSON.stringify({
        sessionId: state.sessionId,
        messages: state.messages.slice(-MAX_STORED_MESSAGES),
        received: state.received || 0,
        handoff: state.handoff || null,
        emailNotice: state.emailNotice === true,
        telegram: state.telegram === true
      }));
    } catch (error) { /* full or refused: the conversation still works, it just won't survive a reload */ }
  }

  function forgetEverything() {
    [function () { return window.sessionStorage; }, function () { return window.localStorage; }].forEach(function (get) {
      try {
        var store = get();
        for (var i = store.length - 1; i >= 0; i--) {
          var key = store.key(i);
          if (key && key.indexOf(STORAGE_KEY) === 0) {
            store.removeItem(key);
          }
        }
      } catch (error) { /* storage refused */ }
    });
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "class") {
        node.className = value;
      } else if (name.slice(0, 2) === "on") {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    close: "M6 6l12 12M18 6L6 18",
    more: "M12 5.5v.01M12 12v.01M12 18.5v.01"
  };

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "cw-icon cw-icon--" + name);
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function visuallyHidden(text) {
    return el("span", { "class": "cw-visually-hidden", text: text });
  }

  // ---------------------------------------------------------------- safe markdown

  /** Links only to http(s); anything else stays plain text. */
  function link(href, title) {
    var safe = httpUrl(href);
    if (!safe || !/^https?:\/\//i.test(href)) {
      return document.createTextNode(title);
    }
    return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" },
      [title, visuallyHidden(" (opens in a new tab)")]);
  }

  /** Sentence punctuation after a bare URL is not part of it, nor is a ")" that closes nothing in it. */
  function bareUrl(url) {
    for (;;) {
      var trimmed = url.replace(/[.,;:!?'"\]]+$/, "");
      if (/\)$/.test(trimmed) && trimmed.split("(").length < trimmed.split(")").length) {
        trimmed = trimmed.slice(0, -1);
      }
      if (trimmed === url) {
        return url;
      }
      url = trimmed;
    }
  }

  /** A number to call or text, as a link a phone dials: only digits (and a leading +) reach the href. */
  function phoneLink(scheme, number) {
    var digits = number.replace(/[^\d+]/g, "").replace(/(?!^)\+/g, "");
    return el("a", { href: scheme + ":" + digits, "class": "cw-phone" }, [number]);
  }

  /**
   * **bold**, [title](url), bare http(s) URLs, and numbers to call or text ("call 116 123",
   * "call or text 988", "text HOME to 741741") as tel:/sms: links, as DOM nodes appended to parent.
   */
  function renderInline(text, parent) {
    var pattern = new RegExp([
      "\\*\\*([^*\\n]+?)\\*\\*",
      "\\[([^\\]\\n]+)\\]\\(([^()\\s]+)\\)",
      "(https?:\\/\\/[^\\s<>\"]+)",
      "\\b((?:call|phone|ring|dial)(?:\\s+or\\s+text)?\\s+)(\\+?\\d(?:[\\d ]{0,14}\\d)?)",
      "\\b(text\\s+[A-Z]{2,12}\\s+to\\s+)(\\d{3,8})"
    ].join("|"), "gi");
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      if (match[1] !== undefined) {
        var strong = el("strong");
        renderInline(match[1], strong);
        parent.appendChild(strong);
      } else if (match[2] !== undefined) {
        parent.appendChild(link(match[3], match[2]));
      } else if (match[5] !== undefined) {
        parent.appendChild(document.createTextNode(match[5]));
        parent.appendChild(phoneLink("tel", match[6]));
      } else if (match[7] !== undefined) {
        parent.appendChild(document.createTextNode(match[7]));
        parent.appendChild(phoneLink("sms", match[8]));
      } else {
        var url = bareUrl(match[4]);
        parent.appendChild(link(url, url));
        pattern.lastIndex -= match[4].length - url.length;
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  /** Paragraphs (blank lines), line breaks, "- " or "* " bullet lists. */
  function renderMarkdown(text, container) {
    var paragraph = null, list = null;
    String(text).replace(/\r\n?/g, "\n").split("\n").forEach(function (line) {
      var item = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
      if (item) {
        paragraph = null;
        if (!list) {
          list = container.appendChild(el("ul"));
        }
        renderInline(item[1], list.appendChild(el("li")));
        return;
      }
      list = null;
      if (!line.trim()) {
        paragraph = null;
        return;
      }
      if (paragraph) {
        paragraph.appendChild(el("br"));
      } else {
        paragraph = container.appendChild(el("p"));
      }
      renderInline(line, paragraph);
    });
  }

  function formatTime(ms) {
    try {
      return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    } catch (error) {
      return "";
    }
  }

  // ---------------------------------------------------------------- socket.io client

  var socketIoPromise = null;

  /** Loads vendor/socket.io.min.js once, without taking over a page's own `window.io`. */
  function loadSocketIo() {
    if (socketIoPromise) {
      return socketIoPromise;
    }
    socketIoPromise = new Promise(function (resolve, reject) {
      var hadIo = Object.prototype.hasOwnProperty.call(window, "io");
      var previous = window.io;
      var tag = document.createElement("script");
      tag.src = ASSET_BASE + "vendor/socket.io.min.js";
      tag.async = true;
      tag.onload = function () {
        var io = window.io;
        if (hadIo) {
          window.io = previous;
        } else {
          try { delete window.io; } catch (error) { window.io = undefined; }
        }
        if (typeof io === "function") {
          resolve(io);
        } else {
          socketIoPromise = null;
          reject(new Error("socket.io client did not load"));
        }
      };
      tag.onerror = function () {
        socketIoPromise = null;
        reject(new Error("socket.io client could not be loaded"));
      };
      (document.head || document.documentElement).appendChild(tag);
    });
    return socketIoPromise;
  }

  // ---------------------------------------------------------------- the widget

  function ChatWidget(config) {
    this.config = config;
    this.state = loadState();
    this.socket = null;
    this.sessionConfirmed = false;
    this.outbox = [];
    this.isOpen = false;
    this.unread = 0;
    this.typingTimer = null;
    this.connection = "idle";
    this.build();
    if (this.state.sessionId) {
      // A conversation is going on: listen now, so a staff reply raises the unread badge.
      this.connect();
    }
  }

  ChatWidget.prototype.build = function () {
    var self = this, config = this.config;
    this.host = el("div", { id: "ptsd-chat-widget", "data-chat-widget": "" });
    var shadow = this.host.attachShadow({ mode: "open" });
    this.shadow = shadow;
    var colours = colourProperties(config.primaryColor);
    Object.keys(colours).forEach(function (name) { self.host.style.setProperty(name, colours[name]); });

    var stylesheet = el("link", { rel: "stylesheet", href: ASSET_BASE + "chat-widget.css" });
    this.root = el("aside", { "class": "cw-root", "aria-label": say("chat_label", { title: config.title }), hidden: true });
    stylesheet.addEventListener("load", function () { self.root.hidden = false; });
    stylesheet.addEventListener("error", function () { self.root.hidden = false; });

    this.badge = el("span", { "class": "cw-badge", hidden: true });
    this.launcher = el("button", {
      type: "button", "class": "cw-launcher", "aria-expanded": "false", "aria-controls": "cw-panel",
      onclick: function () { self.open(); }
    }, [icon("chat"), el("span", { "class": "cw-launcher-text", text: config.title }), this.badge]);
    this.closedAnnouncer = el("div", { "class": "cw-visually-hidden", role: "status" });

    this.status = el("p", { "class": "cw-status", id: "cw-status", role: "status" });
    this.menuButton = el("button", {
      type: "button", "class": "cw-icon-button", "aria-label": say("options"), "aria-expanded": "false",
      "aria-controls": "cw-menu", onclick: function () { self.toggleMenu(); }
    }, [icon("more")]);
    this.menu = el("div", { "class": "cw-menu", id: "cw-menu", hidden: true }, [
      el("button", { type: "button", "class": "cw-menu-item", text: say("new_conversation"),
        onclick: function () { self.closeMenu(false); self.newConversation(); } }),
      el("button", { type: "button", "class": "cw-menu-item cw-menu-item--danger", text: say("delete_conversation"),
        onclick: function () { self.closeMenu(false); self.askToDelete(); } })
    ]);
    this.exitButton = el("button", {
      type: "button", "class": "cw-exit", text: say("leave_quickly"),
      title: say("leave_quickly_hint"), onclick: function () { self.leaveQuickly(); }
    });
    var closeButton = el("button", {
      type: "button", "class": "cw-icon-button", "aria-label": say("close"), onclick: function () { self.close(); }
    }, [icon("close")]);
    var header = el("div", { "class": "cw-header" }, [
      el("div", { "class": "cw-heading" }, [el("h2", { "class": "cw-title", id: "cw-title", text: config.title }), this.status]),
      el("div", { "class": "cw-actions" }, [this.exitButton,
        el("div", { "class": "cw-menu-wrap" }, [this.menuButton, this.menu]), closeButton])
    ]);

    // While a person is awaited: when staff will answer, in the visitor's own time zone.
    // ... and the choice to keep the conversation on this device, to read the reply later.
    this.bannerText = el("p", { "class": "cw-banner-text", "aria-live": "polite" });
    this.keepHint = el("p", { "class": "cw-banner-hint", text: say("keep_on_device_hint") });
    this.keepButton = el("button", { type: "button", "class": "cw-button cw-button--secondary",
      text: say("keep_on_device"), onclick: function () { self.keepOnDevice(); } });
    this.keptNote = el("p", { "class": "cw-banner-hint", text: say("kept_on_device"), hidden: true });
    // ... or, where the clinic sends email, an email that a reply is waiting (never its words).
    this.emailButton = el("button", { type: "button", "class": "cw-button cw-button--secondary", hidden: true,
      text: say("email_me"), onclick: function () { self.showEmailForm(); } });
    this.emailInput = el("input", { type: "email", id: "cw-email", "class": "cw-email-input", autocomplete: "email",
      maxlength: "254", required: true, "aria-describedby": "cw-email-hint" });
    this.emailError = el("p", { "class": "cw-confirm-error", role: "alert" });
    this.emailForm = el("form", { "class": "cw-email-form", hidden: true,
      onsubmit: function (event) { event.preventDefault(); self.saveEmail(); } }, [
      el("label", { "for": "cw-email", text: say("email_label") }), this.emailInput,
      el("button", { type: "submit", "class": "cw-button", text: say("email_save") }),
      el("p", { id: "cw-email-hint", "class": "cw-banner-hint", text: say("email_hint") }), this.emailError]);
    this.emailNote = el("p", { "class": "cw-banner-hint", text: say("email_saved"), hidden: true });
    // ... or, where the clinic has a Telegram bot, a one-time link that carries the conversation there.
    this.telegramButton = el("button", { type: "button", "class": "cw-button cw-button--secondary", hidden: true,
      text: say("telegram_continue"), onclick: function () { self.makeTelegramLink(); } });
    this.telegramLink = el("a", { "class": "cw-button", hidden: true, target: "_blank", rel: "noopener noreferrer",
      text: say("telegram_open") });
    this.telegramHint = el("p", { "class": "cw-banner-hint", hidden: true });
    this.telegramError = el("p", { "class": "cw-confirm-error", role: "alert" });
    this.telegramNote = el("p", { "class": "cw-banner-hint", text: say("telegram_joined"), hidden: true });
    this.banner = el("div", { "class": "cw-banner", role: "note", hidden: true },
      [this.bannerText, this.keepButton, this.keepHint, this.keptNote, this.emailButton, this.emailForm, this.emailNote,
       this.telegramButton, this.telegramLink, this.telegramHint, this.telegramError, this.telegramNote]);
    this.log = el("div", {
      "class": "cw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": say("conversation"), tabindex: "0"
    });
    this.typing = el("div", { "class": "cw-typing", hidden: true }, [
      el("span", { "class": "cw-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { "class": "cw-typing-text", text: say("typing") })
    ]);
    this.suggestions = el("div", { "class": "cw-suggestions", role: "group", "aria-label": say("suggested_replies"), hidden: true });

    this.confirmCancel = el("button", { type: "button", "class": "cw-button cw-button--secondary", text: say("cancel"),
      onclick: function () { self.hideConfirm(true); } });
    this.confirmError = el("p", { "class": "cw-confirm-error", role: "alert" });
    this.confirm = el("div", {
      "class": "cw-confirm", role: "alertdialog", "aria-labelledby": "cw-confirm-title",
      "aria-describedby": "cw-confirm-text", hidden: true
    }, [
      el("h3", { id: "cw-confirm-title", "class": "cw-confirm-title", text: say("delete_title") }),
      el("p", { id: "cw-confirm-text", text: say("delete_explained") }),
      this.confirmError,
      el("div", { "class": "cw-confirm-buttons" }, [
        el("button", { type: "button", "class": "cw-button cw-button--danger", text: say("delete_confirm"),
          onclick: function () { self.deleteConversation(); } }),
        this.confirmCancel
      ])
    ]);

    this.input = el("input", {
      type: "text", id: "cw-input", "class": "cw-input", autocomplete: "off", maxlength: "1000",
      enterkeyhint: "send", placeholder: say("input_placeholder")
    });
    var form = el("form", { "class": "cw-form", onsubmit: function (event) {
      event.preventDefault();
      var text = self.input.value;
      if (text.trim()) {
        self.input.value = "";
        self.send(text.trim(), text.trim());
      }
      self.input.focus();
    } }, [
      el("label", { "for": "cw-input", "class": "cw-visually-hidden", text: say("input_label") }),
      this.input,
      el("button", { type: "submit", "class": "cw-send", text: say("send") })
    ]);
    var footer = config.footerNote ? el("p", { "class": "cw-footer-note", text: config.footerNote }) : null;

    this.panel = el("div", {
      "class": "cw-panel", id: "cw-panel", role: "dialog", "aria-labelledby": "cw-title", hidden: true
    }, [header, this.banner, el("div", { "class": "cw-body" }, [this.log, this.confirm]), this.typing, this.suggestions, form, footer]);
    this.panel.addEventListener("keydown", function (event) { self.onKeydown(event); });
    // Keep the newest message in view when the panel changes size (rotation, resize,
    // suggestions appearing), unless the reader has scrolled up.
    this.pinnedToEnd = true;
    var logSize = "";
    var sizeOf = function () { return self.log.clientWidth + "x" + self.log.clientHeight; };
    this.log.addEventListener("scroll", function () {
      // A scroll caused by the resize itself (clamping) says nothing about the reader.
      if (sizeOf() === logSize) {
        self.pinnedToEnd = self.log.scrollHeight - self.log.scrollTop - self.log.clientHeight < 32;
      }
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        logSize = sizeOf();
        if (self.pinnedToEnd) {
          self.scrollToEnd();
        }
      }).observe(this.log);
    }
    document.addEventListener("click", function (event) {
      if (!self.menu.hidden && event.composedPath().indexOf(self.menu.parentNode) < 0) {
        self.closeMenu(false);
      }
    });

    this.root.appendChild(this.launcher);
    this.root.appendChild(this.panel);
    this.root.appendChild(this.closedAnnouncer);
    shadow.appendChild(stylesheet);
    shadow.appendChild(this.root);
    this.renderHistory();
    document.body.appendChild(this.host);
    this.setConnection(this.connection);
  };

  // ---------------------------------------------------------------- open, close, keys

  ChatWidget.prototype.open = function () {
    this.isOpen = true;
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    this.unread = 0;
    this.updateBadge();
    this.closedAnnouncer.textContent = "";
    this.connect();
    this.scrollToEnd();
    this.input.focus();
  };

  ChatWidget.prototype.close = function () {
    this.closeMenu(false);
    this.hideConfirm(false);
    this.isOpen = false;
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  };

  ChatWidget.prototype.onKeydown = function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      event.stopPropagation();
      if (!this.confirm.hidden) {
        this.hideConfirm(true);
      } else if (!this.menu.hidden) {
        this.closeMenu(true);
      } else {
        this.close();
      }
    } else if (event.key === "Tab" && window.matchMedia && window.matchMedia("(max-width: 480px)").matches) {
      // Full screen on a phone: keep Tab inside the panel, the page behind is covered.
      var focusable = Array.prototype.filter.call(
        this.panel.querySelectorAll("button, input, a[href], [tabindex='0']"),
        function (node) { return node.offsetParent !== null; });
      var first = focusable[0], last = focusable[focusable.length - 1];
      var active = this.shadow.activeElement;
      if (event.shiftKey && active === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };

  ChatWidget.prototype.toggleMenu = function () {
    if (this.menu.hidden) {
      this.menu.hidden = false;
      this.menuButton.setAttribute("aria-expanded", "true");
      this.menu.querySelector("button").focus();
    } else {
      this.closeMenu(true);
    }
  };

  ChatWidget.prototype.closeMenu = function (returnFocus) {
    if (this.menu.hidden) {
      return;
    }
    this.menu.hidden = true;
    this.menuButton.setAttribute("aria-expanded", "false");
    if (returnFocus) {
      this.menuButton.focus();
    }
  };

  ChatWidget.prototype.updateBadge = function () {
    this.badge.textContent = "";
    this.badge.hidden = this.unread === 0;
    if (this.unread > 0) {
      this.badge.appendChild(document.createTextNode(String(this.unread > 9 ? "9+" : this.unread)));
      this.badge.appendChild(visuallyHidden(this.unread === 1 ? " unread message" : " unread messages"));
    }
  };

  /** The newest message in view (at once: a smooth scroll is cut short when the panel's layout changes). */
  ChatWidget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
    this.pinnedToEnd = true;
  };

  // ---------------------------------------------------------------- messages

  ChatWidget.prototype.renderHistory = function () {
    this.log.textContent = "";
    this.clearSuggestions();
    if (this.config.greeting) {
      this.log.appendChild(this.messageNode({ role: "bot", text: this.config.greeting, greeting: true }, true));
    }
    this.lastNode = null;
    var messages = this.state.messages;
    for (var i = 0; i < messages.length; i++) {
      this.appendMessage(messages[i], messages[i - 1]);
    }
    var lastMessage = messages[messages.length - 1];
    if (lastMessage && lastMessage.role === "bot" && lastMessage.quickReplies) {
      this.showSuggestions(lastMessage.quickReplies);
    }
    this.renderHandoff();
  };

  ChatWidget.prototype.messageNode = function (message, startsGroup) {
    var role = message.role === "user" || message.role === "staff" ? message.role : "bot";
    var node = el("div", { "class": "cw-msg cw-msg--" + role + (startsGroup ? " cw-msg--first" : "") });
    if (role === "staff") {
      var name = message.staffName || say("staff_default_name");
      node.appendChild(el("p", { "class": "cw-sender" }, [
        el("span", { "class": "cw-avatar", "aria-hidden": "true", text: name.charAt(0).toUpperCase() }),
        el("span", { "class": "cw-sender-name", text: name }),
        el("span", { "class": "cw-staff-tag", text: say("staff_tag") }),
        el("span", { "class": "cw-sender-org", text: message.orgName ? say("staff_from_org", { org_name: message.orgName }) : say("staff_from_team") })
      ]));
    } else if (role === "bot" && startsGroup) {
      node.appendChild(el("p", { "class": "cw-sender cw-sender--bot", text: say("bot_sender") }));
    } else {
      node.appendChild(visuallyHidden(role === "user" ? say("you") : say("bot_sender_hidden")));
    }
    var bubble = el("div", { "class": "cw-bubble" });
    if (role === "user") {
      bubble.appendChild(el("p", { text: message.text }));
    } else {
      renderMarkdown(message.text, bubble);
    }
    node.appendChild(bubble);
    if (role === "user" && message.seenByStaff) {
      node.appendChild(el("p", { "class": "cw-seen", text: say("seen_by_staff") }));
    }
    if (message.ts) {
      node.appendChild(el("time", { "class": "cw-time", datetime: new Date(message.ts).toISOString(), text: formatTime(message.ts) }));
    }
    return node;
  };

  /** Consecutive messages from one sender form a group: one label, one time (on the last). */
  ChatWidget.prototype.appendMessage = function (message, previous) {
    var startsGroup = previous ? previous.role !== message.role || previous.staffName !== message.staffName
      : !(this.config.greeting && message.role === "bot");
    if (!startsGroup && this.lastNode && message.ts - (previous ? previous.ts : 0) < 60000) {
      var time = this.lastNode.querySelector(".cw-time");
      if (time) {
        time.hidden = true;
      }
    }
    this.lastNode = this.log.appendChild(this.messageNode(message, startsGroup));
  };

  ChatWidget.prototype.addMessage = function (message) {
    var previous = this.state.messages[this.state.messages.length - 1];
    this.state.messages.push(message);
    saveState(this.state);
    this.appendMessage(message, previous);
    this.scrollToEnd();
  };

  ChatWidget.prototype.addNotice = function (text) {
    this.lastNode = null;
    this.log.appendChild(el("p", { "class": "cw-notice", text: text }));
    this.scrollToEnd();
  };

  /**
   * Said instead of an answer (the message was not read): it may have been a crisis, so
   * the emergency number and the crisis lines the server sent come with it, as links.
   */
  ChatWidget.prototype.addUnreadNotice = function (key, data) {
    this.setTyping(false);
    this.lastNode = null;
    var notice = el("div", { "class": "cw-notice", role: "alert" }, [el("p", { text: say(key) })]);
    if (typeof data.crisis_lines === "string" && data.crisis_lines) {
      var number = typeof data.emergency_number === "string" ? data.emergency_number : "";
      renderMarkdown(say("unread_crisis_lines", { emergency_number: number }) + "\n" + data.crisis_lines, notice);
    }
    this.log.appendChild(notice);
    this.scrollToEnd();
  };

  ChatWidget.prototype.showSuggestions = function (replies) {
    var self = this;
    this.clearSuggestions();
    replies.forEach(function (reply) {
      if (!reply || typeof reply.title !== "string") {
        return;
      }
      var payload = typeof reply.payload === "string" && reply.payload ? reply.payload : reply.title;
      self.suggestions.appendChild(el("button", {
        type: "button", "class": "cw-suggestion", text: reply.title,
        onclick: function () {
          self.send(payload, reply.title);
          self.input.focus();
        }
      }));
    });
    this.suggestions.hidden = !this.suggestions.firstChild;
    this.scrollToEnd();
  };

  ChatWidget.prototype.clearSuggestions = function () {
    this.suggestions.textContent = "";
    this.suggestions.hidden = true;
  };

  ChatWidget.prototype.setTyping = function (on) {
    var self = this;
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    this.scrollToEnd();
    if (on) {
      this.typingTimer = setTimeout(function () { self.typing.hidden = true; }, TYPING_TIMEOUT_MS);
    }
  };

  /** Sends `payload` to the bot and shows `shown` as the user's message. */
  ChatWidget.prototype.send = function (payload, shown) {
    // A message written while a person is awaited gets "Seen by staff" once they have seen it.
    this.addMessage({ role: "user", text: shown, ts: Date.now(), forStaff: !!this.state.handoff });
    this.clearSuggestions();
    this.outbox.push(payload);
    // While a person is awaited or has the conversation the bot is quiet: no "typing" then.
    var answered = this.state.messages.filter(function (m) { return m.role !== "user"; }).pop();
    this.setTyping(!this.state.handoff && (!answered || answered.role !== "staff"));
    this.connect();
    this.flush();
  };

  ChatWidget.prototype.flush = function () {
    while (this.outbox.length && this.socket && this.socket.connected && this.sessionConfirmed && !this.catchingUp) {
      this.socket.emit("user_uttered", { message: this.outbox.shift(), session_id: this.state.sessionId });
    }
  };

  ChatWidget.prototype.receive = function (data) {
    if (data && typeof data === "object" && data.handoff && typeof data.handoff === "object") {
      this.setHandoff(data.handoff);
      return;
    }
    if (data && typeof data === "object" && data.not_handled === true) {
      this.addUnreadNotice("not_handled", data);
      return;
    }
    if (data && typeof data === "object" && data.throttled === true) {
      // The server refused a message sent far too fast: say so once in a while, not once per message.
      this.setTyping(false);
      if (!this.toldTooFastAt || Date.now() - this.toldTooFastAt > TOO_FAST_TOLD_EVERY_MS) {
        this.toldTooFastAt = Date.now();
        this.addUnreadNotice("too_fast", data);
      }
      return;
    }
    var message = messageFromServer(data);
    if (!message) {
      return;
    }
    if (this.catchingUp) {
      this.heldBack.push(message);  // shown once the catch-up knows whether it has it
      return;
    }
    this.show(message);
  };

  /** A bot or staff message as Rasa's socket.io channel sends it (or the history endpoint), else null. */
  function messageFromServer(data) {
    if (!data || typeof data !== "object") {
      return null;
    }
    var message;
    if (data.staff_reply === true && typeof data.text === "string") {
      message = {
        role: "staff", text: data.text, ts: Date.now(),
        staffName: typeof data.staff_name === "string" ? data.staff_name : "",
        orgName: typeof data.org_name === "string" ? data.org_name : ""
      };
    } else if (typeof data.text === "string" && data.text.trim()) {
      message = { role: "bot", text: data.text, ts: Date.now() };
      var replies = Array.isArray(data.quick_replies) ? data.quick_replies : (Array.isArray(data.buttons) ? data.buttons : []);
      replies = replies.filter(function (r) { return r && typeof r.title === "string"; })
        .map(function (r) { return { title: r.title, payload: typeof r.payload === "string" ? r.payload : r.title }; });
      if (replies.length) {
        message.quickReplies = replies;
      }
    } else {
      return null;
    }
    return message;
  }

  ChatWidget.prototype.show = function (message) {
    this.state.received = (this.state.received || 0) + 1;
    if (message.role === "staff" && this.state.handoff && this.state.handoff.state === "waiting") {
      this.setHandoff({ state: "with_staff", staffName: message.staffName });
    }
    this.setTyping(false);
    this.addMessage(message);
    if (message.quickReplies) {
      this.showSuggestions(message.quickReplies);
    }
    if (!this.isOpen) {
      this.unread += 1;
      this.updateBadge();
      this.closedAnnouncer.textContent = message.role === "staff"
        ? (message.staffName ? say("new_staff_message", { staff_name: message.staffName }) : say("new_staff_message_unnamed"))
        : say("new_message");
    }
  };

  // ---------------------------------------------------------------- connection


  /**
   * The handoff as the visitor should see it: "waiting" (a person was asked for; when they
   * will answer), "with_staff" (a person has replied), "ended" (the assistant is back).
   */
  ChatWidget.prototype.setHandoff = function (handoff) {
    var state = handoff && (handoff.state === "waiting" || handoff.state === "with_staff") ? handoff : null;
    if (state && state.state === "waiting" && this.state.handoff && this.state.handoff.state === "with_staff") {
      state = this.state.handoff;  // "still queued" after a person already replied: keep their name
    }
    this.state.handoff = state;
    saveState(this.state);
    this.renderHandoff();
  };

  ChatWidget.prototype.renderHandoff = function () {
    var handoff = this.state.handoff;
    this.banner.hidden = !handoff || handoff.state !== "waiting";
    if (handoff && handoff.state === "waiting") {
      var from = handoff.staff_from ? new Date(handoff.staff_from) : null;
      var text;
      if (!from || isNaN(from.getTime())) {
        text = say("staff_reply_later");
      } else if (from.getTime() <= Date.now() + 60 * 1000) {
        text = say("staff_reply_now");
      } else {
        text = say("staff_reply_from", { time: from.toLocaleString([], {
          weekday: "long", hour: "numeric", minute: "2-digit" }) });
      }
      this.bannerText.textContent = text + " " + say("emergency_reminder");
      this.keepButton.hidden = this.keepHint.hidden = !!this.state.onDevice;
      this.keptNote.hidden = !this.state.onDevice;
      var offered = handoff.email_notice === true && !this.state.emailNotice;
      this.emailButton.hidden = !offered || !this.emailForm.hidden;
      if (!offered) {
        this.emailForm.hidden = true;
      }
      this.emailNote.hidden = !this.state.emailNotice;
      var telegramOffered = handoff.telegram_link === true && !this.state.telegram;
      this.telegramButton.hidden = !telegramOffered || !this.telegramLink.hidden;
      if (!telegramOffered) {
        this.telegramLink.hidden = this.telegramHint.hidden = true;
      }
      this.telegramNote.hidden = !this.state.telegram;
      this.setTyping(false);
    }
    this.watchStaff(!!handoff);
    this.setConnection(this.connection || "idle");
  };

  /** A one-time t.me link that joins this conversation to the visitor's Telegram chat. */
  ChatWidget.prototype.makeTelegramLink = function () {
    var self = this;
    this.telegramError.textContent = "";
    this.ownConversationCall("telegram-link").then(function (link) {
      if (!link || typeof link.url !== "string" || link.url.indexOf("https://t.me/") !== 0) {
        throw new Error("no link");
      }
      self.telegramLink.href = link.url;
      self.telegramLink.hidden = false;
      self.telegramHint.textContent = say("telegram_hint", { minutes: String(link.expires_in_minutes || 15) });
      self.telegramHint.hidden = false;
      self.telegramButton.hidden = true;
      self.telegramLink.focus();
    }).catch(function () {
      self.telegramError.textContent = say("telegram_failed");
    });
  };

  /** POSTs the session token (and `fields`) to one of the web app's /api/conversations/ calls; resolves with its JSON. */
  ChatWidget.prototype.ownConversationCall = function (name, fields) {
    var body = { session_token: this.state.sessionId };
    Object.keys(fields || {}).forEach(function (key) { body[key] = fields[key]; });
    return fetch(this.config.apiBase + "/api/conversations/" + name, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(name + " answered " + response.status);
      }
      return response.json();
    });
  };

  /**
   * While a person is awaited or has the conversation, asks every STAFF_WATCH_MS whether staff
   * have seen it (to mark the messages written for them) and whether it continues on Telegram.
   */
  ChatWidget.prototype.watchStaff = function (on) {
    var self = this;
    if (!on || !this.state.sessionId) {
      clearInterval(this.staffWatch);
      this.staffWatch = null;
      return;
    }
    if (this.staffWatch) {
      return;
    }
    var check = function () {
      self.ownConversationCall("status").then(function (status) { self.applyStatus(status); },
        function () { /* asked again at the next check */ });
    };
    this.staffWatch = setInterval(check, STAFF_WATCH_MS);
    check();
  };

  ChatWidget.prototype.applyStatus = function (status) {
    if (!status || typeof status !== "object") {
      return;
    }
    var changed = false;
    var seen = status.staff_seen_at ? Date.parse(status.staff_seen_at) : NaN;
    var serverNow = Date.parse(status.server_time);
    if (!isNaN(seen) && !isNaN(serverNow)) {
      // "Seen" is when the newest message staff saw reached the server, by the server's
      // clock; message times are this device's. On one clock, a message sent after that one
      // is later (by at least the network's round trip), so it is not claimed as seen.
      var seenHere = seen - (serverNow - Date.now());
      this.state.messages.forEach(function (message) {
        if (message.role === "user" && message.forStaff && !message.seenByStaff && message.ts <= seenHere) {
          message.seenByStaff = true;
          changed = true;
        }
      });
    }
    if (status.continues_on_telegram === true && !this.state.telegram) {
      this.state.telegram = true;
      changed = true;
    }
    if (this.state.telegram && this.sessionConfirmed && !this.catchingUp) {
      this.catchUp();  // staff replies now go to Telegram; this open page shows them too
    }
    if (changed) {
      saveState(this.state);
      var pinned = this.pinnedToEnd;
      this.renderHistory();
      if (pinned) {
        this.scrollToEnd();
      }
    }
  };

  ChatWidget.prototype.showEmailForm = function () {
    this.emailButton.hidden = true;
    this.emailForm.hidden = false;
    this.emailInput.focus();
  };

  /** Tells the web app how the visitor wants to hear of a reply; calls back with an error or null. */
  ChatWidget.prototype.sendContactChoice = function (choice, email, callback) {
    this.ownConversationCall("contact", { choice: choice, email: email || undefined })
      .then(function () { callback(null); }, callback);
  };

  /**
   * An email that a reply waits needs the conversation on this device to read it: saving
   * the address keeps it here too (the hint says so).
   */
  ChatWidget.prototype.saveEmail = function () {
    var self = this;
    var email = this.emailInput.value.trim();
    this.emailError.textContent = "";
    this.sendContactChoice("email", email, function (error) {
      if (error) {
        self.emailError.textContent = say("email_failed");
        return;
      }
      self.state.emailNotice = true;
      self.emailInput.value = "";
      self.emailForm.hidden = true;
      self.keepOnDevice();
    });
  };

  /** The visitor chose to keep this conversation on this device (until Leave quickly or Delete). */
  ChatWidget.prototype.keepOnDevice = function () {
    if (!this.state.emailNotice) {
      this.sendContactChoice("device", null, function () { /* staff seeing it is a nicety */ });
    }
    this.state.onDevice = true;
    saveState(this.state);
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (error) { /* nothing to remove */ }
    this.renderHandoff();
    this.input.focus();  // the button it replaced is gone
  };

  ChatWidget.prototype.setConnection = function (state) {
    this.connection = state;
    var handoff = this.state && this.state.handoff;
    var text = state === "idle" ? "" : say(state);
    if (state === "online" && handoff) {
      text = handoff.state === "with_staff" && handoff.staffName
        ? say("with_staff", { staff_name: handoff.staffName }) : say("waiting_for_staff");
    }
    this.status.textContent = text;
    this.status.setAttribute("data-state", state);
  };

  ChatWidget.prototype.connect = function () {
    var self = this;
    if (this.socket) {
      if (!this.socket.connected && !this.socket.active) {
        this.setConnection("connecting");
        this.socket.connect();
      }
      return;
    }
    if (this.loading) {
      return;
    }
    this.loading = true;
    this.setConnection("connecting");
    loadSocketIo().then(function (io) {
      self.loading = false;
      self.openSocket(io);
    }, function () {
      self.loading = false;
      self.setConnection("offline");
    });
  };

  ChatWidget.prototype.openSocket = function (io) {
    var self = this;
    // WebSocket only: Rasa's socket.io server sends no CORS headers, so long-polling
    // from the page's origin would be refused by the browser.
    var socket = io(this.config.serverOrigin, {
      path: this.config.socketPath,
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10000,
      timeout: 10000
    });
    this.socket = socket;
    socket.on("connect", function () {
      self.sessionConfirmed = false;
      socket.emit("session_request", { session_id: self.state.sessionId || null });
    });
    socket.on("session_confirm", function (confirmed) {
      var id = confirmed && typeof confirmed === "object" ? confirmed.session_id : confirmed;
      if (typeof id !== "string" || !id) {
        return;
      }
      var resumed = id === self.state.sessionId;
      if (!resumed) {
        self.state.sessionId = id;
        self.state.received = 0;
        saveState(self.state);
      }
      self.sessionConfirmed = true;
      self.setConnection("online");
      if (resumed) {
        self.catchUp();
      } else {
        self.flush();
      }
    });
    socket.on("bot_uttered", function (data) { self.receive(data); });
    socket.on("disconnect", function (reason) {
      self.sessionConfirmed = false;
      if (reason !== "io client disconnect") {
        self.setConnection(navigator.onLine === false ? "offline" : "reconnecting");
      }
    });
    socket.on("connect_error", function () {
      self.setConnection(navigator.onLine === false ? "offline" : "reconnecting");
    });
    socket.io.on("reconnect_attempt", function () {
      if (navigator.onLine !== false) {
        self.setConnection("reconnecting");
      }
    });
    window.addEventListener("offline", function () { self.setConnection("offline"); });
    window.addEventListener("online", function () {
      self.setConnection(socket.connected && self.sessionConfirmed ? "online" : "reconnecting");
    });
  };

  /**
   * After a reload or a dropped connection: asks the web app for every bot and staff
   * message of this conversation (the tracker is the one transcript) and shows the ones
   * this page has not, in order, once. Messages arriving meanwhile wait, so none is shown
   * twice; what the person typed meanwhile waits too, at most CATCH_UP_WAIT_MS.
   */
  ChatWidget.prototype.catchUp = function () {
    var self = this;
    this.catchingUp = true;
    this.heldBack = [];
    var finish = function (missed) {
      if (!self.catchingUp) {
        return;
      }
      self.catchingUp = false;
      missed.forEach(function (message) { self.show(message); });
      self.heldBack.forEach(function (message) {
        var same = missed.findIndex(function (m) { return m.role === message.role && m.text === message.text; });
        if (same >= 0) {
          missed.splice(same, 1);
        } else {
          self.show(message);
        }
      });
      self.heldBack = [];
      self.flush();
    };
    var timer = setTimeout(function () { finish([]); }, CATCH_UP_WAIT_MS);
    fetch(this.config.apiBase + "/api/conversations/history", {
      method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_token: this.state.sessionId })
    }).then(function (response) {
      return response.ok ? response.json() : { messages: [] };
    }).then(function (body) {
      clearTimeout(timer);
      var sent = (body && Array.isArray(body.messages) ? body.messages : []).map(function (item) {
        return messageFromServer(item && item.role === "staff"
          ? { staff_reply: true, text: item.text, staff_name: item.staff_name, org_name: item.org_name }
          : { text: item && item.text, buttons: item && item.buttons });
      }).filter(Boolean);
      if (body && "handoff" in body) {
        self.setHandoff(body.handoff);
      }
      finish(sent.slice(self.state.received || 0));
    }).catch(function () {
      clearTimeout(timer);
      finish([]);
    });
  };

  /** A fresh session: Rasa assigns a new id at the next session_request. */
  ChatWidget.prototype.resetConversation = function () {
    forgetEverything();  // a new conversation keeps nothing of the old one, here or on the device
    this.state = { sessionId: null, messages: [], received: 0 };
    this.outbox = [];
    this.sessionConfirmed = false;
    this.setTyping(false);
    saveState(this.state);
    this.renderHistory();
    if (this.socket) {
      // A new socket id, so the old session's room is left behind.
      this.socket.disconnect();
      this.setConnection("connecting");
      this.socket.connect();
    }
  };

  ChatWidget.prototype.newConversation = function () {
    this.resetConversation();
    this.addNotice(say("new_conversation_started"));
    this.input.focus();
  };

  // ---------------------------------------------------------------- delete and leave

  ChatWidget.prototype.askToDelete = function () {
    this.confirmError.textContent = "";
    this.confirm.hidden = false;
    this.log.hidden = true;
    this.confirmCancel.focus();
  };

  ChatWidget.prototype.hideConfirm = function (returnFocus) {
    if (this.confirm.hidden) {
      return;
    }
    this.confirm.hidden = true;
    this.log.hidden = false;
    if (returnFocus) {
      this.menuButton.focus();
    }
  };

  ChatWidget.prototype.deleteConversation = function () {
    var self = this;
    var id = this.state.sessionId;  // the session token: the proof that this conversation is ours
    var done = function () {
      self.hideConfirm(false);
      self.resetConversation();
      self.addNotice(say("deleted"));
      self.input.focus();
    };
    if (!id) {
      done();
      return;
    }
    this.confirmError.textContent = "";
    fetch(this.config.apiBase + "/api/conversations/erase", {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session_token: id })
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("erase answered " + response.status);
      }
      done();
    }).catch(function () {
      self.confirmError.textContent = say("delete_failed");
    });
  };

  ChatWidget.prototype.leaveQuickly = function () {
    forgetEverything();
    this.state = { sessionId: null, messages: [], received: 0 };
    this.log.textContent = "";
    this.clearSuggestions();
    this.panel.hidden = true;
    if (this.socket) {
      this.socket.disconnect();
    }
    window.location.replace(this.config.exitUrl);
  };

  // ---------------------------------------------------------------- start

  function start() {
    if (!document.body || !window.HTMLElement || !HTMLElement.prototype.attachShadow) {
      return;
    }
    loadTexts(0).then(function () {
      var widget = new ChatWidget(readConfig());
      window.ChatWidget = {
        open: function () { widget.open(); },
        close: function () { widget.close(); }
      };
    }).catch(function (error) {
      if (window.console) {
        window.console.error("Chat widget: could not load its texts", error);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
