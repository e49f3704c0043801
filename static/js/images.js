// @ts-check
/*
 * Photos read through the backend with the admin key (never from the store directly), loaded
 * lazily and a few at a time: an image is fetched only once it is near the visible part of the
 * page, and at most `limit` fetches run at once, so a day of 200 check-ins (400 photos) does not
 * start 400 requests.
 */
import { apiBlob, isAbort } from "./api.js";

/**
 * @typedef {object} Job
 * @property {HTMLImageElement} img
 * @property {string} path
 * @property {string} what "Snapshot": said in the alt text when the photo is missing
 * @property {AbortSignal} signal
 */

export class ImageLoader {
  /**
   * @param {() => string | null} key the admin key
   * @param {number} [limit] fetches at once
   */
  constructor(key, limit = 4) {
    this.key = key;
    this.limit = limit;
    this.running = 0;
    /** @type {Job[]} */
    this.waiting = [];
    /** @type {string[]} */
    this.urls = [];
    /** @type {Map<Element, Job>} */
    this.offscreen = new Map();
    // Start a little before the image scrolls into view, so it is there when it does.
    this.observer = new IntersectionObserver((entries) => this.onSeen(entries), { rootMargin: "400px 0px" });
  }

  /**
   * Show the photo at `path` in `img` once the image is near the viewport.
   * @param {HTMLImageElement} img
   * @param {string | null | undefined} path null: none was kept
   * @param {string} what
   * @param {AbortSignal} signal aborted: the photo is no longer wanted
   */
  show(img, path, what, signal) {
    if (!path) {
      img.alt = what + ": none kept";
      img.classList.add("missing");
      return;
    }
    const job = { img, path, what, signal };
    this.offscreen.set(img, job);
    this.observer.observe(img);
    signal.addEventListener("abort", () => {
      this.observer.unobserve(img);
      this.offscreen.delete(img);
    }, { once: true });
  }

  /** Forget what is waiting and free the photos shown so far (before the list is redrawn). */
  clear() {
    this.observer.disconnect();
    this.offscreen.clear();
    this.waiting = [];
    for (const url of this.urls) URL.revokeObjectURL(url);
    this.urls = [];
  }

  /** @param {IntersectionObserverEntry[]} entries */
  onSeen(entries) {
    for (const entry of entries) {
      const job = entry.isIntersecting ? this.offscreen.get(entry.target) : undefined;
      if (!job) continue;
      this.observer.unobserve(entry.target);
      this.offscreen.delete(entry.target);
      this.waiting.push(job);
    }
    this.pump();
  }

  pump() {
    while (this.running < this.limit && this.waiting.length) {
      const job = /** @type {Job} */ (this.waiting.shift());
      if (job.signal.aborted) continue;
      this.running++;
      this.load(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** @param {Job} job */
  async load(job) {
    const { img, what } = job;
    try {
      const got = await apiBlob(job.path, this.key(), job.signal);
      if (!got.ok || !got.blob) {
        img.alt = what + " unavailable (" + got.status + ")";
        img.classList.add("missing");
        return;
      }
      const url = URL.createObjectURL(got.blob);
      this.urls.push(url);
      img.src = url;
    } catch (err) {
      if (!isAbort(err)) img.alt = what + " unavailable";
    }
  }
}
