// @ts-check
/*
 * The kiosk's keypad for people without biometrics (docs/no-biometrics.md): their employee id,
 * then their personal code (PIN), typed on on-screen keys. The PIN field never opens the
 * device's keyboard (inputmode=none); the id field may, for ids with letters. A keypad left
 * alone is cleared and closed, so no half-typed code stays on the screen.
 */
import { byId } from "../dom.js";

const IDLE_MS = 30000;

export const pad = {
  open: byId("code-open", HTMLButtonElement),
  form: byId("keypad", HTMLFormElement),
  employee: byId("code-employee", HTMLInputElement),
  pin: byId("code-pin", HTMLInputElement),
  keys: byId("keypad-keys"),
  cancel: byId("code-cancel", HTMLButtonElement),
  message: byId("keypad-message"),
};

/** @type {HTMLInputElement} */
let target = pad.employee;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let idle;

/**
 * Wire the keypad: `onOpen` when someone asks for it, `onSubmit(id, pin)` when both are typed,
 * `onClose` when it is cancelled or left alone.
 * @param {{onOpen: () => void, onSubmit: (employeeId: string, pin: string) => void, onClose: () => void}} handlers
 */
export function wireKeypad(handlers) {
  pad.open.addEventListener("click", () => handlers.onOpen());
  pad.employee.addEventListener("focus", () => { target = pad.employee; });
  pad.pin.addEventListener("focus", () => { target = pad.pin; });
  for (const field of [pad.employee, pad.pin]) field.addEventListener("input", () => touch(handlers.onClose));
  pad.cancel.addEventListener("click", () => {
    clearKeypad();
    handlers.onClose();
  });
  pad.keys.addEventListener("click", (event) => {
    const key = event.target instanceof HTMLElement ? event.target.closest("button[data-key]") : null;
    if (!key) return;
    const value = key.getAttribute("data-key") || "";
    if (value === "back") target.value = target.value.slice(0, -1);
    else if (value === "ok") return next(handlers);
    else if (target.value.length < target.maxLength) target.value += value;
    touch(handlers.onClose);
  });
  pad.form.addEventListener("submit", (event) => {
    event.preventDefault();
    next(handlers);
  });
}

/**
 * "OK": from the id on to the PIN, or send both.
 * @param {{onSubmit: (employeeId: string, pin: string) => void, onClose: () => void}} handlers
 */
function next(handlers) {
  const employeeId = pad.employee.value.trim();
  const missing = !employeeId ? pad.employee : !pad.pin.value ? pad.pin : null;
  if (missing) {
    missing.focus();
    touch(handlers.onClose);
    return;
  }
  const pin = pad.pin.value;
  clearKeypad();
  handlers.onSubmit(employeeId, pin);
}

/** @param {() => void} onClose */
function touch(onClose) {
  clearTimeout(idle);
  idle = setTimeout(() => {
    clearKeypad();
    onClose();
  }, IDLE_MS);
}

/**
 * The keypad empty, the id field first (display.js shows and hides it with the "code" state).
 * @param {() => void} onIdle called when it is left alone
 * @param {string} [message]
 */
export function resetKeypad(onIdle, message = "Type your employee ID, then your personal code, on the keys") {
  pad.employee.value = "";
  pad.pin.value = "";
  pad.message.textContent = message;
  target = pad.employee;
  pad.employee.focus();
  touch(onIdle);
}

/** Clear the keypad (the code never stays on screen) and stop its idle timer. */
export function clearKeypad() {
  clearTimeout(idle);
  pad.employee.value = "";
  pad.pin.value = "";
}
