// @ts-check
/*
 * The kiosk's run: with a kiosk key, watch the camera, and when one face has been in view
 * steadily, send one frame to POST /api/v1/employees/search (or, for a key set to the head-turn
 * challenge, a short run of frames to /api/v1/liveness/checkin) and show the answer.
 */
import { apiFetch, errorOf, whoami } from "../api.js";
import { Camera, CameraError, NOT_ONE_FACE, ONE_FACE } from "../camera.js";
import { cropAroundFace, loadDetector } from "../detector.js";
import { sleep } from "../dom.js";
import { el, hint, show, showAnswer, shown } from "./display.js";

export const KEY_STORAGE = "facegate.kioskKey";
const STEADY_DETECTIONS = 3; // consecutive one-face detections before sending (~0.5 s)
const NO_FACE_PAUSE_MS = 1000; // server saw no face: short pause, no message
const CAMERA_RETRY_MS = 10000; // an unattended kiosk retries the camera by itself
const MAX_BACKOFF_MS = 30000;
// Frames of the head-turn challenge, spaced so that a person has time to turn.
const CHALLENGE_FRAME_GAP_MS = 300;

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
};

const camera = new Camera(el.video, el.overlay, { width: 640, height: 480 });

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
      el.kioskName.textContent = who.name;
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

  scanning();
  let steady = 0;
  let failures = 0;
  await camera.watch({
    wanted: () => run === state.run && shown() === "scanning",
    onLost: async () => {
      // Camera unplugged or taken away: get it back first.
      if (await ensureCamera(run)) scanning();
    },
    onFaces: async (faces) => {
      counts.detections++;
      if (run !== state.run || shown() !== "scanning") return;
      camera.draw(faces, faces.length === 1 ? ONE_FACE : NOT_ONE_FACE);
      steady = faces.length === 1 ? steady + 1 : 0;
      hint(faces.length === 0 ? "Look at the camera" : faces.length > 1 ? "One person at a time, please" : "Hold still…");
      if (steady < STEADY_DETECTIONS) return;
      steady = 0;
      // Awaited: exactly one request in flight and no detection meanwhile.
      const outcome = state.liveness === "challenge" ? await challenged() : await search(faces[0]);
      if (run !== state.run) return;
      if (outcome === "rejected") return rejectKey();
      if (outcome === "challenge") state.liveness = "challenge";
      hint("Look at the camera");
      if (outcome === "down") {
        failures++;
        if (!(await waitForServer(failures, null, run))) return;
      } else {
        failures = 0;
        await sleep(outcome === "shown" ? cooldownMs : NO_FACE_PAUSE_MS);
      }
      if (run === state.run) scanning();
    },
  });
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

/**
 * The head-turn challenge: ask the server which way, show the prompt, capture a short run of
 * whole frames, send them with the token. Same outcomes as search().
 * @returns {Promise<import("./display.js").Outcome>}
 */
async function challenged() {
  hint("Checking…");
  let given;
  try {
    given = await apiFetch("/api/v1/liveness/challenge", state.key, { method: "POST" });
  } catch {
    return "down";
  }
  if (given.status === 401 || given.status === 403) return "rejected";
  if (given.status !== 201) return "down";
  const challenge = given.body;
  if (challenge.required === false) state.liveness = "off"; // set back on /admin: after this one
  const prompted = performance.now();
  // The video is shown mirrored, so the person's own left is the screen's left.
  show("challenge", challenge.prompt, { name: challenge.direction === "left" ? "←" : "→", detail: "Keep your face in view" });
  el.result.setAttribute("data-direction", challenge.direction);
  const count = Math.min(Math.max(6, challenge.frames_min), challenge.frames_max);
  const form = new FormData();
  form.append("challenge", challenge.token);
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(CHALLENGE_FRAME_GAP_MS);
    form.append("frames", await camera.capture(null, 0.85), "frame-" + i + ".jpg");
  }
  el.message.textContent = "Checking…";
  let answer;
  try {
    counts.searchRequests++;
    answer = await apiFetch("/api/v1/liveness/checkin", state.key, { method: "POST", body: form });
  } catch {
    return "down";
  }
  el.result.removeAttribute("data-direction");
  counts.challenges++;
  const refused = errorOf(answer);
  counts.lastChallenge = {
    direction: challenge.direction, status: answer.status, code: refused.code || "", reason: refused.details.reason || "",
  };
  const outcome = showAnswer(answer);
  counts.lastChallengeMs = Math.round(performance.now() - prompted);
  return outcome;
}
