// @ts-check
/*
 * HR's sign-in (static/parts/key-panel.html and the header's #signed-in, #sign-out), shared by
 * /enroll and /admin: the company account (single sign-on: a session cookie the page never
 * reads, and the CSRF token it sends with changes), or an admin key kept in this tab's
 * sessionStorage only, never in the page.
 */
import { apiFetch, setCsrfToken, whoami } from "./api.js";
import { byId } from "./dom.js";

const KEY_STORAGE = "facegate.adminKey";

/**
 * @typedef {object} SignInOptions
 * @property {(key: string, who: import("./api.js").Who) => void} onSignedIn the page's content may show
 * @property {() => void} onSignedOut hide the content, stop the camera, drop what the key fetched
 * @property {(role: string) => string} wrongRole what to say about a key that is not an admin key
 * @property {string[]} [roles] the roles this page serves (default: admin)
 */

/**
 * @typedef {object} Session
 * @property {() => string | null} key the admin key while signed in
 * @property {() => string} name the key's name while signed in
 * @property {() => void} reject the server refused the key (401/403): forget it, ask again
 */

/**
 * Wire the key panel and the sign-out button; signs in at once with a key kept in this tab.
 * @param {SignInOptions} options
 * @returns {Session}
 */
export function startSignIn(options) {
  const panel = byId("key-panel");
  const form = byId("key-form", HTMLFormElement);
  const input = byId("admin-key", HTMLInputElement);
  const submit = byId("key-submit", HTMLButtonElement);
  const message = byId("key-message");
  const signedIn = byId("signed-in");
  const signOut = byId("sign-out", HTMLButtonElement);

  const ssoBox = byId("sso-box");
  const ssoLink = byId("sso-sign-in", HTMLAnchorElement);
  const roles = options.roles || ["admin"];

  /** @type {string | null} */
  let key = null;
  let name = "";
  let viaSso = false; // signed in with the company account: the cookie carries the session

  /** @param {string} text */
  function showPanel(text) {
    key = null;
    name = "";
    options.onSignedOut();
    signOut.hidden = true;
    signedIn.textContent = "";
    panel.hidden = false;
    message.textContent = text;
    input.focus();
  }

  /** @param {string} text */
  function forget(text) {
    sessionStorage.removeItem(KEY_STORAGE);
    showPanel(text);
  }

  /** @param {string} candidate */
  async function tryKey(candidate) {
    submit.disabled = true;
    message.textContent = "Checking the key…";
    try {
      const who = await whoami(candidate);
      if (who.status === 200 && roles.includes(who.role)) {
        sessionStorage.setItem(KEY_STORAGE, candidate);
        key = candidate;
        name = who.name;
        panel.hidden = true;
        input.value = "";
        signOut.hidden = false;
        signedIn.textContent = "Signed in as " + who.name;
        options.onSignedIn(candidate, who);
      } else if (who.status === 200) {
        forget(options.wrongRole(who.role));
      } else if (who.status === 401 || who.status === 403) {
        forget("That key was not accepted. Check it and try again.");
      } else {
        showPanel("The server could not check the key (" + who.status + "). Try again.");
        input.value = candidate;
      }
    } catch {
      showPanel("Server unreachable, could not check the key. Try again.");
      input.value = candidate;
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const candidate = input.value.trim();
    if (candidate) tryKey(candidate);
  });
  signOut.addEventListener("click", async () => {
    if (viaSso) {
      await apiFetch("/auth/logout", null, { method: "POST" }).catch(() => null);
      endSso("Signed out.");
    } else forget("Signed out.");
  });

  /** @param {string} text */
  function endSso(text) {
    viaSso = false;
    setCsrfToken("");
    showPanel(text);
  }

  /** The single sign-on session, if any; else how this page may be signed in to. */
  async function trySso() {
    ssoLink.href = "/auth/login?next=" + encodeURIComponent(location.pathname);
    let state = null;
    try {
      state = (await apiFetch("/auth/session", null)).body;
    } catch {
      state = null;
    }
    ssoBox.hidden = !(state && state.sso);
    form.hidden = Boolean(state && state.sso && state.keys_on_pages === false);
    if (state && state.signed_in) {
      const role = state.roles.includes("admin") ? "admin" : state.roles[0] || "";
      if (!roles.includes(role)) {
        showPanel(options.wrongRole(role));
        return true;
      }
      viaSso = true;
      setCsrfToken(state.csrf_token);
      key = null;
      name = state.name;
      panel.hidden = true;
      signOut.hidden = false;
      signedIn.textContent = "Signed in as " + state.name;
      // a person, not a kiosk: no site or direction of their own
      const who = { status: 200, name: state.name, role, liveness: "off", siteName: "", direction: "" };
      options.onSignedIn("", who);
      return true;
    }
    return false;
  }

  const stored = sessionStorage.getItem(KEY_STORAGE);
  trySso().then((signedInBySso) => {
    if (signedInBySso) return;
    if (stored && !form.hidden) tryKey(stored);
    else showPanel("");
  });

  return {
    key: () => key,
    name: () => name,
    reject: () =>
      viaSso ? endSso("Your session ended. Sign in again.") : forget("The admin key was rejected. Enter it again."),
  };
}
