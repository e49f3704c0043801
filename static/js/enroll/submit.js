// @ts-check
/*
 * /enroll's form: checks in the browser, then one POST /api/v1/employees/insert per photo. A
 * look-alike of someone else (409 possible_duplicate) is shown beside that person's photo for
 * HR to decide.
 */
import { apiBlob, apiFetch, errorOf } from "../api.js";
import { byId } from "../dom.js";
import { describeEnrollError } from "../enroll-errors.js";
import { consentReady, resetConsent } from "./consent.js";
import { cameraWorks, clearShots, taken } from "./shots.js";
import { clearUsedFaces, showUsedFaces } from "./used-faces.js";

/** @typedef {import("./shots.js").Shot} Shot */
/** @typedef {import("../api.js").Answer} Answer */

const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const el = {
  form: byId("enroll-form", HTMLFormElement),
  id: byId("employee-id", HTMLInputElement),
  name: byId("employee-name", HTMLInputElement),
  department: byId("department", HTMLInputElement),
  email: byId("email", HTMLInputElement),
  submit: byId("submit", HTMLButtonElement),
  outcome: byId("outcome"),
  compare: byId("compare"),
  compareText: byId("compare-text"),
  compareNew: byId("compare-new", HTMLImageElement),
  compareEnrolled: byId("compare-enrolled", HTMLImageElement),
  compareCaption: byId("compare-caption"),
  confirmDistinct: byId("confirm-distinct", HTMLButtonElement),
  cancelDistinct: byId("cancel-distinct", HTMLButtonElement),
};

// API field name → id of the element showing its error (the input's id without "-error").
/** @type {Record<string, string>} */
const FIELD_ERRORS = {
  employee_id: "employee-id-error", employee_name: "employee-name-error",
  department: "department-error", email: "email-error", image: "photo-error",
};

/** For the test hooks: photos sent. */
export const counts = { insertRequests: 0 };

function clearErrors() {
  for (const id of Object.values(FIELD_ERRORS)) byId(id).textContent = "";
  for (const input of [el.id, el.name, el.department, el.email]) input.removeAttribute("aria-invalid");
}

/**
 * Each message next to its field; returns the messages with no field.
 * @param {Record<string, unknown>} fields
 */
function showFieldErrors(fields) {
  /** @type {string[]} */
  const leftover = [];
  for (const [field, said] of Object.entries(fields)) {
    const target = FIELD_ERRORS[field] ? document.getElementById(FIELD_ERRORS[field]) : null;
    if (target) {
      target.textContent = String(said);
      const input = document.getElementById(FIELD_ERRORS[field].replace(/-error$/, ""));
      if (input instanceof HTMLInputElement) input.setAttribute("aria-invalid", "true");
    } else {
      leftover.push(field.replace(/_/g, " ") + ": " + String(said));
    }
  }
  return leftover;
}

/**
 * @param {string} state idle | success | error | confirm
 * @param {string} text
 */
function setOutcome(state, text) {
  el.outcome.setAttribute("data-state", state);
  el.outcome.textContent = text;
}

/** Checks done in the browser too, so mistakes show before any upload. */
function validate() {
  /** @type {Record<string, string>} */
  const errors = {};
  const id = el.id.value.trim();
  const name = el.name.value.trim();
  if (!id) errors.employee_id = "Enter the employee ID.";
  else if (!ID_PATTERN.test(id)) errors.employee_id = "Use 1-64 letters, digits, dots, dashes or underscores (no spaces).";
  if (!name) errors.employee_name = "Enter the employee's name.";
  else if (name.length > 128) errors.employee_name = "The name can be at most 128 characters.";
  if (el.email.value.trim() && el.email.validity.typeMismatch) errors.email = "Enter a valid email address, or leave it empty.";
  if (!taken().length) errors.image = "Capture a photo with the camera or choose photo files.";
  return errors;
}

/**
 * Show the photo beside its look-alike; resolves true when HR says they differ.
 * @param {string | null} key
 * @param {Shot} shot
 * @param {Record<string, any>} details
 * @returns {Promise<boolean>}
 */
function askHr(key, shot, details) {
  const who = (details.employee_name || "another employee") + " (" + (details.employee_id || "?") + ")";
  el.compareText.textContent = "This photo looks like " + who + ", who is already enrolled. " +
    "Only enroll it if they are two different people.";
  el.compareCaption.textContent = "Enrolled as " + who;
  el.compareNew.src = shot.url;
  el.compareEnrolled.removeAttribute("src");
  const photo = "/api/v1/employees/" + encodeURIComponent(details.employee_id) + "/faces/" +
    encodeURIComponent(details.face_id) + "/photo";
  apiBlob(photo, key).then((got) => {
    if (!got.ok || !got.blob) throw new Error("photo " + got.status);
    el.compareEnrolled.src = URL.createObjectURL(got.blob);
  }).catch(() => {
    el.compareCaption.textContent = "Enrolled as " + who + " (photo not available)";
  });
  el.compare.hidden = false;
  setOutcome("confirm", "Waiting for your decision: same person or not?");
  el.confirmDistinct.focus();
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const decide = (answer) => {
      el.confirmDistinct.removeEventListener("click", yes);
      el.cancelDistinct.removeEventListener("click", no);
      el.compare.hidden = true;
      if (el.compareEnrolled.src) URL.revokeObjectURL(el.compareEnrolled.src);
      resolve(answer);
    };
    const yes = () => decide(true);
    const no = () => decide(false);
    el.confirmDistinct.addEventListener("click", yes);
    el.cancelDistinct.addEventListener("click", no);
  });
}

/**
 * Wire the form: photos go with the key session.key() (rejected: session.reject()).
 * @param {import("../sign-in.js").Session} session
 */
export function wireForm(session) {
  /**
   * POST one photo; the answer, or null when the server could not be reached.
   * @param {Shot} shot
   * @param {boolean} confirmDistinct
   * @returns {Promise<Answer | null>}
   */
  async function sendPhoto(shot, confirmDistinct) {
    const data = new FormData();
    data.append("image", shot.blob, shot.name);
    data.append("employee_id", el.id.value.trim());
    data.append("employee_name", el.name.value.trim());
    if (el.department.value.trim()) data.append("department", el.department.value.trim());
    if (el.email.value.trim()) data.append("email", el.email.value.trim());
    if (confirmDistinct) data.append("confirm_distinct", "true");
    counts.insertRequests++;
    try {
      return await apiFetch("/api/v1/employees/insert", session.key(), { method: "POST", body: data });
    } catch {
      return null;
    }
  }

  /**
   * @param {number} status
   * @param {import("../api.js").ApiError} error
   */
  const describe = (status, error) => describeEnrollError(status, error, cameraWorks());

  el.form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (el.submit.disabled) return;
    clearErrors();
    if (!consentReady()) {
      setOutcome("error", "Record the employee's consent first: they read the notice and sign.");
      return;
    }
    const errors = validate();
    if (Object.keys(errors).length) {
      showFieldErrors(errors);
      setOutcome("error", "Please correct the highlighted fields.");
      return;
    }
    const id = el.id.value.trim();
    const name = el.name.value.trim();
    const shots = taken();
    let enrolled = 0;
    /** @type {string[]} */
    const problems = [];
    /** @type {import("./used-faces.js").UsedFace[]} */
    const used = [];
    clearUsedFaces();
    el.submit.disabled = true;
    try {
      for (let i = 0; i < shots.length; i++) {
        const shot = shots[i];
        setOutcome("idle", "Enrolling " + name + ": photo " + (i + 1) + " of " + shots.length + "…");
        let answer = await sendPhoto(shot, false);
        if (answer && answer.status === 409 && errorOf(answer).code === "possible_duplicate") {
          if (!(await askHr(session.key(), shot, errorOf(answer).details))) {
            problems.push("photo " + (i + 1) + ": " + describe(409, errorOf(answer)));
            if (enrolled === 0) break; // the first photo decides whether this person is new
            continue;
          }
          setOutcome("idle", "Enrolling " + name + " as a different person…");
          answer = await sendPhoto(shot, true);
        }
        if (!answer) {
          problems.push("photo " + (i + 1) + ": server unreachable");
          break;
        }
        if (answer.status === 201 || answer.status === 200) {
          enrolled++;
          const body = answer.body || {};
          if (body.face_box) used.push({ blob: shot.blob, box: body.face_box, ignored: body.ignored_faces || 0 });
          continue;
        }
        if (answer.status === 401 || answer.status === 403) return session.reject();
        const error = errorOf(answer);
        const leftover = error.details.fields && typeof error.details.fields === "object"
          ? showFieldErrors(error.details.fields) : [];
        let text = describe(answer.status, error);
        if (leftover.length) text += " " + leftover.join(" ");
        if (enrolled === 0 && (error.code === "validation_error" || error.code === "face_already_enrolled")) {
          problems.push(text);
          break; // nothing else can succeed for this person
        }
        problems.push((shots.length > 1 ? "photo " + (i + 1) + ": " : "") + text);
      }
    } finally {
      el.submit.disabled = false;
    }

    if (enrolled === 0) {
      setOutcome("error", problems.join(" ") || "Nothing was enrolled.");
      return;
    }
    let text = "Enrolled " + name + " (" + id + ")" +
      (shots.length > 1 ? " with " + enrolled + " of " + shots.length + " photos" : "");
    if (problems.length) text += ". Not enrolled: " + problems.join(" ");
    setOutcome("success", text);
    showUsedFaces(used);
    // Ready for the next employee.
    el.form.reset();
    clearShots();
    resetConsent();
  });
}
