// @ts-check
/*
 * /admin's Audit view: who changed or looked at biometric data, filtered by who, action, subject
 * and days; a page at a time, newest first; a CSV download of everything that matches (itself
 * audited); and a check of the hash chain naming any edited or removed entry (docs/privacy.md).
 */
import { apiBlob } from "../api.js";
import { byId, el, fill, row, setMessage } from "../dom.js";
import { api, counted, failure, fresh, notice, quietly, session, viewSignal, when } from "./context.js";

const PAGE = 50;
const form = byId("audit-filter", HTMLFormElement);
const fields = {
  actor: byId("audit-actor", HTMLInputElement),
  action: byId("audit-action", HTMLSelectElement),
  subject: byId("audit-subject", HTMLInputElement),
  from: byId("audit-from", HTMLInputElement),
  to: byId("audit-to", HTMLInputElement),
};
let offset = 0;

/** The filter as query parameters (empty ones left out). */
function query() {
  const params = new URLSearchParams();
  for (const [name, input] of Object.entries(fields)) {
    if (input.value.trim()) params.set(name, input.value.trim());
  }
  return params;
}

/** @param {Record<string, unknown>} details */
function describe(details) {
  return Object.entries(details || {})
    .map(([name, value]) => name + ": " + (typeof value === "object" ? JSON.stringify(value) : String(value)))
    .join(", ");
}

/** @param {AbortSignal} signal */
async function loadEntries(signal) {
  const params = query();
  params.set("limit", String(PAGE));
  params.set("offset", String(offset));
  const answer = await api("/api/v1/audit?" + params, { signal });
  if (!answer.ok) return notice(failure(answer, "Could not read the audit log"), "error");
  /** @type {Array<{seq: number, at: string, actor: {kind: string, name: string}, action: string, subject_kind: string, subject_id: string, details: Record<string, unknown>}>} */
  const items = answer.body.items;
  fill(byId("audit-table", HTMLTableElement), items.map((e) => {
    const who = el("span", { title: e.actor.kind }, e.actor.name);
    const tr = row([e.seq, when(e.at, true), who, el("code", {}, e.action), e.subject_kind + " " + e.subject_id, describe(e.details)]);
    tr.children[0].className = "num";
    return tr;
  }));
  const total = answer.body.total;
  byId("audit-empty").hidden = items.length > 0;
  byId("audit-range").textContent = total ? offset + 1 + "–" + (offset + items.length) + " of " + total : "";
  byId("audit-prev", HTMLButtonElement).disabled = offset === 0;
  byId("audit-next", HTMLButtonElement).disabled = offset + items.length >= total;
  counted("audit-entries"); // every page shown, filtered or not: what the browser test waits on
}

async function checkChain() {
  const verdict = byId("audit-verdict");
  setMessage(verdict, "idle", "Checking every entry…");
  const answer = await api("/api/v1/audit/verify", { signal: viewSignal() });
  if (!answer.ok) return setMessage(verdict, "error", failure(answer, "Could not check"));
  const { intact, entries, problems } = answer.body;
  if (intact) setMessage(verdict, "success", "Intact: " + entries + " entries, none edited or removed.");
  else setMessage(verdict, "error", "Tampered with: " + problems.join("; "));
  counted("audit-verdict");
}

async function download() {
  const message = byId("audit-download-message");
  setMessage(message, "idle", "Preparing…");
  const params = query();
  params.set("format", "csv");
  let got;
  try {
    got = await apiBlob("/api/v1/audit?" + params, session.key());
  } catch {
    return setMessage(message, "error", "Server unreachable.");
  }
  if (!got.ok || !got.blob) return setMessage(message, "error", "The export failed (" + got.status + ").");
  const url = URL.createObjectURL(got.blob);
  const link = el("a", { href: url, download: "audit.csv" });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  setMessage(message, "success", "Downloaded audit.csv");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  offset = 0;
  quietly(loadEntries(fresh()));
});
byId("audit-prev").addEventListener("click", () => {
  offset = Math.max(0, offset - PAGE);
  quietly(loadEntries(fresh()));
});
byId("audit-next").addEventListener("click", () => {
  offset += PAGE;
  quietly(loadEntries(fresh()));
});
byId("audit-verify").addEventListener("click", () => quietly(checkChain()));
byId("audit-download").addEventListener("click", () => quietly(download()));

/** @type {import("./context.js").View} */
export const auditView = {
  load: loadEntries,
  home: () => {
    offset = 0;
  },
};
