// @ts-check
/* One person on /admin: details (edit), enrolled photos (remove), add a photo, erase everything. */
import { errorOf } from "../api.js";
import { byId, el, setMessage } from "../dom.js";
import { ImageLoader } from "../images.js";
import { stopCamera, wireAddPhoto } from "./add-photo.js";
import { showWithoutFace, wireWithoutFace } from "./without-face.js";
import { api, counted, failure, fresh, notice, quietly, session, viewSignal } from "./context.js";
import { showPersonPrivacy, wirePrivacy } from "./privacy.js";
import { loadPersonSites } from "./person-sites.js";

/**
 * @typedef {{face_id: string, photo_path: string, created_at?: string, quality?: Record<string, number>}} Face
 * @typedef {{employee_id: string, name: string, department: string | null, email: string | null, biometrics?: string, faces: Face[]}} Person
 */

/** @type {string | null} */
let personId = null;
/** @type {Person | null} */
let person = null;
const photos = new ImageLoader(() => session.key());
/** @type {(signal: AbortSignal) => Promise<void>} */
let showList = async () => {};

/** The person on screen, if one is. */
export function openedId() {
  return personId;
}

/** Back to the list (the People tab, erasure): the person is closed and the camera off. */
export function closePerson() {
  personId = null;
  stopCamera();
}

/**
 * @param {string} employeeId
 * @param {AbortSignal} signal
 */
export async function openPerson(employeeId, signal) {
  if (employeeId !== personId || !person || person.employee_id !== employeeId) {
    setMessage(byId("add-outcome"), "idle", "");
  }
  personId = employeeId;
  const answer = await api("/api/v1/employees/" + encodeURIComponent(employeeId), { signal });
  if (answer.status === 404) {
    personId = null;
    notice("That person is no longer enrolled.", "error");
    return showList(signal);
  }
  if (!answer.ok) return notice(failure(answer, "Could not open the person"), "error");
  const shown = /** @type {Person} */ (answer.body);
  person = shown;
  byId("people-list").hidden = true;
  byId("person").hidden = false;
  byId("person-title").textContent = shown.name;
  byId("person-id", HTMLInputElement).value = shown.employee_id;
  byId("person-name", HTMLInputElement).value = shown.name;
  byId("person-department", HTMLInputElement).value = shown.department || "";
  byId("person-email", HTMLInputElement).value = shown.email || "";
  setMessage(byId("person-message"), "idle", "");
  renderFaces(shown, signal);
  await showWithoutFace(shown, signal);
  await showPersonPrivacy(shown, signal);
  await loadPersonSites(shown.employee_id, signal);
  counted("person");
}

/**
 * @param {Person} shown
 * @param {AbortSignal} signal
 */
function renderFaces(shown, signal) {
  photos.clear();
  const list = byId("faces");
  list.replaceChildren();
  if (!shown.faces.length) list.appendChild(el("li", { class: "empty" }, "No photo: this person cannot check in."));
  shown.faces.forEach((face, index) => {
    const item = el("li", { class: "face", "data-face": face.face_id });
    const img = el("img", { alt: "Enrolled photo " + (index + 1) + " of " + shown.name });
    item.appendChild(img);
    const q = face.quality || {};
    const facts = el("dl", { class: "quality" });
    /** @type {Array<[string, string | number | null]>} */
    const pairs = [
      ["Face", q.face_size !== undefined ? q.face_size + " px" : null],
      ["Sharpness", q.sharpness !== undefined ? Math.round(q.sharpness) : null],
      ["Brightness", q.brightness !== undefined ? Math.round(q.brightness) : null],
      ["Added", face.created_at ? new Date(face.created_at).toLocaleDateString() : null],
    ];
    for (const [term, value] of pairs) {
      if (value === null) continue;
      facts.append(el("dt", {}, term), el("dd", {}, value));
    }
    item.appendChild(facts);
    const remove = el("button", { type: "button", class: "secondary small", "aria-label": "Remove photo " + (index + 1) }, "Remove");
    remove.addEventListener("click", () => quietly(removeFace(face.face_id, shown.faces.length)));
    item.appendChild(remove);
    list.appendChild(item);
    photos.show(img, face.photo_path, "Photo", signal);
  });
}

/**
 * @param {string} faceId
 * @param {number} count
 */
async function removeFace(faceId, count) {
  const warning = count === 1 ? " It is the only photo: this person will no longer be recognised." : "";
  if (!window.confirm("Remove this photo and its face vector?" + warning)) return;
  const path = "/api/v1/employees/" + encodeURIComponent(personId || "") + "/faces/" + encodeURIComponent(faceId);
  const answer = await api(path, { method: "DELETE" });
  if (answer.status !== 204) return notice(failure(answer, "Could not remove the photo"), "error");
  notice("Photo removed.", "success");
  if (personId) await openPerson(personId, fresh());
}

async function save() {
  const message = byId("person-message");
  const changes = {
    name: byId("person-name", HTMLInputElement).value.trim(),
    department: byId("person-department", HTMLInputElement).value.trim() || null,
    email: byId("person-email", HTMLInputElement).value.trim() || null,
  };
  if (!changes.name) return setMessage(message, "error", "Enter the name.");
  const answer = await api("/api/v1/employees/" + encodeURIComponent(personId || ""), { method: "PATCH", json: changes });
  if (!answer.ok) {
    /** @type {Record<string, string>} */
    const fields = errorOf(answer).details.fields || {};
    const detail = Object.entries(fields).map(([f, said]) => f + ": " + said).join("; ");
    return setMessage(message, "error", failure(answer, "Not saved") + (detail ? " (" + detail + ")" : ""));
  }
  const updated = Object.assign(/** @type {Person} */ (person), answer.body);
  person = updated;
  byId("person-title").textContent = updated.name;
  setMessage(message, "success", "Saved.");
}

/** The erase confirmation says what goes. */
async function askErase() {
  if (!person) return;
  const who = person;
  const counted = await api("/api/v1/checkins?limit=1&employee_id=" + encodeURIComponent(who.employee_id), { signal: viewSignal() });
  const checkins = counted.ok ? counted.body.total : "all";
  const faces = who.faces.length;
  byId("erase-title").textContent = "Erase " + who.name + "?";
  byId("erase-what").textContent = "This deletes everything facegate holds about " + who.name + " (" + who.employee_id + "):";
  byId("erase-list").replaceChildren(
    el("li", {}, faces + " enrolled photo" + (faces === 1 ? "" : "s") + " and their face vectors (database and photo store)"),
    el("li", {}, checkins + " check-in record" + (checkins === 1 ? "" : "s")),
    el("li", {}, "the name, department and e-mail"),
  );
  byId("erase-dialog", HTMLDialogElement).showModal();
  byId("erase-cancel").focus();
}

async function erase() {
  if (byId("erase-dialog", HTMLDialogElement).returnValue !== "erase" || !person) return;
  const who = person;
  const answer = await api("/api/v1/employees/" + encodeURIComponent(who.employee_id), { method: "DELETE" });
  if (answer.status !== 204) return notice(failure(answer, "Could not erase"), "error");
  closePerson();
  await showList(fresh());
  notice("Erased " + who.name + " (" + who.employee_id + "): photos, face vectors and check-ins.", "success");
}

/**
 * Wire the person's buttons; `list` shows the list of people again.
 * @param {(signal: AbortSignal) => Promise<void>} list
 */
export function wirePerson(list) {
  showList = list;
  byId("person-back").addEventListener("click", () => {
    closePerson();
    quietly(list(fresh()).then(() => byId("people-search").focus()));
  });
  byId("person-form").addEventListener("submit", (event) => {
    event.preventDefault();
    quietly(save());
  });
  byId("person-erase").addEventListener("click", () => quietly(askErase()));
  wireWithoutFace(async () => {
    if (personId) await openPerson(personId, fresh());
  });
  byId("erase-dialog").addEventListener("close", () => quietly(erase()));
  wirePrivacy((employeeId) => openPerson(employeeId, fresh()));
  wireAddPhoto({
    person: () => person,
    reopen: async () => {
      if (personId) await openPerson(personId, fresh());
      return person ? person.faces.length : 0;
    },
  });
}
