// @ts-check
/* /admin's People view: the list (search, pages of 20) and one person (person.js). */
import { byId, el, fill, row, setMessage } from "../dom.js";
import { api, failure, fresh, notice, quietly, when } from "./context.js";
import { closePerson, openedId, openPerson, wirePerson } from "./person.js";

const PAGE_SIZE = 20;
const SEARCH_PAUSE_MS = 250; // typing: search once the keys stop

let offset = 0;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let typing;

/**
 * One page of the list, for the words in the search box.
 * @param {AbortSignal} signal aborted by a newer search, page or view: its answer is dropped
 */
async function loadPeople(signal) {
  byId("person").hidden = true;
  byId("people-list").hidden = false;
  const query = byId("people-search", HTMLInputElement).value.trim();
  const answer = await api("/api/v1/employees?limit=" + PAGE_SIZE + "&offset=" + offset + "&q=" + encodeURIComponent(query), { signal });
  if (!answer.ok) return notice(failure(answer, "Could not list people"), "error");
  /** @type {{total: number, items: Array<{employee_id: string, name: string, department: string | null, faces: number, last_checkin: string | null, biometrics?: string, consent: string | null, status: string, left_on: string | null}>}} */
  const page = answer.body;
  fill(byId("people-table", HTMLTableElement), page.items.map((p) => {
    const open = el("button", { type: "button", class: "link", "data-employee": p.employee_id }, p.name);
    open.addEventListener("click", () => {
      clearTimeout(typing); // a search still pending would close the person again
      quietly(openPerson(p.employee_id, fresh()));
    });
    const faces = p.biometrics === "none" ? "no biometrics" : p.faces;
    const consent = p.consent || (p.faces ? "none on record" : null);
    const status = p.status === "left" ? "left " + (p.left_on || "") : null;
    const tr = row([open, p.employee_id, p.department, faces, when(p.last_checkin, true), consent, status]);
    tr.children[3].className = "num";
    return tr;
  }));
  byId("people-empty").hidden = page.items.length > 0;
  const last = Math.min(offset + page.items.length, page.total);
  byId("people-range").textContent = page.total ? (offset + 1) + "–" + last + " of " + page.total : "";
  byId("people-prev", HTMLButtonElement).disabled = offset === 0;
  byId("people-next", HTMLButtonElement).disabled = last >= page.total;
}

byId("people-search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    offset = 0;
    quietly(loadPeople(fresh()));
  }, SEARCH_PAUSE_MS);
});
byId("people-prev").addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE_SIZE);
  quietly(loadPeople(fresh()));
});
byId("people-next").addEventListener("click", () => {
  offset += PAGE_SIZE;
  quietly(loadPeople(fresh()));
});
wirePerson(loadPeople);

// Someone who checks in without a face: added without a photo, then opened for a code.
byId("nobio-form").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(addWithoutPhoto());
});

async function addWithoutPhoto() {
  const message = byId("nobio-message");
  const employeeId = byId("nobio-id", HTMLInputElement).value.trim();
  const name = byId("nobio-name", HTMLInputElement).value.trim();
  if (!employeeId || !name) return setMessage(message, "error", "Enter the employee ID and the name.");
  const answer = await api("/api/v1/employees", { method: "POST", json: { employee_id: employeeId, name, biometrics: "none" } });
  if (!answer.ok) return setMessage(message, "error", failure(answer, "Not added"));
  setMessage(message, "success", "");
  byId("nobio-id", HTMLInputElement).value = "";
  byId("nobio-name", HTMLInputElement).value = "";
  await openPerson(employeeId, fresh());
}

/** @type {import("./context.js").View} */
export const peopleView = {
  load: (signal) => {
    const id = openedId();
    return id ? openPerson(id, signal) : loadPeople(signal);
  },
  home: closePerson,
  leave: () => {
    clearTimeout(typing); // a pending search would abort the next view's load
    closePerson();
  },
};
