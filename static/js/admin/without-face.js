// @ts-check
/*
 * One person's way in without a face on /admin (docs/no-biometrics.md): "no biometrics" (which
 * destroys their faces, photos and snapshots at once), their PIN (set, made up, unlocked) and
 * their personal QR codes (issued, printed, revoked). Codes are drawn here from the text the
 * API gives; the signing secret never reaches the page.
 */
import { byId, el, setMessage } from "../dom.js";
import { qrSvg } from "../qr-svg.js";
import { api, failure, quietly, when } from "./context.js";

/**
 * @typedef {{employee_id: string, name: string, biometrics?: string, faces: unknown[]}} Person
 * @typedef {{has_pin: boolean, set_at: string | null, failures: number, locked_until: string | null, pin: string | null}} PinState
 * @typedef {{token_id: string, code: string | null, issued_at: string, issued_by: string | null, revoked_at: string | null}} QrCode
 */

/** @type {Person | null} */
let person = null;
/** @type {() => Promise<void>} */
let reopen = async () => {};

const path = (/** @type {string} */ tail) => "/api/v1/employees/" + encodeURIComponent(person ? person.employee_id : "") + tail;
const say = (/** @type {string} */ state, /** @type {string} */ text) => setMessage(byId("without-face-message"), state, text);

/**
 * Show the person's choice and, without biometrics, their PIN and QR codes.
 * @param {Person} shown
 * @param {AbortSignal} signal
 */
export async function showWithoutFace(shown, signal) {
  person = shown;
  const none = shown.biometrics === "none";
  byId("without-face").setAttribute("data-biometrics", none ? "none" : "face");
  byId("biometrics-state").textContent = none
    ? "No biometrics: no face is kept. " + shown.name + " checks in with a personal code or a QR code."
    : "Checks in with their face. Choose no biometrics to offer a personal code or QR code instead.";
  byId("photos-card").hidden = none; // no photo is kept, none can be added
  byId("biometrics-none").hidden = none;
  byId("biometrics-face").hidden = !none;
  byId("credentials").hidden = !none;
  byId("qr-print").hidden = true;
  if (!none) return;
  const [pin, codes] = await Promise.all([api(path("/pin"), { signal }), api(path("/qr-codes"), { signal })]);
  if (pin.ok) showPin(/** @type {PinState} */ (pin.body));
  if (codes.ok) showCodes(/** @type {{items: QrCode[]}} */ (codes.body).items);
}

/** @param {PinState} state */
function showPin(state) {
  const locked = state.locked_until && new Date(state.locked_until) > new Date();
  byId("pin-state").textContent = !state.has_pin
    ? "No personal code yet."
    : locked
      ? "Locked after " + state.failures + " wrong codes, until " + when(state.locked_until, true) + "."
      : "Personal code set " + when(state.set_at, true) + (state.failures ? " (" + state.failures + " wrong since the last right one)." : ".");
  byId("pin-unlock").hidden = !locked;
}

/** @param {QrCode[]} codes */
function showCodes(codes) {
  const list = byId("qr-list");
  list.replaceChildren();
  if (!codes.length) list.appendChild(el("li", { class: "empty" }, "No QR code issued."));
  for (const code of codes) {
    const item = el("li", { "data-token": code.token_id });
    const said = "Issued " + when(code.issued_at, true) + (code.issued_by ? " by " + code.issued_by : "");
    item.appendChild(el("span", {}, code.revoked_at ? said + " · revoked " + when(code.revoked_at, true) : said));
    const text = code.code;
    if (text && !code.revoked_at) {
      const print = el("button", { type: "button", class: "secondary small", "data-action": "print" }, "Print");
      print.addEventListener("click", () => printCode(text));
      const revoke = el("button", { type: "button", class: "danger small", "data-action": "revoke" }, "Revoke");
      revoke.addEventListener("click", () => quietly(revokeCode(code.token_id)));
      item.append(print, revoke);
    }
    list.appendChild(item);
  }
}

/**
 * The printable card of a code, then the browser's print dialog (CSS prints the card only).
 * @param {string} text
 */
function printCode(text) {
  byId("qr-print-name").textContent = person ? person.name + " (" + person.employee_id + ")" : "";
  byId("qr-print-code").replaceChildren(qrSvg(text));
  byId("qr-print").hidden = false;
  document.body.classList.add("printing-qr");
  window.addEventListener("afterprint", () => document.body.classList.remove("printing-qr"), { once: true });
  if (!navigator.webdriver) window.print(); // a test browser has no printer to wait for
}

/** @param {"none" | "face"} biometrics */
async function choose(biometrics) {
  if (!person) return;
  if (biometrics === "none" && !window.confirm(
    "Choose no biometrics for " + person.name + "? Every enrolled photo, face vector and check-in snapshot " +
    "of theirs is destroyed now, and no face of theirs can be enrolled until this is changed back.")) return;
  const answer = await api(path("/biometrics"), { method: "PUT", json: { biometrics } });
  if (!answer.ok) return say("error", failure(answer, "Not changed"));
  await reopen();
  say("success", biometrics === "none" ? "No biometrics: their faces and photos are destroyed." : "Face check-in allowed; PIN and QR codes removed.");
}

/** @param {string | null} pin null: facegate makes one up and shows it once */
async function setPin(pin) {
  const answer = await api(path("/pin"), { method: "PUT", json: pin === null ? {} : { pin } });
  byId("pin-value", HTMLInputElement).value = "";
  if (!answer.ok) return say("error", failure(answer, "PIN not set"));
  const state = /** @type {PinState} */ (answer.body);
  showPin(state);
  say("success", state.pin ? "New personal code: " + state.pin + " (shown once: hand it over now)." : "Personal code set.");
}

async function unlock() {
  const answer = await api(path("/pin/lockout"), { method: "DELETE" });
  if (answer.status !== 204) return say("error", failure(answer, "Not unlocked"));
  const state = await api(path("/pin"));
  if (state.ok) showPin(/** @type {PinState} */ (state.body));
  say("success", "Unlocked: the personal code works again.");
}

async function issueCode() {
  const answer = await api(path("/qr-codes"), { method: "POST" });
  if (!answer.ok) return say("error", failure(answer, "No QR code issued"));
  const codes = await api(path("/qr-codes"));
  if (codes.ok) showCodes(/** @type {{items: QrCode[]}} */ (codes.body).items);
  printCode(/** @type {QrCode} */ (answer.body).code || "");
  say("success", "QR code issued: print it or send it. It works until revoked.");
}

/** @param {string} tokenId */
async function revokeCode(tokenId) {
  if (!window.confirm("Revoke this QR code? The kiosk refuses it from now on.")) return;
  const answer = await api(path("/qr-codes/" + encodeURIComponent(tokenId)), { method: "DELETE" });
  if (answer.status !== 204) return say("error", failure(answer, "Not revoked"));
  const codes = await api(path("/qr-codes"));
  if (codes.ok) showCodes(/** @type {{items: QrCode[]}} */ (codes.body).items);
  byId("qr-print").hidden = true;
  say("success", "QR code revoked.");
}

/**
 * Wire the card's buttons; `again` reloads the person after a change of biometrics.
 * @param {() => Promise<void>} again
 */
export function wireWithoutFace(again) {
  reopen = again;
  byId("biometrics-none").addEventListener("click", () => quietly(choose("none")));
  byId("biometrics-face").addEventListener("click", () => quietly(choose("face")));
  byId("pin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    quietly(setPin(byId("pin-value", HTMLInputElement).value.trim()));
  });
  byId("pin-make").addEventListener("click", () => quietly(setPin(null)));
  byId("pin-unlock").addEventListener("click", () => quietly(unlock()));
  byId("qr-issue").addEventListener("click", () => quietly(issueCode()));
}
