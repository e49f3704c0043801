// @ts-check
/* The kiosk's screen: the result panel (#result and its data-state) and the server's answers in words. */
import { errorOf } from "../api.js";
import { drawFaces } from "../detector.js";
import { byId } from "../dom.js";

export const el = {
  body: document.body,
  video: byId("video", HTMLVideoElement),
  overlay: byId("overlay", HTMLCanvasElement),
  result: byId("result"),
  icon: byId("result-icon"),
  name: byId("result-name"),
  message: byId("result-message"),
  detail: byId("result-detail"),
  setup: byId("setup", HTMLFormElement),
  keyInput: byId("kiosk-key", HTMLInputElement),
  saveKey: byId("save-key", HTMLButtonElement),
  clock: byId("clock"),
  kioskName: byId("kiosk-name"),
  codeOpen: byId("code-open", HTMLButtonElement),
  keypad: byId("keypad", HTMLFormElement),
};

/** @typedef {"scanning" | "challenge" | "code" | "matched" | "unknown" | "error" | "setup" | "camera-error"} State */

/**
 * What to do after an answer: "shown" (result on screen: cool down), "quiet" (no face: resume
 * soon), "down" (retry with backoff), "rejected" (bad key), "challenge" (the key now asks for a
 * head turn: resume soon, with the challenge).
 * @typedef {"shown" | "quiet" | "down" | "rejected" | "challenge"} Outcome
 */

/** @type {Record<State, string>} */
const ICONS = { matched: "✓", unknown: "?", error: "!", "camera-error": "!", setup: "", scanning: "", challenge: "", code: "" };

/** @type {State} */
let mode = "scanning";

/** The state on screen (mirrors #result[data-state]). */
export function shown() {
  return mode;
}

/**
 * @param {State} state
 * @param {string} message
 * @param {{name?: string, detail?: string}} [opts]
 */
export function show(state, message, opts = {}) {
  mode = state;
  el.result.setAttribute("data-state", state);
  el.body.setAttribute("data-state", state); // lets CSS tint the whole screen
  el.icon.textContent = ICONS[state] || "";
  el.name.textContent = opts.name || "";
  el.message.textContent = message;
  el.detail.textContent = opts.detail || "";
  el.setup.hidden = state !== "setup";
  el.keypad.hidden = state !== "code";
  // A way in without a face, offered whenever the kiosk is looking (docs/no-biometrics.md).
  el.codeOpen.hidden = state !== "scanning" && state !== "unknown";
  if (state !== "scanning") drawFaces(el.overlay, el.video, []);
}

/**
 * The scanning hint, changed without touching the rest of the panel.
 * @param {string} message
 */
export function hint(message) {
  if (mode === "scanning" && el.message.textContent !== message) el.message.textContent = message;
}

/** @param {string | null | undefined} iso */
function formatTime(iso) {
  let date = iso ? new Date(iso) : new Date();
  if (isNaN(date.getTime())) date = new Date();
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function tickClock() {
  el.clock.textContent = formatTime(null);
}

/**
 * Show the server's answer to a check-in (search or head turn).
 * @param {import("../api.js").Answer} answer
 * @returns {Outcome}
 */
export function showAnswer(answer) {
  const body = answer.body || {};
  if (answer.status === 401 || answer.status === 403) return "rejected";
  const refused = errorOf(answer);
  if (refused.code === "pin_locked") {
    const minutes = Math.max(1, Math.ceil(Number(refused.details.retry_after || 60) / 60));
    const whose = refused.details.scope === "kiosk" ? "at this kiosk" : "for this ID";
    show("error", "Too many wrong codes " + whose, { detail: "Try again in " + minutes + " min, or ask HR to unlock it." });
    return "shown";
  }
  if (answer.status >= 500 || answer.status === 429) return "down";

  if (answer.status === 200 && body.matched === true) {
    // A repeat within the server's window wrote nothing: say when it was.
    // Which way the person went (a "both" kiosk decides it per working day).
    const way = body.direction === "out" ? "out" : "in";
    const said = (body.repeat === true ? "Already checked " : "Checked ") + way + " at ";
    show("matched", said + formatTime(body.checked_in_at), { name: body.employee_name || body.employee_id || "" });
    return "shown";
  }
  if (answer.status === 200 && body.reason === "no_face_detected") return "quiet";
  if (answer.status === 200) {
    show("unknown", "Not recognised - please see reception");
    return "shown";
  }
  const error = refused;
  if (error.code === "no_face_detected") return "quiet";
  if (error.code === "pin_incorrect") {
    show("error", "Wrong ID or code - please try again", { detail: "Several wrong codes lock it for a while." });
    return "shown";
  }
  if (error.code === "qr_revoked" || error.code === "qr_invalid") {
    const said = error.code === "qr_revoked" ? "This QR code is no longer valid" : "This QR code is not valid";
    show("error", said, { detail: "Please see HR for a new one." });
    return "shown";
  }
  if (error.code === "challenge_required") return "challenge"; // set on /admin since the kiosk started
  if (error.code === "liveness_failed") {
    show("error", "Not verified - please try again", { detail: livenessHelp(error.details) });
    return "shown";
  }
  if (error.code === "challenge_expired" || error.code === "challenge_used" || error.code === "challenge_invalid") {
    show("error", "Took too long - please try again", { detail: "Look at the camera, then turn your head when asked." });
    return "shown";
  }
  // Other refusals (bad image etc.): tell the person, then carry on.
  show("error", "Could not check in - please see reception", { detail: error.message || "Server answered " + answer.status });
  return "shown";
}

/**
 * What to do after a refused head turn, in words for the person at the kiosk.
 * @param {Record<string, any>} details
 */
function livenessHelp(details) {
  const which = details.direction ? "to your " + details.direction : "when asked";
  switch (details.reason) {
    case "wrong_way": return "Your head turned the other way. Turn it " + which + ".";
    case "no_turn": return "No head turn was seen. Look at the camera, then turn your head " + which + ".";
    case "same_frame": return "The camera showed the same picture. Stand in front of it yourself.";
    case "not_frontal": return "Look straight at the camera first, then turn your head " + which + ".";
    case "not_one_person": case "one_face": return "One person at a time, please.";
    default: return "Look at the camera, then turn your head " + which + ".";
  }
}
