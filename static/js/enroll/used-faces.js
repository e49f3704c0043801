// @ts-check
/*
 * /enroll after an enrollment: each photo as it was sent, with a box around the face the
 * backend enrolled. A photo may show other faces in the background; the largest is enrolled
 * and the others are left out (face_box, ignored_faces in the answer), so HR sees at once
 * whether the right person was taken.
 */
import { byId, el } from "../dom.js";

/** @typedef {{x: number, y: number, w: number, h: number}} Box */
/** @typedef {{blob: Blob, box: Box, ignored: number}} UsedFace */

const section = byId("used");
const list = byId("used-faces");
/** @type {string[]} */
let urls = [];

/** Hide the last enrollment's photos and let their object URLs go. */
export function clearUsedFaces() {
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  list.replaceChildren();
  section.hidden = true;
}

/**
 * Show these photos, each with the box of the face enrolled.
 * @param {UsedFace[]} used
 */
export function showUsedFaces(used) {
  clearUsedFaces();
  used.forEach((face, index) => {
    const url = URL.createObjectURL(face.blob);
    urls.push(url);
    const image = el("img", { src: url, alt: "Photo " + (index + 1) + " as enrolled" });
    const { x, y, w, h } = face.box;
    const marker = el("div", { class: "face-box", "data-box": [x, y, w, h].join(",") });
    // The box is in the photo's own pixels: placed in shares of it once its size is known.
    image.addEventListener("load", () => place(marker, face.box, image), { once: true });
    const frame = el("div", { class: "face-frame" });
    frame.append(image, marker);
    const left = face.ignored === 1 ? "1 other face" : face.ignored + " other faces";
    const caption = el("figcaption", {}, "The face in the box was enrolled." +
      (face.ignored ? " " + left + " in the photo, smaller, left out." : ""));
    const figure = el("figure");
    figure.append(frame, caption);
    const item = el("li");
    item.append(figure);
    list.append(item);
  });
  section.hidden = used.length === 0;
}

/**
 * @param {HTMLElement} marker
 * @param {Box} box
 * @param {HTMLImageElement} image
 */
function place(marker, box, image) {
  const width = image.naturalWidth || 1;
  const height = image.naturalHeight || 1;
  marker.style.left = (100 * box.x) / width + "%";
  marker.style.top = (100 * box.y) / height + "%";
  marker.style.width = (100 * box.w) / width + "%";
  marker.style.height = (100 * box.h) / height + "%";
  marker.dataset.placed = "true";
}
