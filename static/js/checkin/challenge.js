// @ts-check
/*
 * The kiosk's head-turn challenge (docs/anti-spoofing.md): a signed challenge from the server,
 * the prompt on screen, a short run of whole frames sent back with its token.
 */
import { apiFetch, errorOf } from "../api.js";
import { sleep } from "../dom.js";
import { el, hint, show, showAnswer } from "./display.js";

// Frames of the head-turn challenge, spaced so that a person has time to turn.
const CHALLENGE_FRAME_GAP_MS = 300;

/**
 * The head-turn challenge: ask the server which way, show the prompt, capture a short run of
 * whole frames, send them with the token. Same outcomes as search().
 * @param {import("../camera.js").Camera} camera
 * @param {string | null} key
 * @param {typeof import("./kiosk.js").counts} counts
 * @param {() => void} notRequired the key was set back to one frame on /admin: after this one
 * @returns {Promise<import("./display.js").Outcome>}
 */
export async function challenged(camera, key, counts, notRequired) {
  hint("Checking…");
  let given;
  try {
    given = await apiFetch("/api/v1/liveness/challenge", key, { method: "POST" });
  } catch {
    return "down";
  }
  if (given.status === 401 || given.status === 403) return "rejected";
  if (given.status !== 201) return "down";
  const challenge = given.body;
  if (challenge.required === false) notRequired();
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
    answer = await apiFetch("/api/v1/liveness/checkin", key, { method: "POST", body: form });
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
