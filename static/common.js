/*
 * Shared helpers for the facegate pages (checkin.html, enroll.html, admin.html).
 * Plain script, no bundler: it defines window.facegateCommon and expects
 * face-api.js (global `faceapi`) to be loaded before it.
 * API keys are only ever read from browser storage or typed in; none is
 * written into any page or script.
 */
(function () {
  "use strict";

  // Where scripts/vendor_static.sh puts face-api and the detector weights.
  var MODEL_URI = "/static/vendor/face-api/";

  // An HTTP answer that came back (any status). Network failures throw
  // NetworkError instead, so callers can tell "server down" from "server said no".
  function NetworkError(message) {
    this.name = "NetworkError";
    this.message = message;
  }
  NetworkError.prototype = Object.create(Error.prototype);

  /**
   * fetch() with the X-API-Key header; resolves to {status, ok, body}
   * where body is the parsed JSON (or null when the answer is not JSON).
   */
  async function apiFetch(path, key, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (key) headers["X-API-Key"] = key;
    var body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    var response;
    try {
      response = await fetch(path, {
        method: options.method || "GET",
        headers: headers,
        body: body,
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (err) {
      throw new NetworkError(String(err && err.message ? err.message : err));
    }
    var parsed = null;
    try {
      parsed = await response.json();
    } catch (err) {
      parsed = null; // e.g. an HTML error page from a proxy, or 204 No Content
    }
    return { status: response.status, ok: response.ok, body: parsed };
  }

  /**
   * GET a file (a photo, a CSV) with the X-API-Key header; resolves to
   * {status, ok, blob} (blob null unless ok); throws NetworkError.
   */
  async function apiBlob(path, key) {
    var response;
    try {
      response = await fetch(path, { headers: { "X-API-Key": key }, cache: "no-store", credentials: "same-origin" });
    } catch (err) {
      throw new NetworkError(String(err && err.message ? err.message : err));
    }
    return { status: response.status, ok: response.ok, blob: response.ok ? await response.blob() : null };
  }

  /** The {code, message, details} part of an error answer, never null. */
  function errorOf(answer) {
    var err = answer && answer.body && answer.body.error;
    if (!err || typeof err !== "object") err = {};
    return {
      code: typeof err.code === "string" ? err.code : "",
      message: typeof err.message === "string" ? err.message : "",
      details: err.details && typeof err.details === "object" ? err.details : {},
    };
  }

  /** GET /api/v1/auth/whoami → {status, name, role}; throws NetworkError. */
  async function whoami(key) {
    var answer = await apiFetch("/api/v1/auth/whoami", key);
    var body = answer.body || {};
    return { status: answer.status, name: body.name || "", role: body.role || "", liveness: body.liveness || "off" };
  }

  /**
   * Load the tiny face detector once. WebGL is tried first and the plain CPU
   * backend is the fallback; the WASM backend is skipped on purpose because
   * its .wasm files are not vendored (tfjs would try to fetch them).
   */
  var detectorPromise = null;
  function loadDetector() {
    if (!detectorPromise) {
      detectorPromise = (async function () {
        if (typeof faceapi === "undefined") {
          throw new Error("face-api.js did not load (run scripts/vendor_static.sh)");
        }
        var tf = faceapi.tf;
        var ok = false;
        try {
          ok = await tf.setBackend("webgl");
        } catch (err) {
          ok = false;
        }
        if (!ok) await tf.setBackend("cpu");
        await tf.ready();
        await faceapi.nets.tinyFaceDetector.loadFromUri(MODEL_URI);
        return tf.getBackend();
      })();
      // Let a later call try again after a failure (e.g. a network blip).
      detectorPromise.catch(function () { detectorPromise = null; });
    }
    return detectorPromise;
  }

  var detectorOptions = null;
  /** Faces currently visible in the video: array of {x, y, width, height, score}. */
  async function detectFaces(video) {
    if (!detectorOptions) {
      detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: 320, scoreThreshold: 0.5 });
    }
    var detections = await faceapi.detectAllFaces(video, detectorOptions);
    return detections.map(function (d) {
      return { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height, score: d.score };
    });
  }

  /**
   * Open the front camera into `video`. Resolves to the MediaStream, or
   * rejects with an Error carrying `.kind` ("insecure", "denied", "no-camera",
   * "busy", "failed"), a short `.title` and a `.message` saying what to do.
   */
  async function openCamera(video, size) {
    function fail(kind, title, help) {
      var err = new Error(help);
      err.kind = kind;
      err.title = title;
      return err;
    }
    // Browsers only offer getUserMedia on https:// pages (and localhost).
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw fail("insecure", "Camera needs HTTPS", "Open this page with an https:// address.");
    }
    var stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          facingMode: "user",
          width: { ideal: size && size.width ? size.width : 640 },
          height: { ideal: size && size.height ? size.height : 480 },
        },
      });
    } catch (err) {
      var name = err && err.name;
      if (name === "NotAllowedError" || name === "SecurityError") {
        throw fail("denied", "Camera access denied", "Allow the camera for this site in the browser settings.");
      }
      if (name === "NotFoundError" || name === "OverconstrainedError") {
        throw fail("no-camera", "No camera found", "Connect a camera to this device.");
      }
      if (name === "NotReadableError" || name === "AbortError") {
        throw fail("busy", "Camera unavailable", "The camera is in use by another program or could not be started.");
      }
      throw fail("failed", "Camera error", "The camera could not be started (" + (name || err) + ").");
    }
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play().catch(function () { /* autoplay of a muted stream is allowed; ignore */ });
    return stream;
  }

  /**
   * Copy a region of the current video frame into a JPEG Blob.
   * `region` = {x, y, width, height} in video pixels, or null for the full frame.
   */
  function captureJpeg(video, region, quality) {
    var vw = video.videoWidth;
    var vh = video.videoHeight;
    var r = region || { x: 0, y: 0, width: vw, height: vh };
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(r.width);
    canvas.height = Math.round(r.height);
    canvas.getContext("2d").drawImage(video, r.x, r.y, r.width, r.height, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) {
        if (blob) resolve(blob);
        else reject(new Error("could not encode the photo"));
      }, "image/jpeg", quality || 0.9);
    });
  }

  /**
   * A generous square crop around a face: the face box grown 2x (at least
   * `minSide` px), moved to stay inside the frame. The server runs its own
   * detector, so it needs context around the face, not a tight box.
   */
  function cropAroundFace(face, frameWidth, frameHeight, minSide) {
    var side = Math.max(2 * Math.max(face.width, face.height), minSide || 320);
    var w = Math.min(side, frameWidth);
    var h = Math.min(side, frameHeight);
    var cx = face.x + face.width / 2;
    var cy = face.y + face.height / 2;
    var x = Math.min(Math.max(cx - w / 2, 0), frameWidth - w);
    var y = Math.min(Math.max(cy - h / 2, 0), frameHeight - h);
    return { x: Math.round(x), y: Math.round(y), width: Math.round(w), height: Math.round(h) };
  }

  /**
   * Draw face boxes on a canvas laid over the video. The canvas uses video
   * pixel coordinates; CSS stretches (and mirrors) it exactly like the video.
   */
  function drawFaces(canvas, video, faces, color) {
    if (canvas.width !== video.videoWidth) canvas.width = video.videoWidth;
    if (canvas.height !== video.videoHeight) canvas.height = video.videoHeight;
    var ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.lineWidth = Math.max(3, canvas.width / 160);
    ctx.strokeStyle = color || "#35d07f";
    faces.forEach(function (f) {
      ctx.strokeRect(f.x, f.y, f.width, f.height);
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /** Ask the screen to stay on (kiosk); silently ignored where unsupported. */
  function keepScreenOn() {
    if (!navigator.wakeLock) return;
    var request = function () {
      navigator.wakeLock.request("screen").catch(function () {});
    };
    request();
    // The lock is dropped whenever the page is hidden; take it again on return.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") request();
    });
  }

  // Quality figures the server may report, in words: [too low, too high].
  var FIGURES = {
    face_size: ["the face is too small in the photo", "the face is too large in the photo"],
    face_width: ["the face is too small in the photo", "the face is too large in the photo"],
    brightness: ["the photo is too dark", "the photo is too bright"],
    contrast: ["the photo has too little contrast", "the photo has too much contrast"],
    sharpness: ["the photo is blurry", "the photo is over-sharpened"],
    blur: ["the photo is too smooth", "the photo is blurry"],
    detection_score: ["the face is not clearly visible", "the face score is too high"],
    face_score: ["the face is not clearly visible", "the face score is too high"],
    yaw: ["the head is turned too far", "the head is turned too far - look straight at the camera"],
    pitch: ["the head is tilted too far", "the head is tilted too far - look straight at the camera"],
    roll: ["the head is tilted too far", "the head is tilted sideways too far - keep it upright"],
    image_size: ["the photo resolution is too low", "the photo is too large"],
  };

  function num(value) {
    return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : String(value);
  }

  /** "the face is too small … (60, minimum 80)" for one failing figure. */
  function describeFigure(figure, spec) {
    var words = FIGURES[figure];
    var label = figure.replace(/_/g, " ");
    if (!spec || typeof spec !== "object") return label + " is not acceptable";
    var v = spec.value;
    var tooLow = spec.minimum !== undefined && (spec.maximum === undefined || v < spec.minimum);
    var bound = tooLow ? "minimum " + num(spec.minimum)
      : spec.maximum !== undefined ? "maximum " + num(spec.maximum) : "";
    var text = words ? words[tooLow ? 0 : 1] : label + " is too " + (tooLow ? "low" : "high");
    return text + " (" + num(v) + (bound ? ", " + bound : "") + ")";
  }

  function tooLarge(cameraOk) {
    return "The photo file is too large. Use a smaller photo" + (cameraOk ? " or take one with the camera." : ".");
  }

  /** An enrollment refusal ({code, message, details} from errorOf) in words for HR. */
  function describeEnrollError(status, error, cameraOk) {
    var d = error.details;
    switch (error.code) {
      case "face_already_enrolled":
        return "This face is already enrolled as " + (d.employee_name || "another employee") +
          " (" + (d.employee_id || "?") + ").";
      case "possible_duplicate":
        return "This face looks like " + (d.employee_name || "another employee") +
          " (" + (d.employee_id || "?") + "): enrollment cancelled.";
      case "photo_already_enrolled":
        return "This photo is already enrolled for this employee.";
      case "low_quality": {
        var failing = d.failing && typeof d.failing === "object" ? d.failing : {};
        var parts = Object.keys(failing).map(function (f) { return describeFigure(f, failing[f]); });
        return "The photo quality is too low: " + (parts.length ? parts.join("; ") : error.message || "see the server log") +
          ". Take a new photo.";
      }
      case "no_face_detected":
        return "No face was found in the photo. Use a photo where the face is clearly visible.";
      case "multiple_faces":
        return "More than one face is in the photo. Use a photo of the employee alone.";
      case "invalid_image":
        return "The file is not a readable image. Use a JPEG or PNG photo.";
      case "image_too_large":
        return tooLarge(cameraOk);
      case "validation_error":
        return "Please correct the highlighted fields.";
    }
    if (status === 413) return tooLarge(cameraOk);
    if (status >= 500) return "The server had a problem (" + status + "). Try again in a moment.";
    return error.message || "Enrollment failed (" + status + ").";
  }

  window.facegateCommon = {
    NetworkError: NetworkError,
    apiFetch: apiFetch,
    apiBlob: apiBlob,
    errorOf: errorOf,
    whoami: whoami,
    loadDetector: loadDetector,
    detectFaces: detectFaces,
    openCamera: openCamera,
    captureJpeg: captureJpeg,
    cropAroundFace: cropAroundFace,
    drawFaces: drawFaces,
    sleep: sleep,
    keepScreenOn: keepScreenOn,
    describeEnrollError: describeEnrollError,
  };
})();
