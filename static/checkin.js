/*
 * Check-in kiosk: watch the camera, and when one face has been in view
 * steadily, send one frame to POST /api/v1/employees/search and show the
 * answer in big type. See checkin.html for the elements used.
 */
(function () {
  "use strict";

  var C = window.facegateCommon;
  var KEY_STORAGE = "facegate.kioskKey";
  var SCAN_INTERVAL_MS = 150;   // pause between two detections
  var STEADY_DETECTIONS = 3;    // consecutive one-face detections before sending (~0.5 s)
  var NO_FACE_PAUSE_MS = 1000;  // server saw no face: short pause, no message
  var CAMERA_RETRY_MS = 10000;  // an unattended kiosk retries the camera by itself
  var MAX_BACKOFF_MS = 30000;

  var el = {
    body: document.body,
    video: document.getElementById("video"),
    overlay: document.getElementById("overlay"),
    result: document.getElementById("result"),
    icon: document.getElementById("result-icon"),
    name: document.getElementById("result-name"),
    message: document.getElementById("result-message"),
    detail: document.getElementById("result-detail"),
    setup: document.getElementById("setup"),
    keyInput: document.getElementById("kiosk-key"),
    saveKey: document.getElementById("save-key"),
    clock: document.getElementById("clock"),
    kioskName: document.getElementById("kiosk-name"),
  };

  // Read by tests: how many search requests were sent, and how many
  // detections ran (to know the detector is really looking).
  // challenges: head-turn challenges answered; lastChallengeMs: from the prompt on screen
  // to the answer shown.
  var stats = (window.facegate = {
    searchRequests: 0, detections: 0, backend: "", liveness: "off",
    challenges: 0, lastChallengeMs: null, lastChallenge: null,
  });

  var key = null;
  var mode = "scanning";   // mirrors #result[data-state]
  var runId = 0;           // bumped to stop an old run after the key changes
  var stream = null;

  var cooldownMs = (function () {
    var fromUrl = new URLSearchParams(location.search).get("cooldown");
    var fromBody = el.body.getAttribute("data-cooldown-ms");
    var value = Number(fromUrl !== null && fromUrl !== "" ? fromUrl : fromBody);
    return isFinite(value) && value >= 0 ? value : 3000;
  })();

  /* ---------- display ---------- */

  var ICONS = { matched: "✓", unknown: "?", error: "!", "camera-error": "!", setup: "", scanning: "", challenge: "" };
  // The head-turn challenge (a kiosk key set to liveness=challenge on /admin): frames
  // captured from the prompt on, spaced so that a person has time to turn.
  var CHALLENGE_FRAME_GAP_MS = 300;

  function show(state, message, opts) {
    opts = opts || {};
    mode = state;
    el.result.setAttribute("data-state", state);
    el.body.setAttribute("data-state", state); // lets CSS tint the whole screen
    el.icon.textContent = ICONS[state] || "";
    el.name.textContent = opts.name || "";
    el.message.textContent = message;
    el.detail.textContent = opts.detail || "";
    el.setup.hidden = state !== "setup";
    if (state !== "scanning") C.drawFaces(el.overlay, el.video, []);
  }

  /** Scanning hint, changed without touching the rest of the panel. */
  function hint(message) {
    if (mode === "scanning" && el.message.textContent !== message) el.message.textContent = message;
  }

  function formatTime(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) date = new Date();
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function tickClock() {
    el.clock.textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  /* ---------- key handling ---------- */

  function showSetup(message) {
    runId++; // stops the scan loop of the previous key
    key = null;
    el.kioskName.textContent = "";
    show("setup", message);
    el.keyInput.value = "";
    el.keyInput.focus();
  }

  /** The server said 401/403: forget the key and ask for a new one. */
  function rejectKey() {
    localStorage.removeItem(KEY_STORAGE);
    showSetup("The kiosk key was rejected. Enter a valid kiosk API key.");
  }

  el.setup.addEventListener("submit", async function (event) {
    event.preventDefault();
    var candidate = el.keyInput.value.trim();
    if (!candidate) return;
    el.saveKey.disabled = true;
    el.detail.textContent = "Checking the key…";
    try {
      var who = await C.whoami(candidate);
      if (who.status === 200) {
        localStorage.setItem(KEY_STORAGE, candidate);
        start(candidate);
      } else if (who.status === 401 || who.status === 403) {
        el.detail.textContent = "That key was not accepted. Check it and try again.";
      } else {
        el.detail.textContent = "The server could not check the key (" + who.status + "). Try again.";
      }
    } catch (err) {
      el.detail.textContent = "Server unreachable, could not check the key. Try again.";
    } finally {
      el.saveKey.disabled = false;
    }
  });

  /* ---------- server health ---------- */

  function backoffMs(failures) {
    return Math.min(1000 * Math.pow(2, failures - 1), MAX_BACKOFF_MS);
  }

  /** "ok", "rejected" or "down" (network error, 5xx or anything odd). */
  async function probe() {
    try {
      var who = await C.whoami(key);
      if (who.status === 200) {
        el.kioskName.textContent = who.name;
        stats.liveness = who.liveness;
        return "ok";
      }
      if (who.status === 401 || who.status === 403) return "rejected";
    } catch (err) { /* NetworkError: server down */ }
    return "down";
  }

  /**
   * Show "Server unreachable" and probe whoami with exponential backoff
   * (1 s, 2 s, 4 s … 30 s) until it answers. True once it does; false if
   * the key was rejected meanwhile or the run was stopped.
   */
  async function waitForServer(failures, message, myRun) {
    for (var n = failures; ; n++) {
      var until = Date.now() + backoffMs(n);
      while (Date.now() < until) {
        if (myRun !== runId) return false;
        show("error", message || "Server unreachable, retrying…", {
          detail: "Next try in " + Math.ceil((until - Date.now()) / 1000) + " s",
        });
        await C.sleep(Math.min(1000, until - Date.now()));
      }
      if (myRun !== runId) return false;
      var status = await probe();
      if (status === "ok") return true;
      if (status === "rejected") {
        rejectKey();
        return false;
      }
    }
  }

  /* ---------- camera + detector ---------- */

  async function ensureCamera(myRun) {
    while (myRun === runId) {
      if (stream && stream.active) return true;
      try {
        stream = await C.openCamera(el.video, { width: 640, height: 480 });
        el.body.classList.remove("no-video");
        return true;
      } catch (err) {
        el.body.classList.add("no-video");
        show("camera-error", err.title || "Camera error", { detail: err.message + " Trying again every few seconds." });
        await C.sleep(CAMERA_RETRY_MS);
      }
    }
    return false;
  }

  async function ensureDetector(myRun) {
    for (var n = 1; myRun === runId; n++) {
      try {
        stats.backend = await C.loadDetector();
        return true;
      } catch (err) {
        console.error("face detector failed to load", err);
        if (!(await waitForServer(n, "Face detector could not be loaded, retrying…", myRun))) return false;
      }
    }
    return false;
  }

  /* ---------- the scan loop ---------- */

  function startScanning() {
    show("scanning", "Look at the camera");
  }

  async function start(newKey) {
    var myRun = ++runId;
    key = newKey;
    show("scanning", "Starting…", { detail: "Connecting to the server" });

    var status = await probe();
    if (myRun !== runId) return; // a newer key was entered meanwhile
    if (status === "rejected") return rejectKey();
    if (status === "down" && !(await waitForServer(1, null, myRun))) return;

    show("scanning", "Starting…", { detail: "Opening the camera" });
    // Load the model while the camera starts; both are needed before scanning.
    C.loadDetector().catch(function () { /* reported by ensureDetector */ });
    if (!(await ensureCamera(myRun))) return;
    if (!(await ensureDetector(myRun))) return;

    startScanning();
    var steady = 0;
    var searchFailures = 0;
    while (myRun === runId) {
      if (stream && !stream.active) {
        // Camera unplugged or taken away: get it back first.
        if (!(await ensureCamera(myRun))) return;
        startScanning();
      }
      if (mode === "scanning" && el.video.readyState >= 2) {
        var faces;
        try {
          faces = await C.detectFaces(el.video);
        } catch (err) {
          // e.g. a lost WebGL context; log it and try again on the next tick.
          console.error("face detection failed", err);
          await C.sleep(SCAN_INTERVAL_MS * 10);
          continue;
        }
        stats.detections++;
        if (myRun !== runId || mode !== "scanning") continue;
        C.drawFaces(el.overlay, el.video, faces, faces.length === 1 ? "#35d07f" : "#ffb020");
        steady = faces.length === 1 ? steady + 1 : 0;
        hint(faces.length === 0 ? "Look at the camera"
          : faces.length > 1 ? "One person at a time, please" : "Hold still…");

        if (steady >= STEADY_DETECTIONS) {
          steady = 0;
          // Awaiting here keeps exactly one request in flight and no
          // detection running meanwhile.
          var outcome = stats.liveness === "challenge" ? await challenged() : await search(faces[0]);
          if (myRun !== runId) return;
          if (outcome === "rejected") return rejectKey();
          hint("Look at the camera");
          if (outcome === "down") {
            searchFailures++;
            if (!(await waitForServer(searchFailures, null, myRun))) return;
          } else {
            searchFailures = 0;
            await C.sleep(outcome === "quiet" ? NO_FACE_PAUSE_MS : cooldownMs);
          }
          if (myRun !== runId) return;
          startScanning();
          continue;
        }
      }
      await C.sleep(SCAN_INTERVAL_MS);
    }
  }

  /**
   * Send the current frame to the server and show the answer.
   * Returns "shown" (result on screen: cool down), "quiet" (server found no
   * face: resume soon), "down" (retry with backoff) or "rejected" (bad key).
   */
  async function search(face) {
    hint("Checking…");
    var video = el.video;
    var region = C.cropAroundFace(face, video.videoWidth, video.videoHeight, 320);
    var form = new FormData();
    form.append("image", await C.captureJpeg(video, region, 0.9), "frame.jpg");

    var answer;
    try {
      stats.searchRequests++;
      answer = await C.apiFetch("/api/v1/employees/search", key, { method: "POST", body: form });
    } catch (err) {
      return "down";
    }

    return showAnswer(answer);
  }

  /**
   * The head-turn challenge: ask the server which way, show the prompt, capture a short
   * run of whole frames, send them with the token. Same outcomes as search().
   */
  async function challenged() {
    hint("Checking…");
    var given;
    try {
      given = await C.apiFetch("/api/v1/liveness/challenge", key, { method: "POST" });
    } catch (err) {
      return "down";
    }
    if (given.status === 401 || given.status === 403) return "rejected";
    if (given.status !== 201) return "down";
    var challenge = given.body;
    if (challenge.required === false) stats.liveness = "off"; // set back on /admin: after this one
    var prompted = performance.now();
    // The video is shown mirrored, so the person's own left is the screen's left.
    show("challenge", challenge.prompt, {
      name: challenge.direction === "left" ? "←" : "→",
      detail: "Keep your face in view",
    });
    el.result.setAttribute("data-direction", challenge.direction);
    var count = Math.min(Math.max(6, challenge.frames_min), challenge.frames_max);
    var form = new FormData();
    form.append("challenge", challenge.token);
    for (var i = 0; i < count; i++) {
      if (i > 0) await C.sleep(CHALLENGE_FRAME_GAP_MS);
      form.append("frames", await C.captureJpeg(el.video, null, 0.85), "frame-" + i + ".jpg");
    }
    el.message.textContent = "Checking…";
    var answer;
    try {
      stats.searchRequests++;
      answer = await C.apiFetch("/api/v1/liveness/checkin", key, { method: "POST", body: form });
    } catch (err) {
      return "down";
    }
    el.result.removeAttribute("data-direction");
    stats.challenges++;
    var refused = C.errorOf(answer);
    stats.lastChallenge = {
      direction: challenge.direction, status: answer.status, code: refused.code || "",
      reason: refused.details.reason || "",
    };
    var outcome = showAnswer(answer);
    stats.lastChallengeMs = Math.round(performance.now() - prompted);
    return outcome;
  }

  /** Show the server's answer to a check-in; see search() for the outcomes. */
  function showAnswer(answer) {
    var body = answer.body || {};
    if (answer.status === 401 || answer.status === 403) return "rejected";
    if (answer.status >= 500 || answer.status === 429) return "down";

    if (answer.status === 200 && body.matched === true) {
      // A repeat within the server's window wrote nothing: say when it was.
      var said = body.repeat === true ? "Already checked in at " : "Checked in at ";
      show("matched", said + formatTime(body.checked_in_at), {
        name: body.employee_name || body.employee_id || "",
      });
      return "shown";
    }
    if (answer.status === 200 && body.reason === "no_face_detected") return "quiet";
    if (answer.status === 200) {
      show("unknown", "Not recognised - please see reception");
      return "shown";
    }
    var error = C.errorOf(answer);
    if (error.code === "no_face_detected") return "quiet";
    if (error.code === "challenge_required") {
      // The key was set to the head-turn challenge since the kiosk started.
      stats.liveness = "challenge";
      return "quiet";
    }
    if (error.code === "liveness_failed") {
      show("error", "Not verified - please try again", { detail: livenessHelp(error.details || {}) });
      return "shown";
    }
    if (error.code === "challenge_expired" || error.code === "challenge_used" || error.code === "challenge_invalid") {
      show("error", "Took too long - please try again", { detail: "Look at the camera, then turn your head when asked." });
      return "shown";
    }
    // Other refusals (bad image etc.): tell the person, then carry on.
    show("error", "Could not check in - please see reception", {
      detail: error.message || "Server answered " + answer.status,
    });
    return "shown";
  }

  /** What to do after a refused head turn, in words for the person at the kiosk. */
  function livenessHelp(details) {
    var which = details.direction ? "to your " + details.direction : "when asked";
    switch (details.reason) {
      case "wrong_way": return "Your head turned the other way. Turn it " + which + ".";
      case "no_turn": return "No head turn was seen. Look at the camera, then turn your head " + which + ".";
      case "same_frame": return "The camera showed the same picture. Stand in front of it yourself.";
      case "not_frontal": return "Look straight at the camera first, then turn your head " + which + ".";
      case "not_one_person": case "one_face": return "One person at a time, please.";
      default: return "Look at the camera, then turn your head " + which + ".";
    }
  }

  /* ---------- boot ---------- */

  tickClock();
  setInterval(tickClock, 10000);
  C.keepScreenOn();

  // /checkin?setup forgets the stored key (to change kiosks' keys).
  // The parameter is then dropped from the address so a later reload keeps the new key.
  var params = new URLSearchParams(location.search);
  if (params.has("setup")) {
    localStorage.removeItem(KEY_STORAGE);
    params.delete("setup");
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  // /checkin#key=... (the QR code HR's page shows for a new kiosk key): keep the key on
  // this device and drop it from the address. A fragment is never sent to the server.
  var fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (fragment.get("key")) {
    localStorage.setItem(KEY_STORAGE, fragment.get("key"));
    history.replaceState(null, "", location.pathname + location.search);
  }

  var stored = localStorage.getItem(KEY_STORAGE);
  if (stored) start(stored);
  else showSetup("Enter the kiosk API key to start.");
})();
