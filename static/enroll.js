/*
 * Enrollment page for HR: admin key → employee details + up to three photos
 * (camera captures, the head turned a little between them, or uploaded files)
 * → one POST /api/v1/employees/insert per photo. A look-alike of someone else
 * (409 possible_duplicate) is shown beside that person's photo for HR to decide.
 * The camera is optional: if it fails, the file upload still works.
 */
(function () {
  "use strict";

  var C = window.facegateCommon;
  var KEY_STORAGE = "facegate.adminKey";
  var SCAN_INTERVAL_MS = 150;
  var MAX_SHOTS = 3;
  var SHOT_HINTS = [
    "Photo 1 of 3: look straight at the camera.",
    "Photo 2 of 3: turn the head a little to the left.",
    "Photo 3 of 3: turn the head a little to the right.",
  ];
  var ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

  function $(id) { return document.getElementById(id); }

  var el = {
    signedIn: $("signed-in"), signOut: $("sign-out"),
    keyPanel: $("key-panel"), keyForm: $("key-form"), keyInput: $("admin-key"),
    keySubmit: $("key-submit"), keyMessage: $("key-message"),
    form: $("enroll-form"), id: $("employee-id"), name: $("employee-name"),
    department: $("department"), email: $("email"),
    video: $("video"), overlay: $("overlay"), shotHint: $("shot-hint"), shots: $("shots"),
    cameraStatus: $("camera-status"), capture: $("capture"), file: $("photo-file"),
    submit: $("submit"), outcome: $("outcome"),
    compare: $("compare"), compareText: $("compare-text"), compareNew: $("compare-new"),
    compareEnrolled: $("compare-enrolled"), compareCaption: $("compare-caption"),
    confirmDistinct: $("confirm-distinct"), cancelDistinct: $("cancel-distinct"),
  };

  // Read by tests.
  var stats = (window.facegate = { insertRequests: 0, detections: 0, facesInView: 0, shots: 0 });

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

  /* ---------- photos: camera captures and files, up to three ---------- */

  var shots = [];          // [{blob, name, url}] in the order they will be sent
  var cameraOk = false;
  var cameraStarted = false;
  var lastFaces = [];

  function renderShots() {
    el.shots.textContent = "";
    shots.forEach(function (shot, index) {
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.src = shot.url;
      image.alt = "Photo " + (index + 1);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove photo " + (index + 1));
      remove.addEventListener("click", function () { removeShot(index); });
      item.appendChild(image);
      item.appendChild(remove);
      el.shots.appendChild(item);
    });
    stats.shots = shots.length;
    var full = shots.length >= MAX_SHOTS;
    el.shotHint.textContent = full ? "Three photos taken. Remove one to take it again."
      : SHOT_HINTS[shots.length];
    el.capture.textContent = full ? "Three photos taken" : "Capture photo " + (shots.length + 1);
    el.capture.disabled = full || !(cameraOk && lastFaces.length === 1);
    if (shots.length) $("photo-error").textContent = "";
  }

  function addShot(blob, name) {
    if (shots.length >= MAX_SHOTS) return false;
    shots.push({ blob: blob, name: name, url: URL.createObjectURL(blob) });
    renderShots();
    return true;
  }

  function removeShot(index) {
    URL.revokeObjectURL(shots[index].url);
    shots.splice(index, 1);
    renderShots();
  }

  function clearShots() {
    shots.forEach(function (shot) { URL.revokeObjectURL(shot.url); });
    shots = [];
    el.file.value = "";
    renderShots();
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
      el.cameraStatus.textContent = "Look at the camera";
      detectLoop();
    } catch (err) {
      // No camera (or no detector): the file upload below still works.
      cameraOk = false;
      el.capture.disabled = true;
      el.cameraStatus.textContent = (err.kind ? err.title + ". " + err.message : "The face detector could not be loaded.") +
        " You can upload photo files instead.";
      el.video.closest(".camera").classList.add("camera-off");
      renderShots();
    }
  }

  async function detectLoop() {
    for (;;) {
      if (!el.form.hidden && el.video.readyState >= 2 && shots.length < MAX_SHOTS) {
        try {
          lastFaces = await C.detectFaces(el.video);
        } catch (err) {
          console.error("face detection failed", err);
          lastFaces = [];
        }
        stats.detections++;
        stats.facesInView = lastFaces.length;
        var one = lastFaces.length === 1;
        C.drawFaces(el.overlay, el.video, lastFaces, one ? "#35d07f" : "#ffb020");
        el.capture.disabled = !one;
        el.cameraStatus.textContent = one ? "One face in view - press Capture"
          : lastFaces.length > 1 ? "More than one face in view - only the employee should be in the picture"
          : "No face in view - look at the camera";
      } else if (shots.length >= MAX_SHOTS) {
        C.drawFaces(el.overlay, el.video, []);
      }
      await C.sleep(SCAN_INTERVAL_MS);
    }
  }

  el.capture.addEventListener("click", async function () {
    if (el.capture.disabled) return;
    // The full frame: the server checks face size and quality on it.
    addShot(await C.captureJpeg(el.video, null, 0.92), "capture-" + (shots.length + 1) + ".jpg");
  });

  el.file.addEventListener("change", function () {
    var files = Array.prototype.slice.call(el.file.files || []);
    var skipped = 0;
    files.forEach(function (file) {
      if (!addShot(file, file.name || "upload.jpg")) skipped++;
    });
    el.file.value = "";
    $("photo-error").textContent = skipped
      ? skipped + " file(s) not added: at most " + MAX_SHOTS + " photos per enrollment." : "";
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

  /** The enrollment refusal in words (shared with the admin page's "Add a photo"). */
  function describeError(status, error) {
    return C.describeEnrollError(status, error, cameraOk);
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
    if (!shots.length) errors.image = "Capture a photo with the camera or choose photo files.";
    return errors;
  }

  /** POST one photo; the answer, or null when the server could not be reached. */
  async function sendPhoto(shot, id, name, confirmDistinct) {
    var data = new FormData();
    data.append("image", shot.blob, shot.name);
    data.append("employee_id", id);
    data.append("employee_name", name);
    if (el.department.value.trim()) data.append("department", el.department.value.trim());
    if (el.email.value.trim()) data.append("email", el.email.value.trim());
    if (confirmDistinct) data.append("confirm_distinct", "true");
    stats.insertRequests++;
    try {
      return await C.apiFetch("/api/v1/employees/insert", key, { method: "POST", body: data });
    } catch (err) {
      return null;
    }
  }

  /** An enrolled photo through the backend (admin key), as an object URL. */
  async function enrolledPhotoUrl(employeeId, faceId) {
    var answer = await fetch("/api/v1/employees/" + encodeURIComponent(employeeId) +
      "/faces/" + encodeURIComponent(faceId) + "/photo",
      { headers: { "X-API-Key": key }, cache: "no-store", credentials: "same-origin" });
    if (!answer.ok) throw new Error("photo " + answer.status);
    return URL.createObjectURL(await answer.blob());
  }

  /** Show the photo beside its look-alike; resolves true when HR says they differ. */
  function askHr(shot, details) {
    var who = (details.employee_name || "another employee") + " (" + (details.employee_id || "?") + ")";
    el.compareText.textContent = "This photo looks like " + who + ", who is already enrolled. " +
      "Only enroll it if they are two different people.";
    el.compareCaption.textContent = "Enrolled as " + who;
    el.compareNew.src = shot.url;
    el.compareEnrolled.removeAttribute("src");
    enrolledPhotoUrl(details.employee_id, details.face_id).then(function (url) {
      el.compareEnrolled.src = url;
    }).catch(function () {
      el.compareCaption.textContent = "Enrolled as " + who + " (photo not available)";
    });
    el.compare.hidden = false;
    setOutcome("confirm", "Waiting for your decision: same person or not?");
    el.confirmDistinct.focus();
    return new Promise(function (resolve) {
      function decide(answer) {
        el.confirmDistinct.removeEventListener("click", yes);
        el.cancelDistinct.removeEventListener("click", no);
        el.compare.hidden = true;
        if (el.compareEnrolled.src) URL.revokeObjectURL(el.compareEnrolled.src);
        resolve(answer);
      }
      function yes() { decide(true); }
      function no() { decide(false); }
      el.confirmDistinct.addEventListener("click", yes);
      el.cancelDistinct.addEventListener("click", no);
    });
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
    var enrolled = 0;
    var problems = [];
    el.submit.disabled = true;
    try {
      for (var i = 0; i < shots.length; i++) {
        var shot = shots[i];
        setOutcome("idle", "Enrolling " + name + ": photo " + (i + 1) + " of " + shots.length + "…");
        var answer = await sendPhoto(shot, id, name, false);
        if (answer && answer.status === 409 && C.errorOf(answer).code === "possible_duplicate") {
          var differ = await askHr(shot, C.errorOf(answer).details);
          if (!differ) {
            problems.push("photo " + (i + 1) + ": " + describeError(409, C.errorOf(answer)));
            if (enrolled === 0) break; // the first photo decides whether this person is new
            continue;
          }
          setOutcome("idle", "Enrolling " + name + " as a different person…");
          answer = await sendPhoto(shot, id, name, true);
        }
        if (!answer) {
          problems.push("photo " + (i + 1) + ": server unreachable");
          break;
        }
        if (answer.status === 201 || answer.status === 200) {
          enrolled++;
          continue;
        }
        if (answer.status === 401 || answer.status === 403) return rejectKey();
        var error = C.errorOf(answer);
        var leftover = error.details.fields && typeof error.details.fields === "object"
          ? showFieldErrors(error.details.fields) : [];
        var text = describeError(answer.status, error);
        if (leftover.length) text += " " + leftover.join(" ");
        if (enrolled === 0 && (error.code === "validation_error" || error.code === "face_already_enrolled")) {
          problems.push(text);
          break; // nothing else can succeed for this person
        }
        problems.push((shots.length > 1 ? "photo " + (i + 1) + ": " : "") + text);
      }
    } finally {
      el.submit.disabled = false;
    }

    if (enrolled === 0) {
      setOutcome("error", problems.join(" ") || "Nothing was enrolled.");
      return;
    }
    var text = "Enrolled " + name + " (" + id + ")" +
      (shots.length > 1 ? " with " + enrolled + " of " + shots.length + " photos" : "");
    if (problems.length) text += ". Not enrolled: " + problems.join(" ");
    setOutcome("success", text);
    // Ready for the next employee.
    el.form.reset();
    clearShots();
  });

  /* ---------- boot ---------- */

  renderShots();
  var stored = sessionStorage.getItem(KEY_STORAGE);
  if (stored) tryKey(stored);
  else showKeyPanel("");
})();
