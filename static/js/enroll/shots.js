// @ts-check
/*
 * /enroll's photos: up to three, from the camera (one face in view) or from files, shown in
 * #shots in the order they will be sent. The camera runs while HR is signed in on this page.
 */
import { Camera, cameraProblem, NOT_ONE_FACE, ONE_FACE } from "../camera.js";
import { byId } from "../dom.js";

export const MAX_SHOTS = 3;
const SHOT_HINTS = [
  "Photo 1 of 3: look straight at the camera.",
  "Photo 2 of 3: turn the head a little to the left.",
  "Photo 3 of 3: turn the head a little to the right.",
];

/** @typedef {{blob: Blob, name: string, url: string}} Shot */

const el = {
  box: byId("photo-box"),
  video: byId("video", HTMLVideoElement),
  overlay: byId("overlay", HTMLCanvasElement),
  shotHint: byId("shot-hint"),
  shots: byId("shots"),
  cameraStatus: byId("camera-status"),
  capture: byId("capture", HTMLButtonElement),
  file: byId("photo-file", HTMLInputElement),
  photoError: byId("photo-error"),
};

/** For the test hooks: detections run and faces in view at the last one. */
export const counts = { detections: 0, facesInView: 0 };

const camera = new Camera(el.video, el.overlay, { width: 1280, height: 720 });
/** @type {Shot[]} */
let shots = [];
let cameraOk = false;
let oneFace = false;

/** The photos to send, in order. */
export function taken() {
  return shots.slice();
}

/** The camera works (so a refusal may suggest taking a new photo with it). */
export function cameraWorks() {
  return cameraOk;
}

export function renderShots() {
  el.shots.replaceChildren(...shots.map((shot, index) => {
    const item = document.createElement("li");
    const image = document.createElement("img");
    image.src = shot.url;
    image.alt = "Photo " + (index + 1);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", "Remove photo " + (index + 1));
    remove.addEventListener("click", () => removeShot(index));
    item.append(image, remove);
    return item;
  }));
  const full = shots.length >= MAX_SHOTS;
  el.shotHint.textContent = full ? "Three photos taken. Remove one to take it again." : SHOT_HINTS[shots.length];
  el.capture.textContent = full ? "Three photos taken" : "Capture photo " + (shots.length + 1);
  el.capture.disabled = full || !(cameraOk && oneFace);
  if (full) camera.draw([]);
  if (shots.length) el.photoError.textContent = "";
}

/**
 * @param {Blob} blob
 * @param {string} name
 */
function addShot(blob, name) {
  if (shots.length >= MAX_SHOTS) return false;
  shots.push({ blob, name, url: URL.createObjectURL(blob) });
  renderShots();
  return true;
}

/** @param {number} index */
function removeShot(index) {
  URL.revokeObjectURL(shots[index].url);
  shots.splice(index, 1);
  renderShots();
}

export function clearShots() {
  for (const shot of shots) URL.revokeObjectURL(shot.url);
  shots = [];
  el.file.value = "";
  renderShots();
}

/** Open the camera and look for faces until stopCamera(); without a camera, files still work. */
export async function startCamera() {
  if (camera.wanted) return;
  el.cameraStatus.textContent = "Starting the camera…";
  el.box.classList.remove("camera-off");
  try {
    await camera.open();
  } catch (err) {
    camera.stop();
    cameraOk = false;
    el.cameraStatus.textContent = cameraProblem(err, "You can upload photo files instead.");
    el.box.classList.add("camera-off");
    renderShots();
    return;
  }
  if (!camera.wanted) return; // signed out meanwhile
  cameraOk = true;
  el.cameraStatus.textContent = "Look at the camera";
  await camera.watch({
    wanted: () => shots.length < MAX_SHOTS,
    onFaces: (faces) => {
      counts.detections++;
      counts.facesInView = faces.length;
      oneFace = faces.length === 1;
      camera.draw(faces, oneFace ? ONE_FACE : NOT_ONE_FACE);
      el.capture.disabled = !oneFace;
      el.cameraStatus.textContent = oneFace ? "One face in view - press Capture"
        : faces.length > 1 ? "More than one face in view - only the employee should be in the picture"
        : "No face in view - look at the camera";
    },
  });
}

/** The camera off (signed out): its tracks end and the detection stops. */
export function stopCamera() {
  camera.stop();
  cameraOk = false;
  oneFace = false;
  renderShots();
}

el.capture.addEventListener("click", async () => {
  if (el.capture.disabled) return;
  // The full frame: the server checks face size and quality on it.
  addShot(await camera.capture(null, 0.92), "capture-" + (shots.length + 1) + ".jpg");
});

el.file.addEventListener("change", () => {
  let skipped = 0;
  for (const file of Array.from(el.file.files || [])) {
    if (!addShot(file, file.name || "upload.jpg")) skipped++;
  }
  el.file.value = "";
  el.photoError.textContent = skipped ? skipped + " file(s) not added: at most " + MAX_SHOTS + " photos per enrollment." : "";
});
