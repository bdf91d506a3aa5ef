/*! Parley embed: a moderated comment thread under a host page's article.
 *
 * <div data-parley-site="demo" data-parley-article="article-key"
 *      data-parley-url="https://news.example/article-key" data-parley-title="Headline"></div>
 * <script src="https://parley.example/embed.js" async></script>
 *
 * Plain JavaScript, no build step, no dependency. Everything renders inside a Shadow DOM.
 * The only HTML inserted as HTML is what the API returns already sanitised (`html` fields);
 * names, statuses and messages are text. See docs/embedding.md.
 */
(() => {
  "use strict";

  if (window.Parley && window.Parley.version) return; // included twice: keep the first

  const VERSION = "1";
  const SCRIPT = document.currentScript;
  const API =
    (SCRIPT && SCRIPT.dataset.parleyApi) ||
    (SCRIPT && SCRIPT.src ? new URL(SCRIPT.src).origin : window.location.origin);
  const SORTS = [
    ["oldest", "Oldest first"],
    ["newest", "Newest first"],
    ["top", "Top"],
  ];
  const STATUS_TEXT = {
    pending: "Waiting for moderation",
    held: "Held for a moderator",
    rejected: "Not published",
    published: "",
  };
  // A reader's own comment in these states has a statement of reasons and can be appealed.
  const RESTRICTED = new Set(["held", "rejected", "removed"]);
  const STANDING_TEXT = {
    warned: "A moderator has warned you",
    premoderated: "A moderator reads your comments before they appear",
    suspended: "You cannot comment on this site",
    banned: "You cannot comment on this site any more",
  };
  const CHECK_DELAY_MS = 600;
  const instances = new Set();
  let uid = 0;
  let SHEET = null; // one constructed stylesheet shared by every instance

  const STYLE = `
:host { all: initial; display: block; contain: content;
  font-family: var(--parley-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--parley-font-size, 16px); line-height: 1.5;
  color: var(--parley-text, #1f2328); }
* { box-sizing: border-box; }
.parley { background: var(--parley-background, transparent); }
h2 { font-size: 1.25em; margin: 0 0 .5em; }
.bar, .account { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; margin: .25em 0; }
.muted, time { color: var(--parley-muted, #59636e); font-size: .875em; }
button, select, textarea, input { font: inherit; color: inherit; }
button { cursor: pointer; border: 1px solid var(--parley-border, #d1d9e0);
  background: var(--parley-button-background, #f6f8fa); border-radius: var(--parley-radius, 6px);
  padding: .2em .7em; }
button.primary { background: var(--parley-accent, #0969da); border-color: var(--parley-accent, #0969da);
  color: var(--parley-accent-text, #fff); }
button.link { border: none; background: none; padding: 0; color: var(--parley-link, var(--parley-accent, #0969da));
  text-decoration: underline; }
button[aria-pressed="true"] { background: var(--parley-accent, #0969da); color: var(--parley-accent-text, #fff); }
button:disabled { opacity: .6; cursor: default; }
:focus-visible { outline: 2px solid var(--parley-focus, var(--parley-accent, #0969da)); outline-offset: 2px; }
textarea { width: 100%; min-height: 5em; padding: .5em; border: 1px solid var(--parley-border, #d1d9e0);
  border-radius: var(--parley-radius, 6px); background: var(--parley-input-background, #fff); resize: vertical; }
label { display: block; font-weight: 600; margin: .25em 0; }
label.inline { display: inline; font-weight: normal; }
label.check { font-weight: normal; }
form { margin: .75em 0; }
.actions { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; margin-top: .4em; }
ol.comments, ol.replies { list-style: none; margin: 0; padding: 0; }
ol.replies { margin-left: var(--parley-indent, 1.5em); padding-left: .75em;
  border-left: 2px solid var(--parley-border, #d1d9e0); }
li.comment { margin: 1em 0; }
.meta { display: flex; flex-wrap: wrap; gap: .25em .75em; align-items: baseline; }
.author { font-weight: 600; }
.body :first-child { margin-top: .25em; } .body :last-child { margin-bottom: .25em; }
.body blockquote { margin: .5em 0; padding-left: .75em; border-left: 3px solid var(--parley-border, #d1d9e0);
  color: var(--parley-muted, #59636e); }
.body a { color: var(--parley-link, var(--parley-accent, #0969da)); }
.badge { font-size: .75em; padding: .05em .5em; border-radius: 1em; background: var(--parley-badge-background, #fff8c5);
  border: 1px solid var(--parley-badge-border, #d4a72c); }
.badge.rejected { background: var(--parley-danger-background, #ffebe9); border-color: var(--parley-danger, #cf222e); }
.notice { margin: .5em 0; padding: .5em .75em; border-radius: var(--parley-radius, 6px);
  background: var(--parley-notice-background, #ddf4ff); }
.notice.warn { background: var(--parley-badge-background, #fff8c5); }
.notice.error { background: var(--parley-danger-background, #ffebe9); }
.counter { margin: .25em 0 0; text-align: right; }
.statement { margin: .5em 0; padding: .75em; border: 1px solid var(--parley-border, #d1d9e0); border-radius: var(--parley-radius, 6px); }
.statement h3 { font-size: 1em; margin: 0 0 .5em; }
.statement-text { white-space: pre-line; margin: 0 0 .5em; }
.reactions { display: inline-flex; gap: .25em; flex-wrap: wrap; }
.reaction { font-size: .875em; padding: .125em .5em; border-radius: 999px; }
span.reaction { color: var(--parley-muted, #59636e); }
.reaction .count { margin-left: .25em; }
.counter:empty { display: none; }
.counter.over { color: var(--parley-danger, #d1242f); font-weight: 600; }
.notice:empty { display: none; }
.moderation { font-size: .875em; margin: .25em 0; }
.deleted { font-style: italic; color: var(--parley-muted, #59636e); }
.policy { border: 1px solid var(--parley-border, #d1d9e0); border-radius: var(--parley-radius, 6px);
  padding: .5em 1em; margin: .5em 0; }
.policy li:target, .policy li.highlight { background: var(--parley-badge-background, #fff8c5); }
.avatar { flex: none; width: 2em; height: 2em; border-radius: 50%; display: inline-flex; align-items: center;
  justify-content: center; font-size: .8em; font-weight: 600; color: #fff; overflow: hidden; align-self: center;
  background: var(--parley-avatar-background, #6e7781); user-select: none; }
.avatar img { width: 100%; height: 100%; object-fit: cover; }
li.comment.just-posted > article, li.comment.jumped > article { animation: parley-flash 3s ease-out;
  border-radius: var(--parley-radius, 6px); }
@keyframes parley-flash { 0%, 40% { background: var(--parley-highlight, #fff8c5);
  box-shadow: 0 0 0 .35em var(--parley-highlight, #fff8c5); } 100% { background: transparent; box-shadow: none; } }
@media (prefers-reduced-motion: reduce) { li.comment.just-posted > article, li.comment.jumped > article {
  animation: none; outline: 2px solid var(--parley-highlight-border, #d4a72c); outline-offset: .25em; } }
.policy ol { padding-left: 1.75em; }
.policy li::marker { font-weight: 600; }
.you { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

  // ---- small DOM helpers: text by default, HTML only for API-sanitised `html` fields ----

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function sanitisedHtml(tag, html, attrs) {
    const node = h(tag, attrs);
    node.innerHTML = html; // only ever an API `html` field, sanitised by Parley's renderer
    return node;
  }

  // replaceChildren() writes a null child as the text "null": drop empty children first.
  function fill(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
    return node;
  }

  const RELATIVE = typeof Intl !== "undefined" && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto" })
    : null;
  const EXACT = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
  const UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["week", 7 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];

  // "3 minutes ago", "yesterday", in the reader's language; the exact time is the title.
  function relativeTime(date, now = Date.now()) {
    const seconds = Math.round((date.getTime() - now) / 1000);
    if (!RELATIVE) return date.toLocaleString();
    if (Math.abs(seconds) < 45) return RELATIVE.format(0, "second"); // "now"
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size * (unit === "minute" ? 1 : 0.9)) {
        return RELATIVE.format(Math.round(seconds / size), unit);
      }
    }
    return RELATIVE.format(Math.round(seconds / 60), "minute");
  }

  function timeEl(iso) {
    const date = new Date(iso);
    return h("time", { datetime: iso, title: EXACT.format(date), part: "time", text: relativeTime(date) });
  }

  function initials(name) {
    const words = String(name || "?").replace(/[^\p{L}\p{N}\s]/gu, "").trim().split(/\s+/).filter(Boolean);
    if (!words.length) return "?";
    const first = [...words[0]][0];
    const last = words.length > 1 ? [...words[words.length - 1]][0] : "";
    return (first + last).toUpperCase();
  }

  // A stable colour per reader, dark enough for white initials.
  function avatarColour(key) {
    let hash = 0;
    for (const ch of String(key)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
    return `hsl(${hash % 360} 45% 38%)`;
  }

  function avatar(author) {
    const name = (author && author.display_name) || "";
    const el = h("span", { class: "avatar", part: "avatar", "aria-hidden": "true" });
    el.style.background = avatarColour((author && author.id) || name);
    const url = author && author.avatar_url;
    if (url && /^https?:\/\//.test(url)) {
      const img = h("img", { src: url, alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
      // A broken or blocked picture falls back to the initials.
      img.addEventListener("error", () => fill(el, initials(name)));
      el.append(img);
    } else {
      el.textContent = initials(name);
    }
    return el;
  }

  function plural(n, one, many) {
    return `${n} ${n === 1 ? one : many}`;
  }

  // Characters as Parley counts them: code points, so "👍" is one, not two UTF-16 units.
  function charCount(text) {
    let n = 0;
    for (const _ of text) n += 1;
    return n;
  }

  function clauseLabel(clause) {
    if (!clause) return "";
    const number = clause.number ?? clause.clause_number;
    const title = clause.title ?? clause.clause_title ?? "";
    return number ? `clause ${number}, “${title}”` : `“${title}”`;
  }

  function jwtSubject(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part)).sub || null;
    } catch {
      return null;
    }
  }

  class ApiError extends Error {
    constructor(status, error, body) {
      super((error && error.message) || `Request failed (${status}).`);
      this.status = status;
      this.code = (error && error.code) || `http_${status}`;
      this.detail = (error && error.detail) || {};
      this.body = body;
    }
  }

  // ---- one thread under one host element ----

  class Thread {
    constructor(host) {
      this.host = host;
      this.site = host.dataset.parleySite;
      this.key = host.dataset.parleyArticle;
      this.url = host.dataset.parleyUrl || window.location.href.split("#")[0];
      this.title = host.dataset.parleyTitle || document.title;
      this.sort = host.dataset.parleySort || "oldest";
      this.storageKey = `parley:${API}:${this.site}`;
      this.session = this.loadSession();
      this.settings = null;
      this.policy = undefined; // undefined: not loaded; null: the site has none (yet)
      this.policyAvailable = true;
      this.nextCursor = null;
      this.bodies = new Map(); // comment id -> the Markdown the reader typed, for editing
      this.root = host.shadowRoot || host.attachShadow({ mode: "open" });
      this.build();
    }

    // -- session --

    loadSession() {
      try {
        const raw = window.localStorage.getItem(this.storageKey);
        const session = raw && JSON.parse(raw);
        if (session && session.token && Date.parse(session.expires_at) > Date.now()) return session;
      } catch {
        /* storage blocked (privacy mode): signed out */
      }
      return null;
    }

    saveSession(session) {
      this.session = session;
      try {
        if (session) window.localStorage.setItem(this.storageKey, JSON.stringify(session));
        else window.localStorage.removeItem(this.storageKey);
      } catch {
        /* not persisted; this page still works */
      }
    }

    async signIn(ssoToken) {
      const sub = jwtSubject(ssoToken);
      if (this.session && sub && this.session.sub === sub) return this.session;
      const { data } = await this.api(`/api/v1/sites/${this.site}/sso/`, {
        method: "POST",
        body: { token: ssoToken },
        auth: false,
      });
      this.saveSession({ ...data, sub });
      this.emit("parley:signed-in", { reader: data.reader });
      await this.reload();
      // The account bar (a live region) says who is signed in; a notice would say it twice.
      this.say("");
      return this.session;
    }

    async signOut() {
      const session = this.session;
      this.saveSession(null);
      if (session) {
        fetch(`${API}/api/v1/sites/${this.site}/sso/session/`, {
          method: "DELETE",
          headers: { Authorization: `Token ${session.token}` },
          credentials: "omit",
        }).catch(() => {});
      }
      this.emit("parley:signed-out", {});
      await this.reload();
    }

    emit(name, detail) {
      this.host.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    }

    askSignIn() {
      this.say("Sign in to take part in the discussion.", "warn");
      this.emit("parley:login", { site: this.site, article: this.key });
      const loginUrl = this.host.dataset.parleyLoginUrl;
      if (loginUrl) window.location.assign(loginUrl);
    }

    // -- network --

    async api(path, { method = "GET", body, auth = true, retry = true } = {}) {
      const headers = { Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (auth && this.session) headers.Authorization = `Token ${this.session.token}`;
      let response;
      try {
        response = await fetch(API + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          mode: "cors",
          credentials: "omit",
        });
      } catch {
        throw new ApiError(0, {
          code: "network",
          // CORS refusals look the same as network failures to a page: say both.
          message:
            "Comments could not be loaded: the comment service is unreachable or does not allow this page's origin.",
        });
      }
      let data = null;
      if (response.status !== 204) {
        try {
          data = await response.json();
        } catch {
          data = null;
        }
      }
      if (!response.ok) {
        const error = data && data.error;
        if (
          response.status === 401 &&
          auth &&
          this.session &&
          error &&
          ["invalid_token", "token_wrong_site"].includes(error.code)
        ) {
          this.saveSession(null); // expired or revoked: carry on signed out
          this.renderAccount();
          if (retry && method === "GET") return this.api(path, { method, body, auth, retry: false });
        }
        throw new ApiError(response.status, error, data);
      }
      return { status: response.status, data };
    }

    // -- layout --

    build() {
      this.root.replaceChildren();
      // A constructed stylesheet is not an inline <style>: a host page whose CSP has no
      // 'unsafe-inline' in style-src still styles the embed (docs/embedding.md).
      if (this.root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet.prototype.replaceSync === "function") {
        if (!SHEET) {
          SHEET = new CSSStyleSheet();
          SHEET.replaceSync(STYLE);
        }
        this.root.adoptedStyleSheets = [SHEET];
      } else {
        this.root.append(h("style", { text: STYLE }));
      }
      const titleId = `parley-title-${++uid}`;
      this.countEl = h("span", { class: "count muted" });
      this.sortEl = h(
        "select",
        {
          part: "sort",
          onchange: () => {
            this.sort = this.sortEl.value;
            this.reload();
          },
        },
        SORTS.map(([value, label]) => h("option", { value, selected: value === this.sort }, label)),
      );
      this.policyButton = h("button", {
        type: "button",
        class: "link",
        part: "button policy-link",
        "aria-expanded": "false",
        hidden: true,
        text: "Comment policy",
        onclick: () => this.togglePolicy(),
      });
      this.accountEl = h("div", { class: "account", part: "account", "aria-live": "polite" });
      // The signed-in reader's own shortcuts: new replies to them, their latest comment.
      this.youEl = h("div", { class: "you", part: "you" });
      this.standingEl = h("div", { class: "standing", part: "standing-box" });
      this.policyEl = h("section", {
        class: "policy",
        part: "policy",
        hidden: true,
        "aria-label": "Comment policy",
        tabindex: "-1",
      });
      this.noticeEl = h("div", { class: "notice", part: "notice", role: "status", "aria-live": "polite" });
      this.composerSlot = h("div", { class: "composer" });
      this.listEl = h("ol", { class: "comments", part: "thread" });
      this.moreButton = h("button", {
        type: "button",
        part: "button more",
        hidden: true,
        text: "Load more comments",
        onclick: () => this.loadMore(),
      });
      this.root.append(
        h(
          "section",
          { class: "parley", part: "root", "aria-labelledby": titleId },
          h("h2", { id: titleId, part: "title" }, "Comments ", this.countEl),
          h(
            "div",
            { class: "bar" },
            h("label", { class: "inline" }, "Sort ", this.sortEl),
            this.policyButton,
          ),
          this.accountEl,
          this.policyEl,
          this.noticeEl,
          this.composerSlot,
          this.listEl,
          this.moreButton,
        ),
      );
    }

    // A transient notice ("published", "signed in") goes once the reader starts typing again.
    say(message, kind = "", { transient = false } = {}) {
      this.noticeEl.className = `notice ${kind}`.trim();
      this.noticeEl.textContent = message;
      this.noticeEl.dataset.transient = transient ? "true" : "";
    }

    clearTransientNotice() {
      if (this.noticeEl.dataset.transient === "true") this.say("");
    }

    renderAccount() {
      if (this.session) {
        fill(
          this.accountEl,
          h("span", {}, "Signed in as ", h("strong", { part: "reader", text: this.session.reader.display_name })),
          h("button", { type: "button", class: "link", part: "button sign-out", text: "Sign out", onclick: () => this.signOut() }),
          this.youEl,
          this.standingEl,
        );
        this.loadStanding();
      } else {
        fill(
          this.accountEl,
          h("button", { type: "button", part: "button sign-in", text: "Sign in to comment", onclick: () => this.askSignIn() }),
          this.settings && this.settings.guests ? this.guestForm() : null,
        );
      }
      this.renderComposer();
    }

    // Where the site allows it, a reader without an account comments under a name; the
    // policy holds every guest comment for a moderator, and the form says so.
    guestForm() {
      const nameId = `parley-guest-${++uid}`;
      const input = h("input", { id: nameId, type: "text", part: "guest-name", minlength: "2", maxlength: "60", required: true, autocomplete: "nickname" });
      return h(
        "form",
        {
          class: "guest",
          part: "guest",
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await this.guestSignIn(input.value.trim());
            } catch (error) {
              this.say(`Could not continue as a guest: ${error.message}`, "error");
            }
          },
        },
        h("label", { for: nameId, text: "or comment as a guest, named " }),
        input,
        h("button", { type: "submit", part: "button guest-sign-in", text: "Continue as guest" }),
        h("span", { class: "muted", text: " (a moderator reads guest comments before they appear)" }),
      );
    }

    async guestSignIn(name) {
      const { data } = await this.api(`/api/v1/sites/${this.site}/guests/`, {
        method: "POST",
        body: { name },
        auth: false,
      });
      this.saveSession({ ...data, sub: null, guest: true });
      this.emit("parley:signed-in", { reader: data.reader, guest: true });
      await this.reload();
      this.say(`Commenting as ${data.reader.display_name} (guest).`, "", { transient: true });
    }

    renderComposer() {
      if (!this.session) {
        this.composerSlot.replaceChildren();
        return;
      }
      this.composerSlot.replaceChildren(
        this.composer({
          label: "Add a comment",
          submitLabel: "Post comment",
          onSubmit: (body) => this.post(body, null),
        }),
      );
    }

    // -- loading --

    async start() {
      // Relative times ("3 minutes ago") move on while the page stays open.
      setInterval(() => {
        for (const el of this.root.querySelectorAll("time[datetime]")) el.textContent = relativeTime(new Date(el.dateTime));
      }, 30_000);
      this.renderAccount();
      const sso = this.host.dataset.parleySso;
      if (sso) {
        try {
          await this.signIn(sso);
          return;
        } catch (error) {
          this.say(`Could not sign you in: ${error.message}`, "error");
        }
      }
      await this.reload();
    }

    async reload() {
      this.renderAccount();
      const settings = this.settings
        ? Promise.resolve()
        : this.api(`/api/v1/sites/${this.site}/embed/`, { auth: false })
            .then(({ data }) => (this.settings = data))
            .catch(() => {});
      const policy = this.policy === undefined ? this.loadPolicy() : Promise.resolve();
      await Promise.all([settings, policy, this.loadThread()]);
      if (!this.session && this.settings && this.settings.guests) this.renderAccount();
      this.loadCount();
    }

    async loadPolicy() {
      try {
        const { data } = await this.api(`/api/v1/sites/${this.site}/policy/`, { auth: false });
        this.policy = data;
        this.renderPolicy();
      } catch (error) {
        this.policy = null; // 404 until the site has a policy: no link, no checks
        this.policyAvailable = false;
      }
    }

    renderPolicy() {
      const policy = this.policy;
      if (!policy) return;
      this.policyButton.hidden = false;
      fill(
        this.policyEl,
        h("h3", { text: policy.title || "Comment policy" }),
        policy.introduction_html ? sanitisedHtml("div", policy.introduction_html) : null,
        h(
          "ol",
          {},
          (policy.clauses || []).map((clause) =>
            h(
              "li",
              { id: `clause-${clause.id}`, "data-clause": clause.id, part: "clause", value: clause.number },
              h("strong", { text: clause.title }),
              clause.html ? sanitisedHtml("div", clause.html) : null,
            ),
          ),
        ),
      );
    }

    togglePolicy(clauseId) {
      const open = clauseId ? true : this.policyEl.hidden;
      this.policyEl.hidden = !open;
      this.policyButton.setAttribute("aria-expanded", String(open));
      for (const li of this.policyEl.querySelectorAll("li.highlight")) li.classList.remove("highlight");
      if (open) {
        const target = clauseId && this.policyEl.querySelector(`li[data-clause="${CSS.escape(clauseId)}"]`);
        if (target) {
          target.classList.add("highlight");
          target.scrollIntoView({ block: "nearest" });
        }
        this.policyEl.focus();
      }
    }

    clauseLink(clause) {
      const id = clause && (clause.id ?? clause.clause_id);
      if (!id || !this.policy) return null;
      return h("button", {
        type: "button",
        class: "link",
        part: "button clause-link",
        text: "Read the clause",
        onclick: () => this.togglePolicy(id),
      });
    }

    threadPath(cursor) {
      const params = new URLSearchParams({ sort: this.sort });
      if (cursor) params.set("cursor", cursor);
      return `/api/v1/sites/${this.site}/articles/${encodeURIComponent(this.key)}/comments/?${params}`;
    }

    async loadThread() {
      // Assistive technology (and a test) can tell a list being replaced from a settled one;
      // counted, so that overlapping loads (a sign-in during a sort change) end busy once.
      this.loadsInFlight = (this.loadsInFlight || 0) + 1;
      this.listEl.setAttribute("aria-busy", "true");
      try {
        await this.fetchThread();
      } finally {
        if (--this.loadsInFlight === 0) this.listEl.removeAttribute("aria-busy");
      }
    }

    async fetchThread() {
      let page;
      try {
        page = (await this.api(this.threadPath())).data;
      } catch (error) {
        if (error.code !== "article_not_found") return this.fail(error);
        try {
          await this.api(`/api/v1/sites/${this.site}/embed/articles/`, {
            method: "POST",
            body: { key: this.key, url: this.url, title: this.title },
            auth: false,
          });
          page = (await this.api(this.threadPath())).data;
        } catch (registerError) {
          return this.fail(registerError);
        }
      }
      this.listEl.replaceChildren(...page.results.map((c) => this.renderComment(c)));
      this.setCursor(page.next_cursor);
      if (!page.results.length) this.listEl.append(h("li", { class: "muted empty", text: "No comments yet." }));
      this.renderYou();
    }

    // -- the reader's own shortcuts --

    seenKey() {
      return this.session ? `${this.storageKey}:${this.key}:seen:${this.session.reader.id}` : null;
    }

    repliesSeenAt() {
      try {
        return Number(window.localStorage.getItem(this.seenKey())) || 0;
      } catch {
        return 0;
      }
    }

    markRepliesSeen() {
      try {
        window.localStorage.setItem(this.seenKey(), String(Date.now()));
      } catch {
        /* not remembered: the count comes back on the next visit */
      }
    }

    // Within the comments loaded on this page: others' replies to the reader's comments
    // posted since the reader last opened them here, and the reader's own comments.
    renderYou() {
      this.loadReactions();
      if (!this.session) return fill(this.youEl);
      const shown = [...this.listEl.querySelectorAll("li.comment")].filter((li) => li.comment && !li.comment.deleted);
      const seenAt = this.repliesSeenAt();
      const fresh = shown
        .filter((li) => {
          const parent = li.parentElement && li.parentElement.closest("li.comment");
          return (
            parent && parent.comment && this.isOwn(parent.comment) && !this.isOwn(li.comment) &&
            Date.parse(li.comment.created_at) > seenAt
          );
        })
        .sort((a, b) => Date.parse(a.comment.created_at) - Date.parse(b.comment.created_at));
      const mine = shown
        .filter((li) => this.isOwn(li.comment))
        .sort((a, b) => Date.parse(b.comment.created_at) - Date.parse(a.comment.created_at));
      fill(
        this.youEl,
        fresh.length
          ? h("button", {
              type: "button",
              class: "primary",
              part: "button new-replies",
              text: `${plural(fresh.length, "new reply", "new replies")} to you`,
              onclick: () => {
                this.markRepliesSeen();
                this.highlight(fresh[0]);
                this.renderYou();
              },
            })
          : null,
        mine.length
          ? h("button", {
              type: "button",
              class: "link",
              part: "button jump-to-mine",
              text: mine.length > 1 ? "Jump to my latest comment" : "Jump to my comment",
              onclick: () => this.highlight(mine[0]),
            })
          : null,
      );
    }

    fail(error) {
      this.composerSlot.replaceChildren();
      this.say(error.status === 0 ? error.message : `Comments are not available here: ${error.message}`, "error");
    }

    setCursor(cursor) {
      this.nextCursor = cursor;
      this.moreButton.hidden = !cursor;
    }

    async loadMore() {
      if (!this.nextCursor) return;
      this.moreButton.disabled = true;
      try {
        const { data } = await this.api(this.threadPath(this.nextCursor));
        for (const c of data.results) {
          if (!this.listEl.querySelector(`li[data-id="${c.id}"]`)) this.listEl.append(this.renderComment(c));
        }
        this.setCursor(data.next_cursor);
        this.renderYou();
      } catch (error) {
        this.say(error.message, "error");
      } finally {
        this.moreButton.disabled = false;
      }
    }

    async loadCount() {
      try {
        const params = new URLSearchParams({ article: this.key });
        const { data } = await this.api(`/api/v1/sites/${this.site}/counts/?${params}`, { auth: false });
        const n = data.counts[this.key] ?? 0;
        this.countEl.textContent = `(${n})`;
        this.countEl.setAttribute("aria-label", plural(n, "published comment", "published comments"));
      } catch {
        this.countEl.textContent = "";
      }
    }

    // -- one comment --

    isOwn(c) {
      return Boolean(this.session && c.author && c.author.id === this.session.reader.id);
    }

    canEdit(c) {
      if (!this.isOwn(c) || c.deleted) return false;
      const window_ = this.settings ? this.settings.edit_window_seconds : 300;
      return Date.now() - Date.parse(c.created_at) < window_ * 1000;
    }

    renderComment(c) {
      const li = h("li", { class: "comment", part: "comment", "data-id": c.id });
      li.comment = c;
      li.yourVote = c.your_vote || 0;
      this.fillComment(li, c);
      return li;
    }

    fillComment(li, c) {
      const own = this.isOwn(c);
      const status = c.status || "published";
      li.dataset.status = c.deleted ? "deleted" : status;
      const headingId = `parley-c-${c.id}-${++uid}`;
      const article = h("article", { "aria-labelledby": headingId });
      if (c.deleted) {
        article.append(h("p", { id: headingId, class: "deleted", part: "deleted", text: "This comment was deleted." }));
      } else {
        article.append(
          h(
            "div",
            { class: "meta", part: "meta" },
            avatar(c.author),
            h("span", { id: headingId, class: "author", part: "author", text: c.author.display_name }),
            timeEl(c.created_at),
            c.edited_at ? h("span", { class: "muted", text: "edited" }) : null,
            c.featured ? h("span", { class: "badge", part: "badge featured", text: "Featured" }) : null,
            own && STATUS_TEXT[status]
              ? h("span", { class: `badge ${status}`, part: `badge status`, text: STATUS_TEXT[status] })
              : null,
          ),
          sanitisedHtml("div", c.html, { class: "body", part: "body" }),
        );
        if (own && c.moderation && status !== "published") {
          const m = c.moderation;
          const reason = m.reason || "";
          // The server's reason usually names the clause already ("... under clause 1: Be civil").
          const named = m.clause_title && reason.includes(m.clause_title);
          article.append(
            h(
              "p",
              { class: "moderation", part: "moderation" },
              m.clause_title && !named ? `Under “${m.clause_title}”. ` : "",
              reason,
              " ",
              this.clauseLink({ id: m.clause_id, title: m.clause_title }),
            ),
          );
        } else if (own && status === "pending") {
          article.append(h("p", { class: "moderation muted", text: "Only you can see it until it is published." }));
        }
        article.append(this.actions(li, c, own, status));
      }
      const slot = h("div", { class: "slot" });
      article.append(slot);
      li.slot_ = slot;
      const replies = li.querySelector(":scope > ol.replies") || h("ol", { class: "replies", part: "replies" });
      const moreReplies = li.querySelector(":scope > button.more-replies");
      li.replaceChildren(article, replies);
      if (!replies.children.length) {
        for (const r of c.replies || []) replies.append(this.renderComment(r));
      }
      const shown = replies.querySelectorAll(":scope > li[data-status='published']").length;
      if ((moreReplies && moreReplies.dataset.cursor) || c.reply_count > shown) {
        li.append(moreReplies || this.moreRepliesButton(li, c));
      }
    }

    moreRepliesButton(li, c) {
      const button = h("button", {
        type: "button",
        class: "more-replies",
        part: "button more-replies",
        text: "Show more replies",
        onclick: async () => {
          button.disabled = true;
          try {
            const params = new URLSearchParams();
            if (button.dataset.cursor) params.set("cursor", button.dataset.cursor);
            const { data } = await this.api(`/api/v1/comments/${c.id}/replies/?${params}`);
            const replies = li.querySelector(":scope > ol.replies");
            for (const r of data.results) {
              if (!replies.querySelector(`:scope > li[data-id="${r.id}"]`)) replies.append(this.renderComment(r));
            }
            if (data.next_cursor) button.dataset.cursor = data.next_cursor;
            else button.remove();
            this.renderYou();
          } catch (error) {
            this.say(error.message, "error");
          } finally {
            button.disabled = false;
          }
        },
      });
      return button;
    }

    actions(li, c, own, status) {
      const bar = h("div", { class: "actions", part: "actions" });
      if (status === "published" && !own) {
        const up = h("button", {
          type: "button",
          part: "button vote",
          class: "vote up",
          "aria-pressed": String(li.yourVote === 1),
          "aria-label": `Upvote, score ${c.score}`,
          onclick: () => this.vote(li, c, li.yourVote === 1 ? 0 : 1),
        }, "▲ ", h("span", { class: "score", text: String(c.score) }));
        bar.append(up);
        if (this.settings && this.settings.allow_downvotes) {
          bar.append(
            h("button", {
              type: "button",
              part: "button vote",
              class: "vote down",
              "aria-pressed": String(li.yourVote === -1),
              "aria-label": "Downvote",
              text: "▼",
              onclick: () => this.vote(li, c, li.yourVote === -1 ? 0 : -1),
            }),
          );
        }
      } else if (status === "published") {
        bar.append(h("span", { class: "muted score", text: plural(c.score, "point", "points") }));
      }
      if (status === "published" && this.reactionKinds().length) {
        li.reactionsEl = h("span", { class: "reactions", part: "reactions", role: "group", "aria-label": "Reactions" });
        this.fillReactions(li, c, own);
        bar.append(li.reactionsEl);
      }
      if (status === "published") {
        bar.append(h("button", { type: "button", part: "button reply", text: "Reply", onclick: () => this.openReply(li, c) }));
      }
      if (status === "published" && !own) {
        bar.append(h("button", { type: "button", part: "button report", class: "report", text: "Report", onclick: () => this.openReport(li, c) }));
      }
      if (own && this.canEdit(c)) {
        bar.append(h("button", { type: "button", part: "button edit", text: "Edit", onclick: () => this.openEdit(li, c) }));
      }
      if (own) {
        bar.append(h("button", { type: "button", part: "button delete", text: "Delete", onclick: () => this.openDelete(li, c) }));
      }
      if (own && RESTRICTED.has(status)) {
        bar.append(
          h("button", { type: "button", part: "button statement", text: "Why, and how to appeal", onclick: () => this.openStatement(li, c) }),
        );
      }
      return bar;
    }

    // -- the statement of reasons for the reader's own restricted comment, and the appeal --

    async openStatement(li, c) {
      const close = () => this.closeSlot(li, "button[part~='statement']");
      const box = await this.statementBox(`/api/v1/comments/${c.id}/statement/`, close);
      if (box) this.openSlot(li, box);
    }

    // The statement of reasons behind `path` (a comment's, or the reader's standing), with the
    // appeal form while the window is open; null (and a message) if it cannot be read.
    async statementBox(path, close) {
      let statement;
      try {
        ({ data: statement } = await this.api(path));
      } catch (error) {
        this.say(error.message, "error");
        return null;
      }
      const id = `parley-statement-${++uid}`;
      const box = h(
        "section",
        { class: "statement", part: "statement", "aria-labelledby": id },
        h("h3", { id, text: "Why this decision" }),
        // Plain text from the server, kept as text, paragraphs and all.
        h("p", { class: "statement-text", part: "statement-text", text: statement.text }),
      );
      const appeal = statement.appeal;
      const status = h("p", { class: "notice", part: "appeal-status", "aria-live": "polite" });
      const showAppeal = (a) => {
        const answer = {
          open: `Your appeal is with a moderator who did not take this decision; you will hear by ${new Date(a.due_at).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" })}.`,
          upheld: "Your appeal was reviewed: the decision stands.",
          reversed: "Your appeal was reviewed: the decision was reversed.",
        }[a.state] || `Your appeal: ${a.state}.`;
        status.textContent = a.outcome_note ? `${answer} ${a.outcome_note}` : answer;
      };
      if (appeal.appeal) {
        showAppeal(appeal.appeal);
        box.append(status);
      } else if (appeal.possible) {
        const noteId = `${id}-appeal`;
        const note = h("textarea", { id: noteId, part: "textarea appeal", rows: 3 });
        const send = h("button", { type: "submit", class: "primary", part: "button submit-appeal", text: "Send appeal" });
        const form = h(
          "form",
          { part: "form appeal", novalidate: true },
          h("label", { for: noteId, text: "Think it is wrong? Say why; a moderator who did not take the decision reviews it." }),
          note,
          h("div", { class: "actions" }, send),
        );
        form.addEventListener("submit", async (event) => {
          event.preventDefault();
          const explanation = note.value.trim();
          if (!explanation) {
            status.className = "notice warn";
            status.textContent = "Say in a few words why the decision is wrong.";
            return note.focus();
          }
          send.disabled = true;
          try {
            const { data } = await this.api(appeal.url, { method: "POST", body: { explanation } });
            form.remove();
            status.className = "notice";
            showAppeal(data);
          } catch (error) {
            status.className = "notice error";
            status.textContent = error.message;
            send.disabled = false;
          }
        });
        box.append(form, status);
      } else {
        status.textContent = "The time to appeal this decision has passed.";
        box.append(status);
      }
      box.append(h("div", { class: "actions" }, h("button", { type: "button", part: "button cancel", text: "Close", onclick: close })));
      box.addEventListener("keydown", (event) => {
        if (event.key === "Escape") close();
      });
      return box;
    }

    // A reader whose standing on the site is restricted (warned, pre-moderated, suspended,
    // banned) sees it under their name, with the moderator's message, why, and the appeal.
    async loadStanding() {
      // The account is rendered more than once as a page loads: only the last call shows.
      const seq = (this.standingSeq = (this.standingSeq || 0) + 1);
      this.standingEl.replaceChildren();
      if (!this.session) return;
      let standing;
      try {
        ({ data: standing } = await this.api(`/api/v1/sites/${this.site}/me/standing/`));
      } catch {
        return; // an extra: the thread works without it
      }
      if (seq !== this.standingSeq) return;
      this.standingEl.replaceChildren();
      if (!standing || standing.state === "active") return;
      const slot = h("div", { class: "slot" });
      const close = () => {
        slot.replaceChildren();
        why.focus();
      };
      const why = h("button", {
        type: "button",
        part: "button standing-statement",
        text: "Why, and how to appeal",
        onclick: async () => {
          const box = await this.statementBox(`/api/v1/sites/${this.site}/me/standing/statement/`, close);
          if (box) slot.replaceChildren(box);
        },
      });
      const until = standing.until ? ` until ${new Date(standing.until).toLocaleString()}` : "";
      this.standingEl.append(
        h("p", { class: "notice warn", part: "standing" }, STANDING_TEXT[standing.state] ? `${STANDING_TEXT[standing.state]}${until}. ` : "", standing.message || "", " ", why),
        slot,
      );
    }

    openSlot(li, node) {
      li.slot_.replaceChildren(node);
      const first = node.querySelector("textarea, select, button");
      if (first) first.focus();
    }

    closeSlot(li, focusSelector) {
      li.slot_.replaceChildren();
      const target = focusSelector && li.querySelector(`:scope > article ${focusSelector}`);
      if (target) target.focus();
    }

    // -- composing, with the policy check before posting --

    composer({ label, submitLabel, initial = "", onSubmit, onCancel }) {
      const id = `parley-text-${++uid}`;
      // No maxlength attribute: the browser counts UTF-16 units there (an emoji is two), while
      // Parley's limit is in characters (code points), so the counter below counts those.
      const maxChars = this.settings ? this.settings.max_body_chars : null;
      const textarea = h("textarea", {
        id,
        part: "textarea",
        "aria-describedby": `${id}-check ${id}-count`,
      });
      textarea.value = initial;
      const check = h("div", { id: `${id}-check`, class: "notice", part: "check", "aria-live": "polite" });
      const counter = h("p", { id: `${id}-count`, class: "muted counter", part: "counter", "aria-live": "polite" });
      const updateCounter = () => {
        if (!maxChars) return 0;
        const over = charCount(textarea.value) - maxChars;
        const left = -over;
        // Quiet until the last tenth of the limit, like the hosts' own forms.
        counter.textContent =
          over > 0
            ? `${plural(over, "character", "characters")} over the limit of ${maxChars}`
            : left <= maxChars / 10
              ? `${plural(left, "character", "characters")} left`
              : "";
        counter.classList.toggle("over", over > 0);
        return over;
      };
      updateCounter();
      const submit = h("button", { type: "submit", class: "primary", part: "button submit", text: submitLabel });
      const state = { checked: null, warnedBody: null, timer: null, seq: 0 };
      const form = h(
        "form",
        { part: "form", novalidate: true },
        h("label", { for: id, text: label }),
        textarea,
        counter,
        h("p", { class: "muted", text: "Markdown: *emphasis*, **strong**, > quotes and links." }),
        check,
        h(
          "div",
          { class: "actions" },
          submit,
          onCancel ? h("button", { type: "button", part: "button cancel", text: "Cancel", onclick: onCancel }) : null,
        ),
      );

      const runCheck = async () => {
        const body = textarea.value;
        if (!this.policyAvailable || body.trim().length < 2) {
          state.checked = { body, result: null };
          this.showCheck(check, null);
          return state.checked;
        }
        const seq = ++state.seq;
        let result = null;
        try {
          result = (await this.api(`/api/v1/sites/${this.site}/policy/check/`, { method: "POST", body: { body } })).data;
        } catch (error) {
          if (error.status === 404) this.policyAvailable = false;
          result = null;
        }
        if (seq === state.seq) {
          state.checked = { body, result };
          this.showCheck(check, result);
        }
        return { body, result };
      };

      textarea.addEventListener("input", () => {
        updateCounter();
        this.clearTransientNotice();
        clearTimeout(state.timer);
        if (state.warnedBody !== null && textarea.value !== state.warnedBody) submit.textContent = submitLabel;
        state.timer = setTimeout(runCheck, CHECK_DELAY_MS);
      });
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape" && onCancel) {
          event.preventDefault();
          onCancel();
        } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const body = textarea.value;
        if (!body.trim()) {
          this.showMessage(check, "Write something first.", "warn");
          textarea.focus();
          return;
        }
        const over = updateCounter();
        if (over > 0) {
          this.showMessage(check, `Your comment is ${plural(over, "character", "characters")} too long.`, "warn");
          textarea.focus();
          return;
        }
        submit.disabled = true;
        try {
          clearTimeout(state.timer);
          const { result } = state.checked && state.checked.body === body ? state.checked : await runCheck();
          if (result && result.action === "reject" && state.warnedBody !== body) {
            // Say which clause first; a second click posts it anyway (the server decides).
            state.warnedBody = body;
            submit.textContent = "Post anyway";
            textarea.focus();
            return;
          }
          const done = await onSubmit(body, check);
          if (done) {
            textarea.value = "";
            state.checked = null;
            state.warnedBody = null;
            submit.textContent = submitLabel;
            this.showCheck(check, null);
          }
        } finally {
          submit.disabled = false;
        }
      });
      return form;
    }

    showCheck(el, result) {
      if (!result || result.action === "publish") {
        el.className = "notice";
        el.replaceChildren();
        return;
      }
      const clause = result.clause || (result.hits && result.hits[0] && {
        id: result.hits[0].clause_id,
        number: result.hits[0].clause_number,
        title: result.hits[0].clause_title,
      });
      const text =
        result.action === "reject"
          ? `This draft would break ${clauseLabel(clause)} of the comment policy and would not be published. Revise it, or post it anyway.`
          : `This draft would be held for a moderator under ${clauseLabel(clause)}.`;
      el.className = `notice ${result.action === "reject" ? "error" : "warn"}`;
      el.dataset.action = result.action;
      el.dataset.clause = clause ? clause.id : "";
      fill(el, h("span", { text }), " ", this.clauseLink(clause));
    }

    showMessage(el, message, kind) {
      el.className = `notice ${kind || ""}`.trim();
      el.replaceChildren(h("span", { text: message }));
    }

    // Posting answers 201 (published), 202 (waiting) or 422 policy_rejected (stored, refused).
    async post(body, parent, parentLi) {
      try {
        const { status, data } = await this.api(
          `/api/v1/sites/${this.site}/articles/${encodeURIComponent(this.key)}/comments/`,
          { method: "POST", body: { body, parent } },
        );
        this.bodies.set(data.id, body);
        this.insertComment(data, parentLi);
        this.say(
          status === 201
            ? "Your comment is published."
            : "Your comment is waiting for a moderator. Only you can see it until then.",
          status === 201 ? "" : "warn",
          { transient: true },
        );
        this.emit("parley:posted", { id: data.id, status: data.status });
        this.loadCount();
        return true;
      } catch (error) {
        return this.handleWriteError(error, parentLi, body);
      }
    }

    handleWriteError(error, parentLi, body) {
      if (error.code === "policy_rejected") {
        const clause = error.detail.clause;
        if (error.detail.comment) {
          this.bodies.set(error.detail.comment.id, body);
          this.insertComment(error.detail.comment, parentLi);
        }
        this.noticeEl.className = "notice error";
        this.noticeEl.dataset.transient = "";
        fill(
          this.noticeEl,
          h("span", {
            text:
              clause && clause.title && !error.message.includes(clause.title)
                ? `Not published: ${error.message} (${clause.title})`
                : `Not published: ${error.message}`,
          }),
          " ",
          this.clauseLink(clause),
        );
        this.emit("parley:posted", { id: error.detail.comment && error.detail.comment.id, status: "rejected" });
        return true;
      }
      if (error.status === 401) this.askSignIn();
      else this.say(error.message, "error");
      return false;
    }

    insertComment(c, parentLi) {
      const empty = this.listEl.querySelector(":scope > li.empty");
      if (empty) empty.remove();
      const li = this.renderComment(c);
      if (parentLi) {
        parentLi.querySelector(":scope > ol.replies").append(li);
        this.closeSlot(parentLi);
      } else if (this.sort === "newest") {
        this.listEl.prepend(li);
      } else {
        this.listEl.append(li);
      }
      this.highlight(li, "just-posted");
      this.renderYou();
      return li;
    }

    // Bring a comment into view and flash it (a class, so reduced motion gets an outline).
    highlight(li, cls = "jumped") {
      li.classList.remove("just-posted", "jumped");
      void li.offsetWidth; // restart the animation when the same comment is shown again
      li.classList.add(cls);
      const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      li.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
      clearTimeout(li.highlightTimer);
      li.highlightTimer = setTimeout(() => li.classList.remove(cls), 4000);
    }

    openReply(li, c) {
      if (!this.session) return this.askSignIn();
      this.openSlot(
        li,
        this.composer({
          label: `Reply to ${c.author ? c.author.display_name : "this comment"}`,
          submitLabel: "Post reply",
          onSubmit: (body) => this.post(body, c.id, li),
          onCancel: () => this.closeSlot(li, "button[part~='reply']"),
        }),
      );
    }

    openEdit(li, c) {
      const bodyEl = li.querySelector(":scope > article .body");
      // The API sends the author the text as written; the rendered HTML is a last resort.
      const initial = this.bodies.get(c.id) ?? c.body ?? (bodyEl ? bodyEl.innerText.trim() : "");
      this.openSlot(
        li,
        this.composer({
          label: "Edit your comment",
          submitLabel: "Save",
          initial,
          onSubmit: async (body) => {
            try {
              const { data } = await this.api(`/api/v1/comments/${c.id}/`, { method: "PATCH", body: { body } });
              this.bodies.set(c.id, body);
              this.replaceComment(li, data);
              this.say(data.status === "published" ? "Saved." : "Saved; waiting for a moderator again.");
              return true;
            } catch (error) {
              if (error.code === "policy_rejected" && error.detail.comment) {
                this.replaceComment(li, error.detail.comment);
                this.say(`Not published: ${error.message}`, "error");
                return true;
              }
              this.say(error.message, "error");
              return false;
            }
          },
          onCancel: () => this.closeSlot(li, "button[part~='edit']"),
        }),
      );
    }

    replaceComment(li, data) {
      const merged = { ...li.comment, ...data, replies: [] };
      li.comment = merged;
      this.fillComment(li, merged);
    }

    openDelete(li, c) {
      const keep = h("button", { type: "button", part: "button cancel", text: "Keep it", onclick: () => this.closeSlot(li, "button[part~='delete']") });
      const remove = h("button", {
        type: "button",
        class: "primary",
        part: "button confirm-delete",
        text: "Delete",
        onclick: async () => {
          try {
            await this.api(`/api/v1/comments/${c.id}/`, { method: "DELETE" });
            const replies = li.querySelector(":scope > ol.replies");
            if (replies && replies.children.length) this.replaceComment(li, { deleted: true, html: "", author: null });
            else li.remove();
            this.say("Your comment was deleted.", "", { transient: true });
            this.renderYou();
            this.loadCount();
          } catch (error) {
            this.say(error.message, "error");
          }
        },
      });
      const box = h("div", { class: "notice warn", role: "group", "aria-label": "Confirm deletion" }, "Delete this comment? ", remove, " ", keep);
      box.addEventListener("keydown", (event) => {
        if (event.key === "Escape") this.closeSlot(li, "button[part~='delete']");
      });
      this.openSlot(li, box);
    }

    // -- reactions, for sites that turn them on (settings.reactions) --

    reactionKinds() {
      return (this.settings && this.settings.reactions) || [];
    }

    fillReactions(li, c, own) {
      const state = li.reactions || { counts: {}, yours: null };
      const items = this.reactionKinds().map((k) => {
        const n = state.counts[k.kind] || 0;
        const text = [k.emoji, n ? h("span", { class: "count", text: String(n) }) : null];
        if (own) {
          // An author sees how readers reacted, and cannot react to their own comment.
          return n ? h("span", { class: "reaction", part: "reaction", title: k.label, "aria-label": `${k.label}: ${n}` }, ...text) : null;
        }
        return h(
          "button",
          {
            type: "button",
            class: "reaction",
            part: "button reaction",
            "data-kind": k.kind,
            title: k.label,
            "aria-label": `${k.label}: ${n}`,
            "aria-pressed": String(state.yours === k.kind),
            onclick: () => this.react(li, c, state.yours === k.kind ? null : k.kind),
          },
          ...text,
        );
      });
      li.reactionsEl.replaceChildren(...items.filter(Boolean));
    }

    async loadReactions() {
      if (!this.reactionKinds().length) return;
      const pending = [...this.listEl.querySelectorAll("li.comment")].filter(
        (li) => li.comment && !li.comment.deleted && li.reactions === undefined && li.reactionsEl,
      );
      for (let i = 0; i < pending.length; i += 200) {
        const batch = pending.slice(i, i + 200);
        for (const li of batch) li.reactions = null; // asked for; not asked again
        try {
          const ids = batch.map((li) => li.comment.id).join(",");
          const { data } = await this.api(`/api/v1/sites/${this.site}/reactions/?comments=${ids}`);
          for (const li of batch) {
            li.reactions = data.comments[String(li.comment.id)] || { counts: {}, yours: null };
            this.fillReactions(li, li.comment, this.isOwn(li.comment));
          }
        } catch {
          // Reactions are an extra: the thread stays usable without them.
        }
      }
    }

    async react(li, c, kind) {
      if (!this.session) return this.askSignIn();
      try {
        const { data } = kind
          ? await this.api(`/api/v1/comments/${c.id}/reaction/`, { method: "PUT", body: { kind } })
          : await this.api(`/api/v1/comments/${c.id}/reaction/`, { method: "DELETE" });
        li.reactions = data;
        this.fillReactions(li, c, false);
      } catch (error) {
        this.say(error.message, "error");
      }
    }

    async vote(li, c, value) {
      if (!this.session) return this.askSignIn();
      try {
        const { data } = value
          ? await this.api(`/api/v1/comments/${c.id}/vote/`, { method: "PUT", body: { value } })
          : await this.api(`/api/v1/comments/${c.id}/vote/`, { method: "DELETE" });
        li.yourVote = data.your_vote;
        c.score = data.score;
        for (const button of li.querySelectorAll(":scope > article .vote")) {
          const pressed = button.classList.contains("up") ? data.your_vote === 1 : data.your_vote === -1;
          button.setAttribute("aria-pressed", String(pressed));
          if (button.classList.contains("up")) button.setAttribute("aria-label", `Upvote, score ${data.score}`);
        }
        const score = li.querySelector(":scope > article .score");
        if (score) score.textContent = String(data.score);
      } catch (error) {
        this.say(error.message, "error");
      }
    }

    openReport(li, c) {
      const close = () => this.closeSlot(li, "button[part~='report']");
      if (!this.session) {
        // A policy report needs an account; a notice of illegal content does not.
        const box = h(
          "div",
          { class: "notice", part: "report-choice", role: "group", "aria-label": "Report this comment" },
          h("p", { text: "Reporting a breach of the comment policy needs you to sign in. Anyone may notify illegal content." }),
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "primary", part: "button sign-in", text: "Sign in", onclick: () => this.askSignIn() }),
            h("button", { type: "button", part: "button notice", text: "Notify illegal content", onclick: () => this.openNotice(li, c) }),
            h("button", { type: "button", part: "button cancel", text: "Cancel", onclick: close }),
          ),
        );
        box.addEventListener("keydown", (event) => {
          if (event.key === "Escape") close();
        });
        return this.openSlot(li, box);
      }
      const id = `parley-report-${++uid}`;
      const clauses = (this.policy && this.policy.clauses) || [];
      const select = h(
        "select",
        { id, part: "report-clause", required: true },
        h("option", { value: "", text: "Choose a clause…" }),
        clauses.map((cl) => h("option", { value: cl.id, text: `${cl.number}. ${cl.title}` })),
        clauses.length ? null : h("option", { value: "other", text: "Something else" }),
      );
      const note = h("textarea", { id: `${id}-note`, part: "textarea", maxlength: 500, rows: 2 });
      const message = h("div", { class: "notice", "aria-live": "polite" });
      const form = h(
        "form",
        { part: "form report-form", "aria-label": "Report this comment" },
        h("label", { for: id, text: "Which part of the comment policy does it break?" }),
        select,
        h("label", { for: `${id}-note`, text: "Anything a moderator should know (optional)" }),
        note,
        message,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", class: "primary", part: "button submit", text: "Send report" }),
          h("button", { type: "button", part: "button cancel", text: "Cancel", onclick: close }),
          h("button", { type: "button", class: "link", part: "button notice", text: "Illegal content? Send a legal notice instead", onclick: () => this.openNotice(li, c) }),
        ),
      );
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") close();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!select.value) {
          this.showMessage(message, "Choose the clause it breaks.", "warn");
          select.focus();
          return;
        }
        try {
          await this.api(`/api/v1/comments/${c.id}/reports/`, {
            method: "POST",
            body: { clause: select.value, note: note.value },
          });
          this.markReported(li, "Thank you. A moderator will look at it.");
        } catch (error) {
          if (error.status === 409) this.markReported(li, "You have already reported this comment.");
          else if (error.status === 404 && error.code !== "comment_not_found")
            this.showMessage(message, "Reporting is not available yet.", "error");
          else this.showMessage(message, error.message, "error");
        }
      });
      this.openSlot(li, form);
    }

    // A notice of illegal content (EU DSA Art. 16): anyone may send one; a guest gives an
    // e-mail address, where the outcome is sent.
    openNotice(li, c) {
      const id = `parley-notice-${++uid}`;
      const close = () => this.closeSlot(li, "button[part~='report']");
      const ground = h("input", { id: `${id}-ground`, type: "text", part: "notice-ground", required: true, maxlength: 200 });
      const why = h("textarea", { id: `${id}-why`, part: "textarea notice-explanation", required: true, rows: 3 });
      const email = this.session ? null : h("input", { id: `${id}-email`, type: "email", part: "notice-email", required: true, autocomplete: "email" });
      const faith = h("input", { id: `${id}-faith`, type: "checkbox", part: "notice-good-faith" });
      const message = h("div", { class: "notice", "aria-live": "polite" });
      const form = h(
        "form",
        { part: "form notice-form", "aria-label": "Notify illegal content", novalidate: true },
        h("label", { for: ground.id, text: "Which law does it break?" }),
        ground,
        h("label", { for: why.id, text: "Why is the comment illegal under that law?" }),
        why,
        email ? h("label", { for: email.id, text: "Your e-mail address (we send the outcome there)" }) : null,
        email,
        h("label", { class: "check" }, faith, " I confirm that this notice is accurate and sent in good faith."),
        message,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", class: "primary", part: "button submit-notice", text: "Send notice" }),
          h("button", { type: "button", part: "button cancel", text: "Cancel", onclick: close }),
        ),
      );
      form.addEventListener("keydown", (event) => {
        if (event.key === "Escape") close();
      });
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const missing = [ground, why, email].find((field) => field && !field.value.trim());
        if (missing) {
          this.showMessage(message, "Fill in every field.", "warn");
          return missing.focus();
        }
        if (!faith.checked) {
          this.showMessage(message, "Confirm that the notice is accurate and in good faith.", "warn");
          return faith.focus();
        }
        try {
          await this.api(`/api/v1/comments/${c.id}/notices/`, {
            method: "POST",
            body: {
              legal_ground: ground.value.trim(),
              explanation: why.value.trim(),
              good_faith: true,
              ...(email ? { email: email.value.trim() } : {}),
            },
          });
          this.markReported(li, "Thank you. Your notice was received; you will be told the outcome by e-mail.");
        } catch (error) {
          this.showMessage(message, error.message, "error");
        }
      });
      this.openSlot(li, form);
    }

    markReported(li, text) {
      li.slot_.replaceChildren();
      const button = li.querySelector(":scope > article button.report");
      if (button) {
        button.disabled = true;
        button.textContent = "Reported";
      }
      this.say(text);
    }
  }

  // ---- public API ----

  function mount(host) {
    if (!host || host.parleyThread) return host && host.parleyThread;
    if (!host.dataset.parleySite || !host.dataset.parleyArticle) return null;
    const thread = new Thread(host);
    host.parleyThread = thread;
    instances.add(thread);
    thread.start();
    return thread;
  }

  function targets(site) {
    return [...instances].filter((t) => !site || t.site === site);
  }

  window.Parley = {
    version: VERSION,
    api: API,
    mount,
    mountAll() {
      document.querySelectorAll("[data-parley-site][data-parley-article]").forEach(mount);
    },
    /** Exchange a host-signed reader token; one exchange per site (tokens are single-use). */
    async signIn(ssoToken, { site } = {}) {
      const list = targets(site);
      if (!list.length) throw new Error("No Parley thread on this page.");
      const session = await list[0].signIn(ssoToken);
      await Promise.all(
        list.slice(1).filter((t) => t.site === list[0].site).map((t) => {
          t.saveSession(session);
          return t.reload();
        }),
      );
      return session && session.reader;
    },
    async signOut({ site } = {}) {
      await Promise.all(targets(site).map((t) => t.signOut()));
    },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => window.Parley.mountAll());
  } else {
    window.Parley.mountAll();
  }
})();
