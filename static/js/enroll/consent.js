// @ts-check
/*
 * /enroll's consent step: the notice in force (GET /privacy.json) and the person's typed
 * signature come before any photo. The consent is recorded at once (POST
 * /api/v1/employees/{id}/consent); the photos card opens only when the person's consent is on
 * record, or when the operator is exempt (CONSENT_REQUIRED=false, said on the card).
 */
import { apiFetch, errorOf } from "../api.js";
import { byId, setMessage } from "../dom.js";

/** @typedef {{version: number, text: string}} NoticeShown */
/** @typedef {"loading" | "required" | "signed" | "on-record" | "declined" | "exempt"} ConsentState */

const el = {
  card: byId("consent"),
  notice: byId("consent-notice"),
  version: byId("consent-version"),
  exempt: byId("consent-exempt"),
  form: byId("consent-sign"),
  signature: byId("consent-signature", HTMLInputElement),
  agree: byId("consent-agree", HTMLButtonElement),
  decline: byId("consent-decline", HTMLButtonElement),
  message: byId("consent-message"),
  photos: byId("photos-card"),
  id: byId("employee-id", HTMLInputElement),
  name: byId("employee-name", HTMLInputElement),
};

/** For the test hooks. */
export const consent = { state: /** @type {ConsentState} */ ("loading"), version: 0 };

/** @type {() => void} */
let opened = () => {};

/** True when photos may be taken and sent for the person in the form. */
export function consentReady() {
  return ["signed", "on-record", "exempt"].includes(consent.state);
}

/** @param {ConsentState} state */
function setState(state) {
  consent.state = state;
  el.card.setAttribute("data-state", state);
  const ready = consentReady();
  el.photos.hidden = !ready;
  el.form.hidden = state !== "required";
  if (ready) opened();
}

/**
 * Show the notice in force and ask for a signature (or say the operator is exempt).
 * @param {() => void} onReady called whenever the photos may start (the camera)
 */
export async function loadConsent(onReady) {
  opened = onReady;
  const answer = await apiFetch("/privacy.json", null);
  if (!answer.ok) {
    setMessage(el.message, "error", "The notice could not be loaded; reload the page.");
    return;
  }
  /** @type {{consent_required: boolean, notice: NoticeShown}} */
  const privacy = answer.body;
  consent.version = privacy.notice.version;
  el.version.textContent = "Notice version " + privacy.notice.version;
  el.notice.replaceChildren(
    ...privacy.notice.text.split(/\n\n+/).map((part) => {
      const p = document.createElement("p");
      p.textContent = part;
      return p;
    }),
  );
  el.exempt.hidden = privacy.consent_required;
  setState(privacy.consent_required ? "required" : "exempt");
}

/**
 * When HR types an employee id that already has a consent on record, say so and open the photos.
 * @param {string | null} key
 */
async function checkOnRecord(key) {
  if (consent.state === "exempt" || consent.state === "loading") return;
  const id = el.id.value.trim();
  if (!id) return;
  const answer = await apiFetch("/api/v1/employees/" + encodeURIComponent(id) + "/consent", key);
  const items = answer.ok && Array.isArray(answer.body.items) ? answer.body.items : [];
  const latest = items.length ? items[items.length - 1] : null;
  if (latest && latest.decision === "given") {
    setMessage(el.message, "success", "Consent on record: notice version " + latest.notice_version +
      ", " + new Date(latest.recorded_at).toLocaleDateString() + " (" + latest.method + ").");
    setState("on-record");
  } else if (consent.state === "on-record" || consent.state === "signed") {
    setMessage(el.message, "idle", "");
    setState("required");
  }
}

/**
 * Record the person's decision with their typed name.
 * @param {string | null} key
 * @param {"given" | "declined"} decision
 * @param {() => void} reject the key was refused
 */
async function decide(key, decision, reject) {
  const id = el.id.value.trim();
  const name = el.name.value.trim();
  const signature = el.signature.value.trim();
  if (!id || !name) return setMessage(el.message, "error", "Enter the employee ID and full name first.");
  if (!signature) return setMessage(el.message, "error", "The employee types their full name to sign.");
  const answer = await apiFetch("/api/v1/employees/" + encodeURIComponent(id) + "/consent", key, {
    method: "POST",
    json: { decision, method: "signature", notice_version: consent.version, signature, employee_name: name },
  });
  if (answer.status === 401 || answer.status === 403) return reject();
  if (!answer.ok) {
    const error = errorOf(answer);
    const fields = error.details.fields || {};
    const said = fields.signature ? "The signature must be the employee's full name as entered above." : error.message;
    return setMessage(el.message, "error", said || "Not recorded (" + answer.status + ").");
  }
  el.signature.value = "";
  if (decision === "given") {
    setMessage(el.message, "success", "Signed by " + signature + ": consent recorded. Take the photos.");
    setState("signed");
  } else {
    setMessage(el.message, "success", "Declined: recorded. No face is stored; on /admin, give " + name +
      " a personal code or QR code to check in.");
    setState("declined");
  }
}

/**
 * Wire the consent card to the signed-in session.
 * @param {import("../sign-in.js").Session} session
 */
export function wireConsent(session) {
  el.id.addEventListener("change", () => {
    checkOnRecord(session.key()).catch(() => {});
  });
  el.agree.addEventListener("click", () => {
    decide(session.key(), "given", () => session.reject()).catch(() => setMessage(el.message, "error", "Server unreachable."));
  });
  el.decline.addEventListener("click", () => {
    decide(session.key(), "declined", () => session.reject()).catch(() => setMessage(el.message, "error", "Server unreachable."));
  });
}

/** The next employee: the consent step again (unless exempt). */
export function resetConsent() {
  if (consent.state !== "exempt" && consent.state !== "loading") {
    setMessage(el.message, "idle", "");
    setState("required");
  }
}
