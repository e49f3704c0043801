// @ts-check
/* The check-in kiosk page (/checkin): the key setup, the clock, and the run of kiosk.js. */
import { whoami } from "../api.js";
import { publishForTests } from "../test-hooks.js";
import { el, tickClock } from "./display.js";
import { resetKeypad, wireKeypad } from "./keypad.js";
import { counts, current, KEY_STORAGE, liveness, resume, showSetup, start } from "./kiosk.js";
import { codeCheckin, codeCounts, openCode } from "./without-face.js";

// Pause after showing a result: ?cooldown=MS, else the body's data-cooldown-ms.
const cooldownMs = (() => {
  const fromUrl = new URLSearchParams(location.search).get("cooldown");
  const value = Number(fromUrl !== null && fromUrl !== "" ? fromUrl : el.body.getAttribute("data-cooldown-ms"));
  return isFinite(value) && value >= 0 ? value : 3000;
})();

el.setup.addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = el.keyInput.value.trim();
  if (!candidate) return;
  el.saveKey.disabled = true;
  el.detail.textContent = "Checking the key…";
  try {
    const who = await whoami(candidate);
    if (who.status === 200) {
      localStorage.setItem(KEY_STORAGE, candidate);
      start(candidate, cooldownMs);
    } else if (who.status === 401 || who.status === 403) {
      el.detail.textContent = "That key was not accepted. Check it and try again.";
    } else {
      el.detail.textContent = "The server could not check the key (" + who.status + "). Try again.";
    }
  } catch {
    el.detail.textContent = "Server unreachable, could not check the key. Try again.";
  } finally {
    el.saveKey.disabled = false;
  }
});

/** Ask the screen to stay on; silently ignored where unsupported. */
function keepScreenOn() {
  if (!navigator.wakeLock) return;
  const request = () => { navigator.wakeLock.request("screen").catch(() => {}); };
  request();
  // The lock is dropped whenever the page is hidden; take it again on return.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") request();
  });
}

// Read by the browser tests: how many searches were sent and detections ran (the detector is
// really looking), the head-turn challenges answered and the key's check-in mode.
publishForTests(() => ({ ...counts, ...codeCounts, liveness: liveness() }));

/** @param {Promise<unknown>} action a keypad's request: its failures are logged, not thrown */
const logged = (action) => {
  action.catch((err) => console.error(err));
};

// People without biometrics: the keypad pauses the camera's check-ins while it is open.
const backToCamera = () => {
  if (el.result.getAttribute("data-state") === "code") resume();
};
wireKeypad({
  onOpen: () => {
    if (openCode(current().key)) resetKeypad(backToCamera);
  },
  onSubmit: (employeeId, pin) => logged(codeCheckin(current(), employeeId, pin)),
  onClose: backToCamera,
});

tickClock();
setInterval(tickClock, 10000);
keepScreenOn();

// /checkin?setup forgets the stored key (to change kiosks' keys). The parameter is then dropped
// from the address so a later reload keeps the new key.
const params = new URLSearchParams(location.search);
if (params.has("setup")) {
  localStorage.removeItem(KEY_STORAGE);
  params.delete("setup");
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
}

// /checkin#key=... (the QR code HR's page shows for a new kiosk key): keep the key on this
// device and drop it from the address. A fragment is never sent to the server.
const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
const given = fragment.get("key");
if (given) {
  localStorage.setItem(KEY_STORAGE, given);
  history.replaceState(null, "", location.pathname + location.search);
}

const stored = localStorage.getItem(KEY_STORAGE);
if (stored) start(stored, cooldownMs);
else showSetup("Enter the kiosk API key to start.");
