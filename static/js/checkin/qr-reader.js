// @ts-check
/*
 * Personal QR codes (people without biometrics, docs/no-biometrics.md) read from the kiosk's
 * camera with jsQR (vendored from npm: the global `jsQR`). Only facegate's own codes count:
 * any other QR code in view (a poster, a phone) is ignored without a request.
 */

const PREFIX = "fgq1.";
const WIDTH = 480; // frames are read at this width: enough for a code a hand holds up

export class QrReader {
  /** @param {HTMLVideoElement} video */
  constructor(video) {
    this.video = video;
    this.canvas = document.createElement("canvas");
    this.context = this.canvas.getContext("2d", { willReadFrequently: true });
    this.last = 0;
  }

  /**
   * The facegate code in the current frame, or null; at most one read per `everyMs`.
   * @param {number} everyMs
   * @returns {string | null}
   */
  read(everyMs) {
    const now = performance.now();
    const { videoWidth, videoHeight } = this.video;
    if (now - this.last < everyMs || !videoWidth || !videoHeight || !this.context || typeof jsQR !== "function") return null;
    this.last = now;
    const height = Math.round((videoHeight * WIDTH) / videoWidth);
    this.canvas.width = WIDTH;
    this.canvas.height = height;
    this.context.drawImage(this.video, 0, 0, WIDTH, height);
    const pixels = this.context.getImageData(0, 0, WIDTH, height);
    const found = jsQR(pixels.data, WIDTH, height, { inversionAttempts: "dontInvert" });
    const text = found ? found.data.trim() : "";
    return text.startsWith(PREFIX) ? text : null;
  }
}
