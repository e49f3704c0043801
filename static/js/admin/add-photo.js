// @ts-check
/*
 * One person's "Add a photo": from the camera (one face in view) or a file, refused as on
 * /enroll. The camera is on only from "Use the camera" until "Stop the camera", leaving the
 * person, another view or signing out.
 */
import { Camera, cameraProblem, NOT_ONE_FACE, ONE_FACE } from "../camera.js";
import { byId, setMessage } from "../dom.js";
import { errorOf } from "../api.js";
import { describeEnrollError } from "../enroll-errors.js";
import { api, quietly } from "./context.js";

const el = {
  box: byId("add-camera-box"),
  video: byId("video", HTMLVideoElement),
  overlay: byId("overlay", HTMLCanvasElement),
  status: byId("add-status"),
  toggle: byId("add-camera", HTMLButtonElement),
  capture: byId("add-capture", HTMLButtonElement),
  file: byId("add-file", HTMLInputElement),
  outcome: byId("add-outcome"),
};

const camera = new Camera(el.video, el.overlay, { width: 1280, height: 720 });

/**
 * @typedef {object} Target
 * @property {() => {employee_id: string, name: string} | null} person the person on screen
 * @property {() => Promise<number>} reopen show the person again; resolves to their photo count
 */

/** The camera off and its controls back to "Use the camera". */
export function stopCamera() {
  camera.stop();
  el.box.hidden = true;
  el.capture.hidden = true;
  el.toggle.textContent = "Use the camera";
  el.status.textContent = "";
}

async function startCamera() {
  el.box.hidden = false;
  el.status.textContent = "Starting the camera…";
  try {
    await camera.open();
  } catch (err) {
    stopCamera();
    el.status.textContent = cameraProblem(err, "Upload a photo file instead.");
    return;
  }
  if (!camera.wanted) return; // left meanwhile
  el.toggle.textContent = "Stop the camera";
  el.capture.hidden = false;
  await camera.watch({
    onFaces: (faces) => {
      const one = faces.length === 1;
      camera.draw(faces, one ? ONE_FACE : NOT_ONE_FACE);
      el.capture.disabled = !one;
      el.status.textContent = one ? "One face in view - press Capture" : faces.length > 1 ? "More than one face in view" : "No face in view";
    },
  });
}

/**
 * Wire the buttons and the file input for the person `target` shows.
 * @param {Target} target
 */
export function wireAddPhoto(target) {
  /**
   * @param {Blob} blob
   * @param {string} name
   */
  async function addPhoto(blob, name) {
    const person = target.person();
    if (!person) return;
    setMessage(el.outcome, "idle", "Adding the photo…");
    const data = new FormData();
    data.append("image", blob, name);
    data.append("employee_id", person.employee_id);
    data.append("employee_name", person.name);
    const answer = await api("/api/v1/employees/insert", { method: "POST", body: data });
    el.file.value = "";
    if (answer.status === 201) {
      const count = await target.reopen();
      setMessage(el.outcome, "success", "Photo added: " + count + " photos enrolled.");
      return;
    }
    setMessage(el.outcome, "error", describeEnrollError(answer.status, errorOf(answer), camera.live));
  }

  el.toggle.addEventListener("click", () => {
    if (camera.wanted) stopCamera();
    else quietly(startCamera());
  });
  el.capture.addEventListener("click", async () => {
    if (el.capture.disabled) return;
    quietly(addPhoto(await camera.capture(null, 0.92), "capture.jpg"));
  });
  el.file.addEventListener("change", () => {
    const file = el.file.files && el.file.files[0];
    if (file) quietly(addPhoto(file, file.name || "upload.jpg"));
  });
}
