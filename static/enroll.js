/*
 * Enrollment page for HR: admin key → employee details + one photo (camera
 * capture or uploaded file) → POST /api/v1/employees/insert.
 * The camera is optional: if it fails, the file upload still works.
 */
(function () {
  "use strict";

  var C = window.facegateCommon;
  var KEY_STORAGE = "facegate.adminKey";
  var SCAN_INTERVAL_MS = 150;
  var ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

  function $(id) { return document.getElementById(id); }

  var el = {
    signedIn: $("signed-in"), signOut: $("sign-out"),
    keyPanel: $("key-panel"), keyForm: $("key-form"), keyInput: $("admin-key"),
    keySubmit: $("key-submit"), keyMessage: $("key-message"),
    form: $("enroll-form"), id: $("employee-id"), name: $("employee-name"),
    department: $("department"), email: $("email"),
    video: $("video"), overlay: $("overlay"), preview: $("preview"),
    cameraStatus: $("camera-status"), capture: $("capture"),
    usePhoto: $("use-photo"), retake: $("retake"), file: $("photo-file"),
    submit: $("submit"), outcome: $("outcome"),
  };

  // Read by tests.
  var stats = (window.facegate = { insertRequests: 0, detections: 0, facesInView: 0 });

  var key = null;

  /* ---------- admin key ---------- */

  function showKeyPanel(message) {
    key = null;
    el.form.hidden = true;
    el.signOut.hidden = true;
    el.signedIn.textContent = "";
    el.keyPanel.hidden = false;
    el.keyMessage.textContent = message || "";
    el.keyInput.focus();
  }

  /** 401/403 from the server: forget the key. Form contents are kept. */
  function rejectKey() {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyPanel("The admin key was rejected. Enter it again.");
  }

  /** Check a key with whoami; on success show the form, else explain why not. */
  async function tryKey(candidate) {
    el.keySubmit.disabled = true;
    el.keyMessage.textContent = "Checking the key…";
    try {
      var who = await C.whoami(candidate);
      if (who.status === 200 && who.role === "admin") {
        sessionStorage.setItem(KEY_STORAGE, candidate);
        key = candidate;
        el.keyPanel.hidden = true;
        el.keyInput.value = "";
        el.form.hidden = false;
        el.signOut.hidden = false;
        el.signedIn.textContent = "Signed in as " + who.name;
        startCamera();
      } else if (who.status === 200) {
        sessionStorage.removeItem(KEY_STORAGE);
        showKeyPanel("This key is not an admin key. Enrollment needs an admin key.");
      } else if (who.status === 401 || who.status === 403) {
        sessionStorage.removeItem(KEY_STORAGE);
        showKeyPanel("That key was not accepted. Check it and try again.");
      } else {
        showKeyPanel("The server could not check the key (" + who.status + "). Try again.");
        el.keyInput.value = candidate;
      }
    } catch (err) {
      showKeyPanel("Server unreachable, could not check the key. Try again.");
      el.keyInput.value = candidate;
    } finally {
      el.keySubmit.disabled = false;
    }
  }

  el.keyForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var candidate = el.keyInput.value.trim();
    if (candidate) tryKey(candidate);
  });

  el.signOut.addEventListener("click", function () {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyPanel("Signed out.");
  });

  /* ---------- photo: camera, review, file ---------- */

  // "live": camera picture, Capture allowed; "review": captured photo shown
  // with Use this photo / Retake; "chosen": the photo to send is `photo`.
  var photoMode = "live";
  var photo = null;        // Blob that will be sent
  var photoName = "photo.jpg";
  var pending = null;      // captured Blob awaiting "Use this photo"
  var previewUrl = null;
  var cameraOk = false;
  var cameraStarted = false;
  var lastFaces = [];

  function setPreview(blob) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = blob ? URL.createObjectURL(blob) : null;
    if (previewUrl) el.preview.src = previewUrl;
    else el.preview.removeAttribute("src");
    el.preview.hidden = !blob;
  }

  function setPhotoMode(mode) {
    photoMode = mode;
    el.capture.hidden = mode !== "live";
    el.usePhoto.hidden = mode !== "review";
    // From "chosen" the same button brings the camera back (if there is one).
    el.retake.hidden = mode === "live" || (mode === "chosen" && !cameraOk);
    el.retake.textContent = mode === "chosen" ? "Take a new photo" : "Retake";
    el.capture.disabled = !(cameraOk && lastFaces.length === 1);
    if (mode === "live") {
      setPreview(null);
      pending = null;
      photo = null;
      el.cameraStatus.textContent = cameraOk ? "Look at the camera" : el.cameraStatus.textContent;
    }
    if (mode !== "live") C.drawFaces(el.overlay, el.video, []);
  }

  async function startCamera() {
    if (cameraStarted) return;
    cameraStarted = true;
    el.cameraStatus.textContent = "Starting the camera…";
    try {
      C.loadDetector().catch(function () {}); // load while the camera starts
      await C.openCamera(el.video, { width: 1280, height: 720 });
      await C.loadDetector();
      cameraOk = true;
      if (photoMode === "live") el.cameraStatus.textContent = "Look at the camera";
      detectLoop();
    } catch (err) {
      // No camera (or no detector): the file upload below still works.
      cameraOk = false;
      el.capture.disabled = true;
      el.cameraStatus.textContent = (err.kind ? err.title + ". " + err.message : "The face detector could not be loaded.") +
        " You can upload a photo file instead.";
      el.video.closest(".camera").classList.add("camera-off");
      setPhotoMode(photoMode);
    }
  }

  async function detectLoop() {
    for (;;) {
      if (photoMode === "live" && !el.form.hidden && el.video.readyState >= 2) {
        try {
          lastFaces = await C.detectFaces(el.video);
        } catch (err) {
          console.error("face detection failed", err);
          lastFaces = [];
        }
        stats.detections++;
        stats.facesInView = lastFaces.length;
        if (photoMode === "live") {
          var one = lastFaces.length === 1;
          C.drawFaces(el.overlay, el.video, lastFaces, one ? "#35d07f" : "#ffb020");
          el.capture.disabled = !one;
          el.cameraStatus.textContent = one ? "One face in view - press Capture"
            : lastFaces.length > 1 ? "More than one face in view - only the employee should be in the picture"
            : "No face in view - look at the camera";
        }
      }
      await C.sleep(SCAN_INTERVAL_MS);
    }
  }

  el.capture.addEventListener("click", async function () {
    if (el.capture.disabled) return;
    // The full frame: the server checks face size and quality on it.
    pending = await C.captureJpeg(el.video, null, 0.92);
    setPreview(pending);
    setPhotoMode("review");
    el.cameraStatus.textContent = "Is this photo good? The face should be clear and well lit.";
  });

  el.usePhoto.addEventListener("click", function () {
    photo = pending;
    photoName = "capture.jpg";
    pending = null;
    setPhotoMode("chosen");
    $("photo-error").textContent = "";
    el.cameraStatus.textContent = "Photo ready.";
  });

  el.retake.addEventListener("click", function () {
    el.file.value = "";
    setPhotoMode("live");
  });

  el.file.addEventListener("change", function () {
    var file = el.file.files && el.file.files[0];
    if (!file) return;
    photo = file;
    photoName = file.name || "upload.jpg";
    pending = null;
    setPreview(file);
    setPhotoMode("chosen");
    $("photo-error").textContent = "";
    el.cameraStatus.textContent = "Using the uploaded file " + photoName + ".";
  });

  /* ---------- messages ---------- */

  // API field name → element showing its error.
  var FIELD_ERRORS = {
    employee_id: "employee-id-error", employee_name: "employee-name-error",
    department: "department-error", email: "email-error", image: "photo-error",
  };

  function clearErrors() {
    Object.keys(FIELD_ERRORS).forEach(function (field) {
      $(FIELD_ERRORS[field]).textContent = "";
    });
    [el.id, el.name, el.department, el.email].forEach(function (input) {
      input.removeAttribute("aria-invalid");
    });
  }

  /** Put each message next to its field; returns messages with no field. */
  function showFieldErrors(fields) {
    var leftover = [];
    Object.keys(fields).forEach(function (field) {
      var message = String(fields[field]);
      var target = FIELD_ERRORS[field] && $(FIELD_ERRORS[field]);
      if (target) {
        target.textContent = message;
        var input = $(FIELD_ERRORS[field].replace(/-error$/, ""));
        if (input && input.tagName === "INPUT") input.setAttribute("aria-invalid", "true");
      } else {
        leftover.push(field.replace(/_/g, " ") + ": " + message);
      }
    });
    return leftover;
  }

  function setOutcome(state, text) {
    el.outcome.setAttribute("data-state", state);
    el.outcome.textContent = text;
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

  function tooLarge() {
    return "The photo file is too large. Use a smaller photo" + (cameraOk ? " or take one with the camera." : ".");
  }

  function describeError(status, error) {
    var d = error.details;
    switch (error.code) {
      case "face_already_enrolled":
        return "This face is already enrolled as " + (d.employee_name || "another employee") +
          " (" + (d.employee_id || "?") + ").";
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
        return tooLarge();
      case "validation_error":
        return "Please correct the highlighted fields.";
    }
    if (status === 413) return tooLarge();
    if (status >= 500) return "The server had a problem (" + status + "). Try again in a moment.";
    return error.message || "Enrollment failed (" + status + ").";
  }

  /* ---------- submit ---------- */

  /** Checks done in the browser too, so mistakes show before any upload. */
  function validate() {
    var errors = {};
    var id = el.id.value.trim();
    var name = el.name.value.trim();
    if (!id) errors.employee_id = "Enter the employee ID.";
    else if (!ID_PATTERN.test(id)) errors.employee_id = "Use 1-64 letters, digits, dots, dashes or underscores (no spaces).";
    if (!name) errors.employee_name = "Enter the employee's name.";
    else if (name.length > 128) errors.employee_name = "The name can be at most 128 characters.";
    if (el.email.value.trim() && el.email.validity.typeMismatch) errors.email = "Enter a valid email address, or leave it empty.";
    if (!photo) {
      errors.image = photoMode === "review" ? "Press \u201cUse this photo\u201d or \u201cRetake\u201d first."
        : "Capture a photo with the camera or choose a photo file.";
    }
    return errors;
  }

  el.form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (el.submit.disabled) return;
    clearErrors();
    var errors = validate();
    if (Object.keys(errors).length) {
      showFieldErrors(errors);
      setOutcome("error", "Please correct the highlighted fields.");
      return;
    }

    var id = el.id.value.trim();
    var name = el.name.value.trim();
    var data = new FormData();
    data.append("image", photo, photoName);
    data.append("employee_id", id);
    data.append("employee_name", name);
    if (el.department.value.trim()) data.append("department", el.department.value.trim());
    if (el.email.value.trim()) data.append("email", el.email.value.trim());

    el.submit.disabled = true;
    setOutcome("idle", "Enrolling " + name + "…");
    var answer;
    try {
      stats.insertRequests++;
      answer = await C.apiFetch("/api/v1/employees/insert", key, { method: "POST", body: data });
    } catch (err) {
      setOutcome("error", "Server unreachable. Check the connection and try again.");
      return;
    } finally {
      el.submit.disabled = false;
    }

    if (answer.status === 201 || answer.status === 200) {
      var body = answer.body || {};
      setOutcome("success", "Enrolled " + name + " (" + (body.employee_id || id) + ")");
      // Ready for the next employee.
      el.form.reset();
      el.file.value = "";
      setPhotoMode("live");
      return;
    }
    if (answer.status === 401 || answer.status === 403) return rejectKey();

    var error = C.errorOf(answer);
    var leftover = error.details.fields && typeof error.details.fields === "object"
      ? showFieldErrors(error.details.fields) : [];
    var text = describeError(answer.status, error);
    if (leftover.length) text += " " + leftover.join(" ");
    setOutcome("error", text);
  });

  /* ---------- boot ---------- */

  var stored = sessionStorage.getItem(KEY_STORAGE);
  if (stored) tryKey(stored);
  else showKeyPanel("");
})();
