// @ts-check
/* /admin's Webhooks view: the receivers, their deliveries, registering one (its secret shown once). */
import { byId, el, fill, row, setMessage } from "../dom.js";
import { api, failure, fresh, notice, quietly, viewSignal, when } from "./context.js";

/** @typedef {{webhook_id: number, url: string, events: string[], created_at: string}} Hook */

/** @param {AbortSignal} signal */
async function loadHooks(signal) {
  const answer = await api("/api/v1/webhooks", { signal });
  if (!answer.ok) return notice(failure(answer, "Could not list webhooks"), "error");
  /** @type {Hook[]} */
  const hooks = answer.body.items;
  fill(byId("hooks-table", HTMLTableElement), hooks.map((h) => {
    const actions = el("span", { class: "actions" });
    const see = el("button", { type: "button", class: "secondary small" }, "Deliveries");
    see.addEventListener("click", () => quietly(loadDeliveries(h, fresh())));
    const drop = el("button", { type: "button", class: "secondary small" }, "Delete");
    drop.addEventListener("click", () => quietly(deleteHook(h)));
    actions.append(see, drop);
    return row([el("code", {}, h.url), h.events.join(", "), when(h.created_at, true), actions]);
  }));
  byId("hooks-empty").hidden = hooks.length > 0;
  if (!hooks.length) byId("deliveries").hidden = true;
}

/**
 * @param {Hook} hook
 * @param {AbortSignal} signal
 */
async function loadDeliveries(hook, signal) {
  const answer = await api("/api/v1/webhooks/" + hook.webhook_id + "/deliveries?limit=50", { signal });
  if (!answer.ok) return notice(failure(answer, "Could not read deliveries"), "error");
  /** @type {Array<{event: string, state: string, attempts: number, created_at: string, last_error: string | null, next_attempt_at: string | null}>} */
  const items = answer.body.items;
  byId("deliveries-title").textContent = "Deliveries to " + hook.url;
  byId("deliveries-empty").hidden = items.length > 0;
  fill(byId("deliveries-table", HTMLTableElement), items.map((d) => {
    const state = el("span", { class: "pill " + (d.state === "delivered" ? "on" : d.state === "failed" ? "off" : "wait") }, d.state);
    const error = d.last_error ? d.last_error + (d.next_attempt_at ? " (next try " + when(d.next_attempt_at) + ")" : "") : "";
    const tr = row([d.event, state, d.attempts, when(d.created_at, true), error]);
    tr.children[2].className = "num";
    return tr;
  }));
  byId("deliveries").hidden = false;
}

/** @param {Hook} hook */
async function deleteHook(hook) {
  if (!window.confirm("Delete the webhook to " + hook.url + "? Undelivered events are dropped.")) return;
  const answer = await api("/api/v1/webhooks/" + hook.webhook_id, { method: "DELETE" });
  if (answer.status !== 204) return notice(failure(answer, "Could not delete"), "error");
  byId("deliveries").hidden = true;
  await loadHooks(viewSignal());
}

async function register() {
  const checked = document.querySelectorAll("#hook-create input[name=event]:checked");
  const events = Array.from(checked, (box) => /** @type {HTMLInputElement} */ (box).value);
  const url = byId("hook-url", HTMLInputElement);
  const answer = await api("/api/v1/webhooks", { method: "POST", json: { url: url.value.trim(), events } });
  if (answer.status !== 201) return setMessage(byId("hook-message"), "error", failure(answer, "Not registered"));
  setMessage(byId("hook-message"), "success", "Registered.");
  byId("new-hook-secret", HTMLInputElement).value = answer.body.secret;
  byId("new-hook").hidden = false;
  url.value = "";
  await loadHooks(viewSignal());
}

byId("hook-create").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(register());
});

byId("new-hook-done").addEventListener("click", () => {
  byId("new-hook-secret", HTMLInputElement).value = "";
  byId("new-hook").hidden = true;
});

/** @type {import("./context.js").View} */
export const webhooksView = { load: loadHooks };
