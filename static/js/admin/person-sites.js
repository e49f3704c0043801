// @ts-check
/* One person's allowed sites on /admin: every site (the default) or a list; a kiosk at any
 * other site does not recognise them. */
import { byId, el, setMessage } from "../dom.js";
import { api, counted, failure, quietly } from "./context.js";
import { listSites } from "./sites.js";

const all = byId("person-all-sites", HTMLInputElement);
const list = byId("person-site-list");
const message = byId("person-sites-message");
/** @type {string | null} */
let shownFor = null;

/**
 * @param {string} employeeId
 * @param {AbortSignal} signal
 */
export async function loadPersonSites(employeeId, signal) {
  shownFor = employeeId;
  const [sites, allowed] = await Promise.all([
    listSites(signal),
    api("/api/v1/employees/" + encodeURIComponent(employeeId) + "/sites", { signal }),
  ]);
  if (!allowed.ok) return setMessage(message, "error", failure(allowed, "Could not read the sites"));
  /** @type {number[] | null} */
  const chosen = allowed.body.sites;
  all.checked = chosen === null;
  list.replaceChildren(...sites.map((s) => {
    const box = el("input", { type: "checkbox", value: String(s.site_id), "data-site": s.name });
    box.checked = chosen === null || chosen.includes(s.site_id);
    box.disabled = chosen === null;
    const label = el("label", { class: "site-choice" });
    label.append(box, " " + s.name);
    return label;
  }));
  setMessage(message, "idle", "");
}

all.addEventListener("change", () => {
  for (const box of list.querySelectorAll("input")) /** @type {HTMLInputElement} */ (box).disabled = all.checked;
});

async function save() {
  if (!shownFor) return;
  const boxes = /** @type {HTMLInputElement[]} */ (Array.from(list.querySelectorAll("input")));
  const sites = all.checked ? null : boxes.filter((b) => b.checked).map((b) => Number(b.value));
  if (sites !== null && sites.length === 0) return setMessage(message, "error", "Choose at least one site, or every site.");
  const answer = await api("/api/v1/employees/" + encodeURIComponent(shownFor) + "/sites", { method: "PUT", json: { sites } });
  if (!answer.ok) return setMessage(message, "error", failure(answer, "Not saved"));
  setMessage(message, "success", sites === null ? "Allowed at every site." : "Allowed at " + sites.length + " site(s) only.");
  counted("person-sites");
}

byId("person-sites").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(save());
});
