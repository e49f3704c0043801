// @ts-check
/*
 * The browser's face detector (face-api.js's tiny detector, loaded as a classic script before
 * the page's modules) and the drawing and cropping around what it finds.
 */

// Where scripts/vendor_static.sh puts face-api and the detector weights.
const MODEL_URI = "/static/vendor/face-api/";

/** @typedef {{x: number, y: number, width: number, height: number}} Region */
/** @typedef {Region & {score: number}} Face */

/** @type {Promise<string> | null} */
let loading = null;

/**
 * Load the tiny face detector once; resolves to the tfjs backend used. WebGL is tried first and
 * the plain CPU backend is the fallback; WASM is skipped on purpose because its .wasm files are
 * not vendored (tfjs would try to fetch them).
 * @returns {Promise<string>}
 */
export function loadDetector() {
  if (!loading) {
    loading = (async () => {
      if (typeof faceapi === "undefined") {
        throw new Error("face-api.js did not load (run scripts/vendor_static.sh)");
      }
      const tf = faceapi.tf;
      let ok = false;
      try {
        ok = await tf.setBackend("webgl");
      } catch {
        ok = false;
      }
      if (!ok) await tf.setBackend("cpu");
      await tf.ready();
      await faceapi.nets.tinyFaceDetector.loadFromUri(MODEL_URI);
      return tf.getBackend();
    })();
    // Let a later call try again after a failure (e.g. a network blip).
    loading.catch(() => { loading = null; });
  }
  return loading;
}

/** @type {faceapi.TinyFaceDetectorOptions | null} */
let options = null;

/**
 * Faces currently visible in the video.
 * @param {HTMLVideoElement} video
 * @returns {Promise<Face[]>}
 */
export async function detectFaces(video) {
  if (!options) options = new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.5 });
  const found = await faceapi.detectAllFaces(video, options);
  return found.map((d) => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height, score: d.score }));
}

/**
 * Face boxes on a canvas laid over the video. The canvas uses video pixel coordinates; CSS
 * stretches (and mirrors) it exactly like the video.
 * @param {HTMLCanvasElement} canvas
 * @param {HTMLVideoElement} video
 * @param {Region[]} faces
 * @param {string} [color]
 */
export function drawFaces(canvas, video, faces, color) {
  if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
  if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = Math.max(3, canvas.width / 160);
  ctx.strokeStyle = color || "#35d07f";
  for (const f of faces) ctx.strokeRect(f.x, f.y, f.width, f.height);
}

/**
 * A region of the current video frame (null: all of it) as a JPEG Blob.
 * @param {HTMLVideoElement} video
 * @param {Region | null} region
 * @param {number} [quality]
 * @returns {Promise<Blob>}
 */
export function captureJpeg(video, region, quality) {
  const r = region || { x: 0, y: 0, width: video.videoWidth, height: video.videoHeight };
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(r.width);
  canvas.height = Math.round(r.height);
  canvas.getContext("2d")?.drawImage(video, r.x, r.y, r.width, r.height, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (blob) resolve(blob);
      else reject(new Error("could not encode the photo"));
    }, "image/jpeg", quality || 0.9);
  });
}

/**
 * A generous square crop around a face: the box grown 2x (at least `minSide` px), moved to stay
 * inside the frame. The server runs its own detector, so it needs context, not a tight box.
 * @param {Region} face
 * @param {number} frameWidth
 * @param {number} frameHeight
 * @param {number} [minSide]
 * @returns {Region}
 */
export function cropAroundFace(face, frameWidth, frameHeight, minSide) {
  const side = Math.max(2 * Math.max(face.width, face.height), minSide || 320);
  const w = Math.min(side, frameWidth);
  const h = Math.min(side, frameHeight);
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const x = Math.min(Math.max(cx - w / 2, 0), frameWidth - w);
  const y = Math.min(Math.max(cy - h / 2, 0), frameHeight - h);
  return { x: Math.round(x), y: Math.round(y), width: Math.round(w), height: Math.round(h) };
}
