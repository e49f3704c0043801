// @ts-check
/* /admin's Export view: the check-ins of a range of days as a CSV download. */
import { apiBlob } from "../api.js";
import { byId, el, setMessage } from "../dom.js";
import { isoDay, quietly, session } from "./context.js";

const from = byId("export-from", HTMLInputElement);
const to = byId("export-to", HTMLInputElement);
const message = byId("export-message");

async function download() {
  if (!from.value || !to.value || from.value > to.value) {
    return setMessage(message, "error", "Choose a start day on or before the end day.");
  }
  const name = "checkins-" + from.value + "-to-" + to.value + ".csv";
  setMessage(message, "idle", "Preparing…");
  let got;
  try {
    got = await apiBlob("/api/v1/checkins?format=csv&from=" + from.value + "&to=" + to.value, session.key());
  } catch {
    return setMessage(message, "error", "Server unreachable.");
  }
  if (!got.ok || !got.blob) return setMessage(message, "error", "The export failed (" + got.status + ").");
  const url = URL.createObjectURL(got.blob);
  const link = el("a", { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  setMessage(message, "success", "Downloaded " + name);
}

byId("export-form").addEventListener("submit", (event) => {
  event.preventDefault();
  quietly(download());
});

/** @type {import("./context.js").View} */
export const exportView = {
  load: async () => {
    // This month so far, unless HR chose days already.
    const today = new Date();
    if (!to.value) to.value = isoDay(today);
    if (!from.value) from.value = isoDay(new Date(today.getFullYear(), today.getMonth(), 1));
  },
};
