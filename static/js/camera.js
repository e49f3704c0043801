// @ts-check
/*
 * One camera and its detection loop, used by the kiosk, /enroll and /admin's "Add a photo".
 * The camera is on only while a page needs it: stop() ends the stream's tracks (the camera
 * light goes off) and the loop; while the page is hidden the tracks are ended too, and the
 * camera comes back when the page is shown again if it was still wanted.
 */
import { sleep } from "./dom.js";
import { captureJpeg, detectFaces, drawFaces, loadDetector } from "./detector.js";

/** @typedef {import("./detector.js").Face} Face */
/** @typedef {import("./detector.js").Region} Region */

/** The camera could not be opened: `kind` says why, `title` and `message` say what to do. */
export class CameraError extends Error {
  /**
   * @param {"insecure" | "denied" | "no-camera" | "busy" | "failed"} kind
   * @param {string} title
   * @param {string} message
   */
  constructor(kind, title, message) {
    super(message);
    this.name = "CameraError";
    this.kind = kind;
    this.title = title;
  }
}

/**
 * @typedef {object} WatchOptions
 * @property {(faces: Face[]) => unknown} onFaces awaited after each detection
 * @property {() => boolean} [wanted] detect only while this is true (default: always)
 * @property {() => Promise<unknown>} [onLost] awaited when the stream ends by itself (unplugged)
 * @property {number} [intervalMs] pause between two detections
 */

/** @param {unknown} err */
function cameraErrorOf(err) {
  const name = err instanceof Error || err instanceof DOMException ? err.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return new CameraError("denied", "Camera access denied", "Allow the camera for this site in the browser settings.");
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return new CameraError("no-camera", "No camera found", "Connect a camera to this device.");
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return new CameraError("busy", "Camera unavailable", "The camera is in use by another program or could not be started.");
  }
  return new CameraError("failed", "Camera error", "The camera could not be started (" + (name || String(err)) + ").");
}

/** Resolves once the page is visible (at once if it is). */
function visible() {
  if (document.visibilityState === "visible") return Promise.resolve();
  return new Promise((resolve) => {
    const shown = () => {
      if (document.visibilityState !== "visible") return;
      document.removeEventListener("visibilitychange", shown);
      resolve(undefined);
    };
    document.addEventListener("visibilitychange", shown);
  });
}

export class Camera {
  /**
   * @param {HTMLVideoElement} video
   * @param {HTMLCanvasElement} overlay
   * @param {{width: number, height: number}} size the resolution asked for
   */
  constructor(video, overlay, size) {
    this.video = video;
    this.overlay = overlay;
    this.size = size;
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {Promise<void> | null} */
    this.opening = null;
    this.wanted = false; // open() called and stop() not since: reopen after the page is hidden
    this.run = 0; // bumped by stop(): ends the watch loop of an earlier run
    document.addEventListener("visibilitychange", () => this.onVisibility());
    // Leaving the page (or the browser keeping it in its back/forward cache) ends the stream;
    // a page shown again from that cache gets it back through visibilitychange.
    window.addEventListener("pagehide", () => this.release());
  }

  /** The stream is open and delivering. */
  get live() {
    return !!this.stream && this.stream.active;
  }

  /**
   * Open the front camera into the video (once; again after it was lost), and the detector
   * with it. Rejects with a CameraError, or an Error when the detector did not load.
   * @returns {Promise<void>}
   */
  open() {
    this.wanted = true;
    if (this.live) return loadDetector().then(() => undefined);
    if (!this.opening) {
      this.opening = this.openStream().finally(() => { this.opening = null; });
    }
    return this.opening;
  }

  async openStream() {
    loadDetector().catch(() => {}); // loads while the camera starts; reported below
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new CameraError("insecure", "Camera needs HTTPS", "Open this page with an https:// address.");
    }
    const run = this.run;
    await visible(); // a hidden page does not take the camera
    if (run !== this.run) return; // stopped while waiting
    /** @type {MediaStream} */
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "user", width: { ideal: this.size.width }, height: { ideal: this.size.height } },
      });
    } catch (err) {
      throw cameraErrorOf(err);
    }
    if (run !== this.run || !this.wanted) {
      // stop() came while the browser was opening it: not wanted any more.
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.stream = stream;
    this.video.muted = true;
    this.video.playsInline = true;
    this.video.srcObject = stream;
    await this.video.play().catch(() => { /* autoplay of a muted stream is allowed */ });
    await loadDetector();
  }

  /** End the stream's tracks and the watch loop: the camera is off. */
  stop() {
    this.wanted = false;
    this.run++;
    this.release();
  }

  release() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.draw([]);
  }

  onVisibility() {
    if (document.visibilityState === "hidden") {
      if (this.stream) this.release(); // stays wanted: reopened when shown
    } else if (this.wanted && !this.live) {
      this.open().catch((err) => console.error("camera not reopened", err));
    }
  }

  /**
   * Detect faces every intervalMs until stop() (at once if stop() came before); each detection is handed to onFaces and
   * awaited, so a page can send a request before the next detection runs.
   * @param {WatchOptions} options
   */
  async watch(options) {
    const run = this.run;
    const interval = options.intervalMs || 150;
    while (run === this.run && this.wanted) {
      if (!this.live && !this.opening && document.visibilityState === "visible") {
        // Ended by itself (unplugged, taken by another program): get it back.
        if (options.onLost) await options.onLost();
        else await this.open().catch(() => sleep(interval * 10));
        continue;
      }
      if (this.live && this.video.readyState >= 2 && (!options.wanted || options.wanted())) {
        /** @type {Face[]} */
        let faces;
        try {
          faces = await detectFaces(this.video);
        } catch (err) {
          // e.g. a lost WebGL context; log it and try again a little later.
          console.error("face detection failed", err);
          await sleep(interval * 10);
          continue;
        }
        if (run !== this.run) return;
        await options.onFaces(faces);
      }
      await sleep(interval);
    }
  }

  /**
   * Boxes around the faces on the overlay (none: cleared).
   * @param {Region[]} faces
   * @param {string} [color]
   */
  draw(faces, color) {
    drawFaces(this.overlay, this.video, faces, color);
  }

  /**
   * The current frame (or a region of it) as a JPEG.
   * @param {Region | null} region
   * @param {number} quality
   */
  capture(region, quality) {
    return captureJpeg(this.video, region, quality);
  }
}

/**
 * "Camera access denied. Allow …" or the detector's failure, in words, with what to do instead.
 * @param {unknown} err
 * @param {string} instead
 */
export function cameraProblem(err, instead) {
  const said = err instanceof CameraError ? err.title + ". " + err.message : "The face detector could not be loaded.";
  return said + " " + instead;
}

/** One-face-in-view colours: green for one face, amber otherwise. */
export const ONE_FACE = "#35d07f";
export const NOT_ONE_FACE = "#ffb020";
