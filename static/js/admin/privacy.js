// @ts-check
/*
 * /admin's privacy parts: the Privacy view (the notice in force and its next version, the
 * retention schedule, the exemption when CONSENT_REQUIRED=false) and, on a person, their status
 * (active, or left on a day), consent history, a paper consent or withdrawal to record, and the
 * access export (one ZIP of everything held about them).
 */
import { apiBlob, apiFetch } from "../api.js";
import { byId, el, setMessage } from "../dom.js";
import { api, failure, quietly, session, when } from "./context.js";

/** @typedef {{after_leaving_days: number, inactive_days: number, attendance_days: number}} Schedule */
/** @typedef {{consent_required: boolean, notice: {version: number, text: string}, retention: Schedule, contact: string}} Statement */
/** @typedef {{decision: string, method: string, notice_version: number, signature: string | null, reference: string | null, recorded_by: string, recorded_at: string}} ConsentRecord */
/** @typedef {{employee_id: string, name: string, status?: string, left_on?: string | null, biometrics?: string}} Someone */

/** @type {Someone | null} */
let shown = null;
/** @type {(employeeId: string) => Promise<void>} */
let reopen = async () => {};

/** @param {Schedule} schedule */
function scheduleLines(schedule) {
  return [
    "Biometric data of people who left: destroyed " +
      (schedule.after_leaving_days ? schedule.after_leaving_days + " days after they leave." : "on the day they leave."),
    "Biometric data of people not seen for " + schedule.inactive_days + " days: destroyed.",
    "Check-in records: " + (schedule.attendance_days ? "kept " + schedule.attendance_days + " days." : "kept until erasure."),
  ];
}

/** @param {AbortSignal} signal */
async function loadPrivacy(signal) {
  const answer = await apiFetch("/privacy.json", null, { signal });
  if (!answer.ok) return setMessage(byId("notice-message"), "error", "Could not load the notice.");
  /** @type {Statement} */
  const statement = answer.body;
  byId("privacy-exempt").hidden = statement.consent_required;
  byId("privacy-schedule").replaceChildren(...scheduleLines(statement.retention).map((line) => el("li", {}, line)));
  byId("notice-version").textContent = String(statement.notice.version);
  byId("notice-text", HTMLTextAreaElement).value = statement.notice.text;
}

async function publishNotice() {
  const message = byId("notice-message");
  const text = byId("notice-text", HTMLTextAreaElement).value.trim();
  if (!text) return setMessage(message, "error", "Write the notice first.");
  if (!window.confirm("Publish this text as a new version? Consents given from now on name it.")) return;
  const answer = await api("/api/v1/consent/notice", { method: "POST", json: { text } });
  if (!answer.ok) return setMessage(message, "error", failure(answer, "Not published"));
  byId("notice-version").textContent = String(answer.body.version);
  setMessage(message, "success", "Published as version " + answer.body.version + ".");
}

/** @type {import("./context.js").View} */
export const privacyView = { load: loadPrivacy };

/** @param {ConsentRecord} record */
function consentLine(record) {
  const how = record.method === "signature" ? "signed \u201c" + (record.signature || "") + "\u201d"
    : record.method + " " + (record.reference || "");
  return el("li", { "data-decision": record.decision },
    record.decision + " \u00b7 notice v" + record.notice_version + " \u00b7 " + how + " \u00b7 " +
    when(record.recorded_at, true) + " by " + record.recorded_by);
}

/**
 * Fill the person's privacy card.
 * @param {Someone} person
 * @param {AbortSignal} signal
 */
export async function showPersonPrivacy(person, signal) {
  shown = person;
  const biometrics = person.biometrics === "none"
    ? "No biometrics: no face is kept; checks in with a personal code or QR code."
    : "Checks in with their face.";
  byId("person-biometrics").textContent = biometrics;
  byId("person-status", HTMLSelectElement).value = person.status || "active";
  byId("person-left-on", HTMLInputElement).value = person.left_on || "";
  setMessage(byId("status-message"), "idle", "");
  setMessage(byId("consent-record-message"), "idle", "");
  setMessage(byId("person-export-message"), "idle", "");
  const answer = await api("/api/v1/employees/" + encodeURIComponent(person.employee_id) + "/consent", { signal });
  const list = byId("consent-history");
  /** @type {ConsentRecord[]} */
  const items = answer.ok ? answer.body.items : [];
  list.replaceChildren(...(items.length ? items.map(consentLine) : [el("li", { class: "empty" }, "No consent on record.")]));
}

async function saveStatus() {
  if (!shown) return;
  const status = byId("person-status", HTMLSelectElement).value;
  const leftOn = byId("person-left-on", HTMLInputElement).value;
  /** @type {Record<string, string>} */
  const changes = { status };
  if (status === "left" && leftOn) changes.left_on = leftOn;
  const answer = await api("/api/v1/employees/" + encodeURIComponent(shown.employee_id), { method: "PATCH", json: changes });
  if (!answer.ok) return setMessage(byId("status-message"), "error", failure(answer, "Not saved"));
  setMessage(byId("status-message"), "success", status === "left"
    ? "Left on " + answer.body.left_on + ": the retention schedule destroys their biometric data."
    : "Active.");
}

async function recordConsent() {
  if (!shown) return;
  const who = shown;
  const decision = byId("consent-decision", HTMLSelectElement).value;
  const reference = byId("consent-reference", HTMLInputElement).value.trim();
  const message = byId("consent-record-message");
  if (!reference) return setMessage(message, "error", "Give the reference of the signed form or letter.");
  if (decision !== "given" &&
      !window.confirm("Record this and destroy " + who.name + "'s photos, face vectors and check-in pictures now?")) return;
  const privacy = await apiFetch("/privacy.json", null);
  const version = privacy.ok ? privacy.body.notice.version : undefined;
  const answer = await api("/api/v1/employees/" + encodeURIComponent(who.employee_id) + "/consent", {
    method: "POST",
    json: { decision, method: "paper", reference, notice_version: decision === "given" ? version : undefined },
  });
  if (!answer.ok) return setMessage(message, "error", failure(answer, "Not recorded"));
  byId("consent-reference", HTMLInputElement).value = "";
  await reopen(who.employee_id);
  const gone = answer.body.faces_destroyed;
  setMessage(byId("consent-record-message"), "success", decision === "given" ? "Consent recorded."
    : "Recorded; " + gone + " face" + (gone === 1 ? "" : "s") + " and their pictures destroyed.");
}

async function exportPerson() {
  if (!shown) return;
  const who = shown;
  const message = byId("person-export-message");
  setMessage(message, "idle", "Preparing the export…");
  const got = await apiBlob("/api/v1/employees/" + encodeURIComponent(who.employee_id) + "/export", session.key());
  if (!got.ok || !got.blob) return setMessage(message, "error", "The export failed (" + got.status + ").");
  const name = "facegate-" + who.employee_id + ".zip";
  const url = URL.createObjectURL(got.blob);
  const link = el("a", { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  setMessage(message, "success", "Downloaded " + name + " (" + Math.ceil(got.blob.size / 1024) + " KB).");
}

/**
 * Wire the Privacy view and the person's privacy card; `open` shows a person again.
 * @param {(employeeId: string) => Promise<void>} open
 */
export function wirePrivacy(open) {
  reopen = open;
  byId("notice-form").addEventListener("submit", (event) => {
    event.preventDefault();
    quietly(publishNotice());
  });
  byId("status-form").addEventListener("submit", (event) => {
    event.preventDefault();
    quietly(saveStatus());
  });
  byId("consent-record-form").addEventListener("submit", (event) => {
    event.preventDefault();
    quietly(recordConsent());
  });
  byId("person-export").addEventListener("click", () => quietly(exportPerson()));
}
