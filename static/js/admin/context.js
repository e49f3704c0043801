// @ts-check
/*
 * What /admin's views share: the API with the admin key, the notice line, the AbortSignal of the
 * view on screen, and the counts the browser tests wait on. A view's requests carry its signal;
 * switching views, signing out or starting a newer request of the same view (a new search, the
 * next page) aborts the older one, and an aborted request never shows its answer.
 */
import { apiFetch, errorOf, isAbort, NetworkError } from "../api.js";
import { byId } from "../dom.js";

/**
 * @typedef {object} View
 * @property {(signal: AbortSignal) => Promise<unknown>} load fill the view (its requests carry `signal`)
 * @property {() => void} [leave] another view is shown or HR signed out: stop what runs (a camera)
 * @property {() => void} [home] its tab was clicked: back to the view's start (the list of people)
 */

/** The signed-in session, set by main.js once sign-in.js has started. */
export const session = {
  /** @type {() => string | null} */
  key: () => null,
  /** @type {() => string} */
  name: () => "",
  /** @type {() => void} */
  reject: () => {},
};

let current = new AbortController();

/** Abort what the view on screen is loading and hand out the signal for what it loads next. */
export function fresh() {
  current.abort();
  current = new AbortController();
  return current.signal;
}

/** The signal of the view on screen (for a view's follow-up loads after an action). */
export function viewSignal() {
  return current.signal;
}

/** Counts of completed loads by name (views, "person", "evidence", "liveness"): read by tests. */
/** @type {Record<string, number>} */
export const loaded = {};

/** @param {string} name */
export function counted(name) {
  loaded[name] = (loaded[name] || 0) + 1;
}

/**
 * The one line of news at the top of the page.
 * @param {string} text
 * @param {"info" | "success" | "error"} [state]
 */
export function notice(text, state = "info") {
  const box = byId("notice");
  box.textContent = text;
  box.setAttribute("data-state", state);
  box.hidden = !text;
}

/**
 * An API call with the admin key; 401 sends HR back to the key panel.
 * @param {string} path
 * @param {import("../api.js").CallOptions} [options]
 */
export async function api(path, options) {
  let answer;
  try {
    answer = await apiFetch(path, session.key(), options);
  } catch (err) {
    if (err instanceof NetworkError) notice("Server unreachable. Check the connection and try again.", "error");
    throw err;
  }
  if (answer.status === 401) {
    session.reject();
    throw new Error("key rejected");
  }
  return answer;
}

/**
 * "What: the server's message" for a refusal.
 * @param {import("../api.js").Answer} answer
 * @param {string} [what]
 */
export function failure(answer, what) {
  const error = errorOf(answer);
  return (what ? what + ": " : "") + (error.message || "the server answered " + answer.status);
}

/**
 * Run an action started by a click or a keystroke: an aborted one ends quietly, others are logged.
 * @param {Promise<unknown>} action
 */
export function quietly(action) {
  action.catch((err) => {
    if (!isAbort(err)) console.error(err);
  });
}

/**
 * "today 09:14", "3 Dec 2026 09:14" or "never", in the browser's zone.
 * @param {string | null | undefined} iso
 * @param {boolean} [withDate]
 */
export function when(iso, withDate) {
  if (!iso) return "never";
  const date = new Date(iso);
  if (isNaN(date.getTime())) return iso;
  const time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  if (!withDate) return time;
  const today = new Date().toDateString() === date.toDateString();
  return today ? "today " + time : date.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" }) + " " + time;
}

/**
 * The day of a Date as YYYY-MM-DD in the browser's zone.
 * @param {Date} date
 */
export function isoDay(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

/**
 * HH:MM as the server wrote it, in the office's zone (not the browser's).
 * @param {string | null | undefined} iso
 */
export function clock(iso) {
  const found = /T(\d\d:\d\d)/.exec(iso || "");
  return found ? found[1] : iso || "";
}
