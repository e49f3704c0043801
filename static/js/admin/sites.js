// @ts-check
/* /admin's Sites view: the offices (name, time zone, working-day start, expected start) with their
 * kiosks, a form to add or change one, and the period report of hours worked. */
import { apiBlob } from "../api.js";
import { byId, el, fill, row, setMessage } from "../dom.js";
import { api, counted, failure, isoDay, notice, quietly, session, viewSignal } from "./context.js";

/**
 * @typedef {{site_id: number, name: string, timezone: string, day_start_hour: number,
 *   expected_start: string | null}} Site
 */

const form = byId("site-form", HTMLFormElement);
const field = {
  id: byId("site-id", HTMLInputElement),
  name: byId("site-name", HTMLInputElement),
  timezone: byId("site-timezone", HTMLInputElement),
  dayStart: byId("site-day-start", HTMLInputElement),
  expected: byId("site-expected", HTMLInputElement),
};
const formMessage = byId("site-message");
const reportFrom = byId("report-from", HTMLInputElement);
const reportTo = byId("report-to", HTMLInputElement);
const reportSite = byId("report-site", HTMLSelectElement);
const reportMessage = byId("report-message");

/** @type {Site[]} */
let sites = [];

/** Every site, for the other views' site filters too (Today, New key). */
export async function listSites(/** @type {AbortSignal | undefined} */ signal) {
  const answer = await api("/api/v1/sites", { signal });
  if (!answer.ok) throw new Error(failure(answer, "Could not list sites"));
  sites = answer.body.items;
  return sites;
}

/**
 * A <select>'s options: "All sites" (value "") then each site.
 * @param {HTMLSelectElement} select
 * @param {Site[]} all
 * @param {boolean} withAll
 */
export function fillSiteSelect(select, all, withAll) {
  const kept = select.value;
  const options = all.map((s) => el("option", { value: String(s.site_id) }, s.name));
  if (withAll) options.unshift(el("option", { value: "" }, "All sites"));
  select.replaceChildren(...options);
  if (kept && all.some((s) => String(s.site_id) === kept)) select.value = kept;
}

/** @param {AbortSignal} signal */
async function loadSites(signal) {
  const [all, keys] = await Promise.all([listSites(signal), api("/api/v1/keys", { signal })]);
  /** @type {Array<{name: string, role: string, revoked_at: string | null, site_id: number, direction: string}>} */
  const kiosks = keys.ok ? keys.body.items.filter((/** @type {any} */ k) => k.role === "kiosk" && !k.revoked_at) : [];
  fill(byId("sites-table", HTMLTableElement), all.map((s) => {
    const edit = el("button", { type: "button", class: "secondary small", "aria-label": "Edit " + s.name }, "Edit");
    edit.addEventListener("click", () => editSite(s));
    const here = kiosks.filter((k) => k.site_id === s.site_id).map((k) => k.name + " (" + k.direction + ")");
    return row([s.name, s.timezone, String(s.day_start_hour).padStart(2, "0") + ":00", s.expected_start, here.join(", ") || null, edit]);
  }));
  fillSiteSelect(reportSite, all, true);
  if (!reportTo.value) reportTo.value = isoDay(new Date());
  if (!reportFrom.value) {
    const today = new Date();
    reportFrom.value = isoDay(new Date(today.getFullYear(), today.getMonth(), 1));
  }
}

/** @param {Site} site */
function editSite(site) {
  field.id.value = String(site.site_id);
  field.name.value = site.name;
  field.timezone.value = site.timezone;
  field.dayStart.value = String(site.day_start_hour);
  field.expected.value = site.expected_start || "";
  byId("site-submit").textContent = "Save " + site.name;
  setMessage(formMessage, "idle", "");
}

function clearForm() {
  form.reset();
  field.id.value = "";
  byId("site-submit").textContent = "Add site";
}

async function saveSite() {
  const body = {
    name: field.name.value.trim(),
    timezone: field.timezone.value.trim(),
    day_start_hour: Number(field.dayStart.value || 0),
    expected_start: field.expected.value || null,
  };
  const editing = field.id.value;
  const answer = await api(editing ? "/api/v1/sites/" + editing : "/api/v1/sites", {
    method: editing ? "PUT" : "POST",
    json: body,
  });
  if (!answer.ok) return setMessage(formMessage, "error", failure(answer));
  setMessage(formMessage, "success", (editing ? "Saved " : "Added ") + answer.body.name + ".");
  clearForm();
  await loadSites(viewSignal());
  counted("site-saved");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(saveSite());
});
byId("site-cancel").addEventListener("click", clearForm);

/** The report's query, or null (with a message) when the days are not a range. */
function reportQuery() {
  if (!reportFrom.value || !reportTo.value || reportFrom.value > reportTo.value) {
    setMessage(reportMessage, "error", "Choose a start day on or before the end day.");
    return null;
  }
  const site = reportSite.value ? "&site_id=" + reportSite.value : "";
  return "from=" + reportFrom.value + "&to=" + reportTo.value + site;
}

/** @param {number} minutes */
function hours(minutes) {
  return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0");
}

async function showReport() {
  const query = reportQuery();
  if (!query) return;
  setMessage(reportMessage, "idle", "Reading…");
  const answer = await api("/api/v1/reports/hours?" + query, { signal: viewSignal() });
  if (!answer.ok) return setMessage(reportMessage, "error", failure(answer, "The report failed"));
  /** @type {Array<{employee_id: string, employee_name: string, days: any[], total: any}>} */
  const people = answer.body.people;
  /** @type {Node[]} */
  const rows = [];
  for (const person of people) {
    for (const d of person.days) {
      const flags = [d.open ? "open" : "", d.missing_in ? "no in" : "", d.late_minutes ? "late " + d.late_minutes + " min" : ""].filter(Boolean);
      const tr = row([person.employee_name, d.working_day, d.site, time(d.first_in), time(d.last_out), hours(d.worked_minutes), flags.join(", ") || null]);
      if (d.open || d.late_minutes) tr.className = "flagged";
      rows.push(tr);
    }
    const t = person.total;
    const total = row([person.employee_name, t.days + " days", t.site, null, null, hours(t.worked_minutes), (t.open_days ? t.open_days + " open, " : "") + t.late_days + " late"]);
    total.className = "total";
    rows.push(total);
  }
  fill(byId("report-table", HTMLTableElement), rows);
  byId("report-table").hidden = rows.length === 0;
  setMessage(reportMessage, "success", people.length + " people, times in each site's zone.");
  counted("report");
}

/** @param {string | null} iso  "HH:MM" of an ISO time as written (the site's zone), or null */
function time(iso) {
  return iso ? iso.slice(11, 16) : null;
}

async function downloadReport() {
  const query = reportQuery();
  if (!query) return;
  const got = await apiBlob("/api/v1/reports/hours?format=csv&" + query, session.key());
  if (!got.ok || !got.blob) return setMessage(reportMessage, "error", "The download failed (" + got.status + ").");
  const url = URL.createObjectURL(got.blob);
  const link = el("a", { href: url, download: "hours-" + reportFrom.value + "-to-" + reportTo.value + ".csv" });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  setMessage(reportMessage, "success", "Downloaded.");
}

byId("report-form").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(showReport());
});
byId("report-csv").addEventListener("click", () => quietly(downloadReport()));

/** @type {import("./context.js").View} */
export const sitesView = {
  load: async (signal) => {
    try {
      await loadSites(signal);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("Could not")) notice(err.message, "error");
      else throw err;
    }
  },
};
