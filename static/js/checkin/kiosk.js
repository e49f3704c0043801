// @ts-check
/*
 * The kiosk's run: with a kiosk key, watch the camera, and when one face has been in view
 * steadily, send one frame to POST /api/v1/employees/search (or, for a key set to the head-turn
 * challenge, a short run of frames to /api/v1/liveness/checkin) and show the answer. A personal
 * QR code in view (people without biometrics) is sent to /api/v1/qr/checkin instead.
 */
import { apiFetch, whoami } from "../api.js";
import { Camera, CameraError, NOT_ONE_FACE, ONE_FACE } from "../camera.js";
import { cropAroundFace, loadDetector } from "../detector.js";
import { sleep } from "../dom.js";
import { challenged } from "./challenge.js";
import { el, hint, show, showAnswer, shown } from "./display.js";
import { QrReader } from "./qr-reader.js";
import { qrCheckin } from "./without-face.js";

export const KEY_STORAGE = "facegate.kioskKey";
const STEADY_DETECTIONS = 3; // consecutive one-face detections before sending (~0.5 s)
const NO_FACE_PAUSE_MS = 1000; // server saw no face: short pause, no message
const CAMERA_RETRY_MS = 10000; // an unattended kiosk retries the camera by itself
const MAX_BACKOFF_MS = 30000;
const QR_EVERY_MS = 300; // a personal QR code is looked for at most this often

/** What the kiosk has done, for the test hooks: counts, never read to decide anything. */
export const counts = {
  searchRequests: 0,
  detections: 0,
  backend: "",
  challenges: 0,
  /** @type {number | null} from the prompt on screen to the answer shown */
  lastChallengeMs: null,
  /** @type {{direction: string, status: number, code: string, reason: string} | null} */
  lastChallenge: null,
};

const state = {
  /** @type {string | null} */
  key: null,
  liveness: "off", // the key's check-in mode: "off" (one frame) or "challenge" (head turn)
  run: 0, // bumped to stop an old run after the key changes
  cooldownMs: 3000, // pause after showing a result (start() sets it)
  failures: 0, // answers in a row that did not come (server down): the backoff grows
};

const camera = new Camera(el.video, el.overlay, { width: 640, height: 480 });
const reader = new QrReader(el.video);

/** The key's check-in mode as the kiosk last heard it. */
export function liveness() {
  return state.liveness;
}

/**
 * Ask for a kiosk key; the run of the previous key stops and the camera is off meanwhile.
 * @param {string} message
 */
export function showSetup(message) {
  state.run++;
  state.key = null;
  camera.stop();
  el.body.classList.add("no-video");
  el.kioskName.textContent = "";
  show("setup", message);
  el.keyInput.value = "";
  el.keyInput.focus();
}

/** The server said 401/403: forget the key and ask for a new one. */
function rejectKey() {
  localStorage.removeItem(KEY_STORAGE);
  showSetup("The kiosk key was rejected. Enter a valid kiosk API key.");
}

/** @param {number} failures */
function backoffMs(failures) {
  return Math.min(1000 * Math.pow(2, failures - 1), MAX_BACKOFF_MS);
}

/** @returns {Promise<"ok" | "rejected" | "down">} "down": network error, 5xx or anything odd */
async function probe() {
  try {
    const who = await whoami(/** @type {string} */ (state.key));
    if (who.status === 200) {
      // The kiosk's site, so that a person at the wrong office sees where they are.
      el.kioskName.textContent = who.siteName ? who.name + " · " + who.siteName : who.name;
      state.liveness = who.liveness;
      return "ok";
    }
    if (who.status === 401 || who.status === 403) return "rejected";
  } catch { /* NetworkError: server down */ }
  return "down";
}

/**
 * Show "Server unreachable" and probe whoami with exponential backoff (1 s, 2 s, 4 s … 30 s)
 * until it answers. True once it does; false if the key was rejected or the run stopped.
 * @param {number} failures
 * @param {string | null} message
 * @param {number} run
 */
async function waitForServer(failures, message, run) {
  for (let n = failures; ; n++) {
    const until = Date.now() + backoffMs(n);
    while (Date.now() < until) {
      if (run !== state.run) return false;
      show("error", message || "Server unreachable, retrying…", {
        detail: "Next try in " + Math.ceil((until - Date.now()) / 1000) + " s",
      });
      await sleep(Math.min(1000, until - Date.now()));
    }
    if (run !== state.run) return false;
    const status = await probe();
    if (status === "ok") return true;
    if (status === "rejected") {
      rejectKey();
      return false;
    }
  }
}

/**
 * The camera and the detector, retried until both work (or the run stops).
 * @param {number} run
 */
async function ensureCamera(run) {
  for (let n = 1; run === state.run; n++) {
    try {
      await camera.open();
      el.body.classList.remove("no-video");
      counts.backend = await loadDetector();
      return run === state.run;
    } catch (err) {
      if (err instanceof CameraError) {
        el.body.classList.add("no-video");
        show("camera-error", err.title, { detail: err.message + " Trying again every few seconds." });
        await sleep(CAMERA_RETRY_MS);
      } else {
        console.error("face detector failed to load", err);
        if (!(await waitForServer(n, "Face detector could not be loaded, retrying…", run))) return false;
      }
    }
  }
  return false;
}

const scanning = () => show("scanning", "Look at the camera");

/**
 * Run the kiosk with this key until another key is entered or it is rejected.
 * @param {string} key
 * @param {number} cooldownMs pause after showing a result
 */
export async function start(key, cooldownMs) {
  const run = ++state.run;
  state.key = key;
  show("scanning", "Starting…", { detail: "Connecting to the server" });

  const status = await probe();
  if (run !== state.run) return; // a newer key was entered meanwhile
  if (status === "rejected") return rejectKey();
  if (status === "down" && !(await waitForServer(1, null, run))) return;

  show("scanning", "Starting…", { detail: "Opening the camera" });
  if (!(await ensureCamera(run))) return;

  if (shown() !== "code") scanning(); // the keypad may have been opened meanwhile
  state.cooldownMs = cooldownMs;
  state.failures = 0;
  let steady = 0;
  await camera.watch({
    wanted: () => run === state.run && shown() === "scanning",
    onLost: async () => {
      // Camera unplugged or taken away: get it back first.
      if (await ensureCamera(run)) scanning();
    },
    onFaces: async (faces) => {
      counts.detections++;
      if (run !== state.run || shown() !== "scanning") return;
      // A personal QR code in view (people without biometrics) goes before any face.
      const code = reader.read(QR_EVERY_MS);
      if (code) {
        steady = 0;
        return settle(await qrCheckin(state.key, code), run);
      }
      camera.draw(faces, faces.length === 1 ? ONE_FACE : NOT_ONE_FACE);
      steady = faces.length === 1 ? steady + 1 : 0;
      hint(faces.length === 0 ? "Look at the camera" : faces.length > 1 ? "One person at a time, please" : "Hold still…");
      if (steady < STEADY_DETECTIONS) return;
      steady = 0;
      // Awaited: exactly one request in flight and no detection meanwhile.
      const challenge = () => challenged(camera, state.key, counts, () => { state.liveness = "off"; });
      await settle(state.liveness === "challenge" ? await challenge() : await search(faces[0]), run);
    },
  });
}

/**
 * After an answer: back to scanning once it has been on screen, or once the server is back.
 * @param {import("./display.js").Outcome} outcome
 * @param {number} run
 */
async function settle(outcome, run) {
  if (run !== state.run) return;
  if (outcome === "rejected") return rejectKey();
  if (outcome === "challenge") state.liveness = "challenge";
  hint("Look at the camera");
  if (outcome === "down") {
    state.failures++;
    if (!(await waitForServer(state.failures, null, run))) return;
  } else {
    state.failures = 0;
    await sleep(outcome === "shown" ? state.cooldownMs : NO_FACE_PAUSE_MS);
  }
  if (run === state.run) scanning();
}

/** Back to the camera (the keypad was cancelled or left alone). */
export function resume() {
  if (state.key) scanning();
}

/**
 * The kiosk's key and what to do with an answer, for the keypad (without-face.js).
 * @returns {{key: string | null, settle: (outcome: import("./display.js").Outcome) => Promise<void>}}
 */
export function current() {
  const run = state.run;
  return { key: state.key, settle: (outcome) => settle(outcome, run) };
}

/**
 * Send the current frame around the face to the server and show the answer.
 * @param {import("../detector.js").Face} face
 * @returns {Promise<import("./display.js").Outcome>}
 */
async function search(face) {
  hint("Checking…");
  const region = cropAroundFace(face, el.video.videoWidth, el.video.videoHeight, 320);
  const form = new FormData();
  form.append("image", await camera.capture(region, 0.9), "frame.jpg");
  try {
    counts.searchRequests++;
    return showAnswer(await apiFetch("/api/v1/employees/search", state.key, { method: "POST", body: form }));
  } catch {
    return "down";
  }
}
