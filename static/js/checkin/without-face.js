// @ts-check
/*
 * The kiosk's requests for people without biometrics (docs/no-biometrics.md): an id and a PIN
 * typed on the keypad, or the text of a personal QR code read from the camera. The answers are
 * shown as a face check-in's are (display.js), with the same outcomes.
 */
import { apiFetch } from "../api.js";
import { show, showAnswer, shown } from "./display.js";

/** Requests sent, for the test hooks: counts, never read to decide anything. */
export const codeCounts = { pinRequests: 0, qrRequests: 0 };

/**
 * POST /api/v1/pin/checkin and show the answer.
 * @param {string | null} key
 * @param {string} employeeId
 * @param {string} pin
 * @returns {Promise<import("./display.js").Outcome>}
 */
export async function pinCheckin(key, employeeId, pin) {
  try {
    codeCounts.pinRequests++;
    const json = { employee_id: employeeId, pin };
    return showAnswer(await apiFetch("/api/v1/pin/checkin", key, { method: "POST", json }));
  } catch {
    return "down";
  }
}

/**
 * POST /api/v1/qr/checkin and show the answer.
 * @param {string | null} key
 * @param {string} code
 * @returns {Promise<import("./display.js").Outcome>}
 */
export async function qrCheckin(key, code) {
  try {
    codeCounts.qrRequests++;
    return showAnswer(await apiFetch("/api/v1/qr/checkin", key, { method: "POST", json: { code } }));
  } catch {
    return "down";
  }
}

/**
 * The keypad was asked for: the face loop pauses while it is open (state "code").
 * @param {string | null} key
 */
export function openCode(key) {
  if (key && (shown() === "scanning" || shown() === "unknown")) show("code", "");
  return shown() === "code";
}

/**
 * An id and PIN typed on the keypad: send them, show the answer, then `settle` (cool down and
 * back to scanning, as after a face).
 * @param {{key: string | null, settle: (outcome: import("./display.js").Outcome) => Promise<void>}} kiosk
 * @param {string} employeeId
 * @param {string} pin
 */
export async function codeCheckin(kiosk, employeeId, pin) {
  if (shown() !== "code") return;
  show("code", "Checking…");
  await kiosk.settle(await pinCheckin(kiosk.key, employeeId, pin));
}
