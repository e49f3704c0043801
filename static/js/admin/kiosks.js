// @ts-check
/* /admin's Kiosks view: the API keys (revoke, each kiosk key's check-in mode) and a new key with its QR code. */
import { byId, el, fill, row, setMessage } from "../dom.js";
import { qrSvg } from "../qr-svg.js";
import { api, counted, failure, notice, quietly, session, viewSignal, when } from "./context.js";
import { fillSiteSelect, listSites } from "./sites.js";

/**
 * @typedef {{name: string, role: string, created_at: string, last_used_at: string | null,
 *   revoked_at: string | null, liveness: string, site_name: string, direction: string}} Key
 */

/** @param {AbortSignal} signal */
async function loadKeys(signal) {
  fillSiteSelect(byId("new-key-site", HTMLSelectElement), await listSites(signal), false);
  const answer = await api("/api/v1/keys", { signal });
  if (!answer.ok) return notice(failure(answer, "Could not list keys"), "error");
  /** @type {Key[]} */
  const keys = answer.body.items;
  fill(byId("keys-table", HTMLTableElement), keys.map((k) => {
    /** @type {Node | string} */
    let action = "";
    if (k.name === session.name() && !k.revoked_at) {
      action = el("span", { class: "muted" }, "this page's key");
    } else if (!k.revoked_at) {
      const revoke = el("button", { type: "button", class: "secondary small", "aria-label": "Revoke " + k.name }, "Revoke");
      revoke.addEventListener("click", () => quietly(revokeKey(k.name)));
      action = revoke;
    }
    const status = el("span", { class: "pill " + (k.revoked_at ? "off" : "on") }, k.revoked_at ? "revoked" : "active");
    const role = el("span", { class: "pill role-" + k.role }, k.role);
    /** @type {Node | string} */
    let liveness = "–";
    if (!k.revoked_at && k.role === "kiosk") {
      const choose = el("select", { class: "liveness", "aria-label": "Check-in mode of " + k.name, "data-key": k.name });
      for (const [value, label] of [["off", "one frame"], ["challenge", "head turn"]]) {
        const option = el("option", { value }, label);
        option.selected = k.liveness === value;
        choose.appendChild(option);
      }
      choose.addEventListener("change", () => quietly(setLiveness(k.name, choose.value)));
      liveness = choose;
    }
    const place = k.role === "kiosk" ? k.site_name + " · " + k.direction : k.site_name;
    const tr = row([k.name, role, place, when(k.created_at, true), when(k.last_used_at, true), status, liveness, action]);
    if (k.revoked_at) tr.className = "revoked";
    return tr;
  }));
}

/**
 * @param {string} name
 * @param {string} liveness
 */
async function setLiveness(name, liveness) {
  const answer = await api("/api/v1/keys/" + encodeURIComponent(name), { method: "PATCH", json: { liveness } });
  if (!answer.ok) return notice(failure(answer, "Could not change " + name), "error");
  notice(name + (liveness === "challenge"
    ? " now asks for a head turn at each check-in (the kiosk picks it up at its next check-in)."
    : " now checks in from one frame."), "success");
  await loadKeys(viewSignal());
  counted("liveness");
}

/** @param {string} name */
async function revokeKey(name) {
  if (!window.confirm("Revoke the key " + name + "? Devices using it stop working at once.")) return;
  const answer = await api("/api/v1/keys/" + encodeURIComponent(name), { method: "DELETE" });
  if (answer.status !== 204) return notice(failure(answer, "Could not revoke"), "error");
  notice("Revoked " + name + ".", "success");
  await loadKeys(viewSignal());
}

byId("new-key-role").addEventListener("change", () => {
  byId("admin-warning").hidden = byId("new-key-role", HTMLSelectElement).value !== "admin";
});

byId("key-create").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(createKey());
});

async function createKey() {
  const message = byId("key-create-message");
  const name = byId("new-key-name", HTMLInputElement).value.trim();
  const role = byId("new-key-role", HTMLSelectElement).value;
  if (!name) return setMessage(message, "error", "Give the key a name.");
  if (role === "admin" && !window.confirm("Create an ADMIN key? It gives full access to everyone's data.")) return;
  const site_id = Number(byId("new-key-site", HTMLSelectElement).value || 1);
  const direction = byId("new-key-direction", HTMLSelectElement).value;
  const answer = await api("/api/v1/keys", { method: "POST", json: { name, role, site_id, direction } });
  if (answer.status !== 201) return setMessage(message, "error", failure(answer, "Not created"));
  setMessage(message, "success", "");
  byId("key-create", HTMLFormElement).reset();
  byId("admin-warning").hidden = true;
  showNewKey(answer.body);
  await loadKeys(viewSignal());
}

/** @param {{name: string, role: string, key: string}} made */
function showNewKey(made) {
  byId("new-key-for").textContent = made.name + " (" + made.role + ")";
  const value = byId("new-key-value", HTMLInputElement);
  value.value = made.key;
  // The tablet opens this address; the key after # is never sent to the server.
  const link = location.origin + "/checkin#key=" + encodeURIComponent(made.key);
  byId("new-key-url").textContent = location.origin + "/checkin";
  const box = byId("new-key-qr");
  box.replaceChildren();
  box.hidden = made.role !== "kiosk";
  if (made.role === "kiosk" && typeof qrcode === "function") box.appendChild(qrSvg(link));
  byId("new-key").hidden = false;
  value.focus();
  value.select();
}

byId("new-key-done").addEventListener("click", () => {
  byId("new-key-value", HTMLInputElement).value = "";
  byId("new-key-qr").replaceChildren();
  byId("new-key").hidden = true;
});

/** @type {import("./context.js").View} */
export const kiosksView = { load: loadKeys };
