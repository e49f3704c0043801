// @ts-check
/*
 * /admin's evidence (under Today): each matched check-in's snapshot beside the enrolled photo it
 * matched, and disputes. Photos load lazily, a few at a time (images.js).
 */
import { byId, el } from "../dom.js";
import { ImageLoader } from "../images.js";
import { api, clock, counted, failure, fresh, notice, quietly, session } from "./context.js";

const EVIDENCE_LIMIT = 200;

/**
 * @typedef {object} CheckIn
 * @property {number} checkin_id
 * @property {string | null} employee_id
 * @property {string | null} employee_name
 * @property {string} checked_in_at
 * @property {string | null} api_key_name
 * @property {string} [method] face, pin or qr
 * @property {number | null} distance
 * @property {string | null} snapshot_path
 * @property {string | null} face_photo_path
 * @property {boolean} disputed
 * @property {string | null} disputed_by
 * @property {string | null} disputed_at
 * @property {string | null} dispute_reason
 */

const images = new ImageLoader(() => session.key());
/** @type {CheckIn | null} */
let disputing = null;
let shownDay = "";

/**
 * The day's matched check-ins, newest first.
 * @param {string} day YYYY-MM-DD
 * @param {AbortSignal} signal
 */
export async function loadEvidence(day, signal) {
  shownDay = day;
  const answer = await api("/api/v1/checkins?matched=true&limit=" + EVIDENCE_LIMIT + "&from=" + day + "&to=" + day, { signal });
  if (!answer.ok) return notice(failure(answer, "Could not read the check-ins"), "error");
  /** @type {CheckIn[]} */
  const items = answer.body.items.slice().reverse();
  const total = answer.body.total;
  byId("evidence-title").textContent = "Check-ins and what the kiosk saw: " + total;
  byId("evidence-empty").hidden = items.length > 0;
  const more = byId("evidence-more");
  more.hidden = total <= items.length;
  more.textContent = "Showing the first " + items.length + " of " + total + ".";
  images.clear();
  byId("evidence-list").replaceChildren(...items.map((c) => card(c, signal)));
}

/**
 * @param {CheckIn} c
 * @param {AbortSignal} signal
 */
function card(c, signal) {
  const item = el("li", { class: "evidence" + (c.disputed ? " disputed" : ""), "data-checkin": c.checkin_id });
  const seenImg = el("img", { alt: "Seen at the kiosk", class: "snapshot" });
  const knownImg = el("img", { alt: "Enrolled photo of " + (c.employee_name || c.employee_id), class: "enrolled" });
  const seen = el("figure");
  seen.append(seenImg, el("figcaption", {}, "Seen at " + (c.api_key_name || "kiosk")));
  const known = el("figure");
  known.append(knownImg, el("figcaption", {}, "Enrolled photo"));
  const pair = el("div", { class: "pair" });
  pair.append(seen, known);
  const method = c.method || "face";
  item.setAttribute("data-method", method);
  // A PIN or QR check-in (no biometrics) has no face to show, only how it was made.
  const byCode = el("p", { class: "by-code" }, method === "pin" ? "Checked in with a personal code (PIN) at " + (c.api_key_name || "kiosk")
    : "Checked in with a personal QR code at " + (c.api_key_name || "kiosk"));
  item.appendChild(method === "face" ? pair : byCode);
  const facts = el("div", { class: "facts" });
  facts.appendChild(el("strong", {}, (c.employee_name || "Unknown") + " (" + (c.employee_id || "–") + ")"));
  const how = method === "face" ? "distance " + (c.distance === null ? "–" : c.distance.toFixed(3)) : "by " + (method === "pin" ? "PIN" : "QR code");
  facts.appendChild(el("span", { class: "method" }, clock(c.checked_in_at) + " · " + how));
  if (c.disputed) {
    facts.appendChild(el("span", { class: "dispute" }, "Disputed by " + c.disputed_by + " at " + clock(c.disputed_at) + ": " + c.dispute_reason));
    const clear = el("button", { type: "button", class: "secondary small" }, "Clear dispute");
    clear.addEventListener("click", () => quietly(setDispute(c, false, "")));
    facts.appendChild(clear);
  } else {
    const mark = el("button", { type: "button", class: "secondary small dispute-open" }, "Dispute…");
    mark.addEventListener("click", () => openDispute(c));
    facts.appendChild(mark);
  }
  item.appendChild(facts);
  if (method === "face") {
    images.show(seenImg, c.snapshot_path, "Snapshot", signal);
    images.show(knownImg, c.face_photo_path, "Enrolled photo", signal);
  }
  return item;
}

/** @param {CheckIn} c */
function openDispute(c) {
  disputing = c;
  byId("dispute-what").textContent = (c.employee_name || c.employee_id) + ", " + clock(c.checked_in_at) + " at " + c.api_key_name + ".";
  byId("dispute-reason", HTMLTextAreaElement).value = "";
  byId("dispute-dialog", HTMLDialogElement).showModal();
  byId("dispute-reason").focus();
}

byId("dispute-dialog").addEventListener("close", () => {
  if (byId("dispute-dialog", HTMLDialogElement).returnValue !== "dispute" || !disputing) return;
  quietly(setDispute(disputing, true, byId("dispute-reason", HTMLTextAreaElement).value));
});

/**
 * @param {CheckIn} c
 * @param {boolean} disputed
 * @param {string} reason
 */
async function setDispute(c, disputed, reason) {
  const answer = await api("/api/v1/checkins/" + c.checkin_id, { method: "PATCH", json: { disputed, reason } });
  if (!answer.ok) return notice(failure(answer, "Could not change the check-in"), "error");
  notice(disputed ? "Check-in " + c.checkin_id + " marked disputed." : "Dispute cleared.", "success");
  await loadEvidence(shownDay, fresh());
  counted("evidence");
}
