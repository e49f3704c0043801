/*
 * HR's page: people (list, one person's photos and details, add or remove a
 * photo, erase), a day's attendance with "not recognised" per hour, kiosk and
 * admin keys, webhooks and the CSV export. Everything goes through the API
 * with the admin key kept in this tab's sessionStorage (as on /enroll).
 * Text from the server is only ever put in the page with textContent.
 */
(function () {
  "use strict";

  var C = window.facegateCommon;
  var KEY_STORAGE = "facegate.adminKey";
  var PAGE_SIZE = 20;
  var SVG = "http://www.w3.org/2000/svg";

  function $(id) { return document.getElementById(id); }

  // Read by tests.
  var stats = (window.facegate = { view: "", loaded: {} });

  var key = null;
  var signedInAs = "";

  /* ---------- small helpers ---------- */

  /** An element with text and attributes: el("td", {class: "num"}, "3"). */
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function row(cells) {
    var tr = el("tr");
    cells.forEach(function (cell) {
      if (cell instanceof Node) {
        var td = el("td");
        td.appendChild(cell);
        tr.appendChild(td);
      } else {
        tr.appendChild(el("td", {}, cell === null || cell === undefined ? "–" : cell));
      }
    });
    return tr;
  }

  function fill(tbody, rows) {
    tbody.replaceChildren.apply(tbody, rows);
  }

  function when(iso, withDate) {
    if (!iso) return "never";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    var time = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (!withDate) return time;
    var today = new Date().toDateString() === date.toDateString();
    return today ? "today " + time : date.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" }) + " " + time;
  }

  /** The day of a Date as YYYY-MM-DD in the browser's zone. */
  function isoDay(date) {
    var local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function notice(text, state) {
    var box = $("notice");
    box.textContent = text || "";
    box.setAttribute("data-state", state || "info");
    box.hidden = !text;
  }

  /** An API call; 401/403 sends the user back to the key panel. Resolves to the answer. */
  async function api(path, options) {
    var answer;
    try {
      answer = await C.apiFetch(path, key, options);
    } catch (err) {
      notice("Server unreachable. Check the connection and try again.", "error");
      throw err;
    }
    if (answer.status === 401) {
      rejectKey();
      throw new Error("key rejected");
    }
    return answer;
  }

  function failure(answer, what) {
    var error = C.errorOf(answer);
    return (what ? what + ": " : "") + (error.message || "the server answered " + answer.status);
  }

  /* ---------- admin key ---------- */

  function showKeyPanel(message) {
    key = null;
    $("app").hidden = true;
    $("tabs").hidden = true;
    $("sign-out").hidden = true;
    $("signed-in").textContent = "";
    $("key-panel").hidden = false;
    $("key-message").textContent = message || "";
    $("admin-key").focus();
  }

  function rejectKey() {
    sessionStorage.removeItem(KEY_STORAGE);
    showKeyPanel("The admin key was rejected. Enter it again.");
  }

  async function tryKey(candidate) {
    $("key-submit").disabled = true;
    $("key-message").textContent = "Checking the key…";
    try {
      var who = await C.whoami(candidate);
      if (who.status === 200 && who.role === "admin") {
        sessionStorage.setItem(KEY_STORAGE, candidate);
        key = candidate;
        $("key-panel").hidden = true;
        $("admin-key").value = "";
        $("app").hidden = false;
        $("tabs").hidden = false;
        $("sign-out").hidden = false;
        signedInAs = who.name;
        $("signed-in").textContent = "Signed in as " + who.name;
        show(location.hash.replace("#", "") || "people");
      } else if (who.status === 200) {
        sessionStorage.removeItem(KEY_STORAGE);
        showKeyPanel("This is a " + who.role + " key. This page needs an admin key.");
      } else if (who.status === 401 || who.status === 403) {
        sessionStorage.removeItem(KEY_STORAGE);
        showKeyPanel("That key was not accepted. Check it and try again.");
      } else {
        showKeyPanel("The server could not check the key (" + who.status + "). Try again.");
      }
    } catch (err) {
      showKeyPanel("Server unreachable, could not check the key. Try again.");
    } finally {
      $("key-submit").disabled = false;
    }
  }

  $("key-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var candidate = $("admin-key").value.trim();
    if (candidate) tryKey(candidate);
  });

  $("sign-out").addEventListener("click", function () {
    sessionStorage.removeItem(KEY_STORAGE);
    stopCamera();
    showKeyPanel("Signed out.");
  });

  /* ---------- views ---------- */

  var LOADERS = {
    people: function () { return personId ? openPerson(personId) : loadPeople(); },
    today: loadToday,
    kiosks: loadKeys,
    webhooks: loadHooks,
    export: prepareExport,
  };

  function show(view) {
    if (!LOADERS[view]) view = "people";
    stats.view = view;
    notice("");
    document.querySelectorAll(".view").forEach(function (section) {
      section.hidden = section.getAttribute("data-view") !== view;
    });
    document.querySelectorAll("#tabs .tab").forEach(function (tab) {
      if (tab.getAttribute("data-view") === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    if (view !== "people") stopCamera();
    if (location.hash !== "#" + view) history.replaceState(null, "", "#" + view);
    return Promise.resolve(LOADERS[view]()).then(function () {
      stats.loaded[view] = (stats.loaded[view] || 0) + 1;
    }).catch(function (err) { console.error(err); });
  }

  document.querySelectorAll("#tabs .tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      if (tab.getAttribute("data-view") === "people") personId = null;
      show(tab.getAttribute("data-view"));
    });
  });

  /* ---------- people ---------- */

  var peopleOffset = 0;
  var peopleTotal = 0;
  var personId = null;
  var searchTimer = null;

  async function loadPeople() {
    $("person").hidden = true;
    $("people-list").hidden = false;
    var query = $("people-search").value.trim();
    var answer = await api("/api/v1/employees?limit=" + PAGE_SIZE + "&offset=" + peopleOffset +
      "&q=" + encodeURIComponent(query));
    if (!answer.ok) return notice(failure(answer, "Could not list people"), "error");
    var page = answer.body;
    peopleTotal = page.total;
    fill($("people-table").tBodies[0], page.items.map(function (p) {
      var open = el("button", { type: "button", class: "link", "data-employee": p.employee_id }, p.name);
      open.addEventListener("click", function () { openPerson(p.employee_id); });
      var tr = row([open, p.employee_id, p.department, p.faces, when(p.last_checkin, true)]);
      tr.children[3].className = "num";
      return tr;
    }));
    $("people-empty").hidden = page.items.length > 0;
    var last = Math.min(peopleOffset + page.items.length, peopleTotal);
    $("people-range").textContent = peopleTotal ? (peopleOffset + 1) + "–" + last + " of " + peopleTotal : "";
    $("people-prev").disabled = peopleOffset === 0;
    $("people-next").disabled = last >= peopleTotal;
  }

  $("people-search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { peopleOffset = 0; loadPeople(); }, 250);
  });
  $("people-prev").addEventListener("click", function () {
    peopleOffset = Math.max(0, peopleOffset - PAGE_SIZE);
    loadPeople();
  });
  $("people-next").addEventListener("click", function () {
    peopleOffset += PAGE_SIZE;
    loadPeople();
  });
  $("person-back").addEventListener("click", function () {
    personId = null;
    stopCamera();
    loadPeople().then(function () { $("people-search").focus(); });
  });

  var person = null;
  var photoUrls = [];

  async function openPerson(employeeId) {
    if (employeeId !== personId || !person || person.employee_id !== employeeId) {
      setMessage($("add-outcome"), "idle", "");
    }
    personId = employeeId;
    var answer = await api("/api/v1/employees/" + encodeURIComponent(employeeId));
    if (answer.status === 404) {
      personId = null;
      notice("That person is no longer enrolled.", "error");
      return loadPeople();
    }
    if (!answer.ok) return notice(failure(answer, "Could not open the person"), "error");
    person = answer.body;
    $("people-list").hidden = true;
    $("person").hidden = false;
    $("person-title").textContent = person.name;
    $("person-id").value = person.employee_id;
    $("person-name").value = person.name;
    $("person-department").value = person.department || "";
    $("person-email").value = person.email || "";
    setMessage($("person-message"), "idle", "");
    await renderFaces(person.faces);
    stats.loaded.person = (stats.loaded.person || 0) + 1;
  }

  async function renderFaces(faces) {
    photoUrls.forEach(URL.revokeObjectURL);
    photoUrls = [];
    var list = $("faces");
    list.replaceChildren();
    if (!faces.length) list.appendChild(el("li", { class: "empty" }, "No photo: this person cannot check in."));
    faces.forEach(function (face, index) {
      var item = el("li", { class: "face", "data-face": face.face_id });
      var img = el("img", { alt: "Enrolled photo " + (index + 1) + " of " + person.name });
      item.appendChild(img);
      var q = face.quality || {};
      var facts = el("dl", { class: "quality" });
      [["Face", q.face_size !== undefined ? q.face_size + " px" : null],
        ["Sharpness", q.sharpness !== undefined ? Math.round(q.sharpness) : null],
        ["Brightness", q.brightness !== undefined ? Math.round(q.brightness) : null],
        ["Added", face.created_at ? new Date(face.created_at).toLocaleDateString() : null]].forEach(function (pair) {
        if (pair[1] === null) return;
        facts.appendChild(el("dt", {}, pair[0]));
        facts.appendChild(el("dd", {}, pair[1]));
      });
      item.appendChild(facts);
      var remove = el("button", { type: "button", class: "secondary small" }, "Remove");
      remove.setAttribute("aria-label", "Remove photo " + (index + 1));
      remove.addEventListener("click", function () { removeFace(face.face_id, faces.length); });
      item.appendChild(remove);
      list.appendChild(item);
      // The photo comes through the backend with the key, never from the store directly.
      C.apiBlob(face.photo_path, key).then(function (got) {
        if (!got.ok) { img.alt = "Photo unavailable (" + got.status + ")"; return; }
        var url = URL.createObjectURL(got.blob);
        photoUrls.push(url);
        img.src = url;
      }).catch(function () { img.alt = "Photo unavailable"; });
    });
  }

  async function removeFace(faceId, count) {
    var warning = count === 1 ? " It is the only photo: this person will no longer be recognised." : "";
    if (!window.confirm("Remove this photo and its face vector?" + warning)) return;
    var answer = await api("/api/v1/employees/" + encodeURIComponent(personId) + "/faces/" + encodeURIComponent(faceId), { method: "DELETE" });
    if (answer.status !== 204) return notice(failure(answer, "Could not remove the photo"), "error");
    notice("Photo removed.", "success");
    await openPerson(personId);
  }

  function setMessage(node, state, text) {
    node.setAttribute("data-state", state);
    node.textContent = text;
  }

  $("person-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var changes = {
      name: $("person-name").value.trim(),
      department: $("person-department").value.trim() || null,
      email: $("person-email").value.trim() || null,
    };
    if (!changes.name) return setMessage($("person-message"), "error", "Enter the name.");
    var answer = await api("/api/v1/employees/" + encodeURIComponent(personId), { method: "PATCH", json: changes });
    if (!answer.ok) {
      var fields = C.errorOf(answer).details.fields || {};
      var detail = Object.keys(fields).map(function (f) { return f + ": " + fields[f]; }).join("; ");
      return setMessage($("person-message"), "error", failure(answer, "Not saved") + (detail ? " (" + detail + ")" : ""));
    }
    person = Object.assign(person, answer.body);
    $("person-title").textContent = person.name;
    setMessage($("person-message"), "success", "Saved.");
  });

  /* erase, with a confirmation that says what goes */

  $("person-erase").addEventListener("click", async function () {
    var counted = await api("/api/v1/checkins?limit=1&employee_id=" + encodeURIComponent(personId));
    var checkins = counted.ok ? counted.body.total : "all";
    var faces = person.faces.length;
    $("erase-title").textContent = "Erase " + person.name + "?";
    $("erase-what").textContent = "This deletes everything facegate holds about " + person.name + " (" + person.employee_id + "):";
    fill($("erase-list"), [
      el("li", {}, faces + " enrolled photo" + (faces === 1 ? "" : "s") + " and their face vectors (database and photo store)"),
      el("li", {}, checkins + " check-in record" + (checkins === 1 ? "" : "s")),
      el("li", {}, "the name, department and e-mail"),
    ]);
    $("erase-dialog").showModal();
    $("erase-cancel").focus();
  });

  $("erase-dialog").addEventListener("close", async function () {
    if ($("erase-dialog").returnValue !== "erase") return;
    var who = person;
    var answer = await api("/api/v1/employees/" + encodeURIComponent(who.employee_id), { method: "DELETE" });
    if (answer.status !== 204) return notice(failure(answer, "Could not erase"), "error");
    personId = null;
    stopCamera();
    await loadPeople();
    notice("Erased " + who.name + " (" + who.employee_id + "): photos, face vectors and check-ins.", "success");
  });

  /* add a photo: camera (one face in view) or file, refused as on /enroll */

  var cameraOn = false;
  var lastFaces = [];
  var cameraRun = 0;

  $("add-camera").addEventListener("click", async function () {
    if (cameraOn) return stopCamera();
    var myRun = ++cameraRun;
    $("add-camera-box").hidden = false;
    $("add-status").textContent = "Starting the camera…";
    try {
      C.loadDetector().catch(function () {});
      await C.openCamera($("video"), { width: 1280, height: 720 });
      await C.loadDetector();
    } catch (err) {
      $("add-camera-box").hidden = true;
      $("add-status").textContent = (err.kind ? err.title + ". " + err.message : "The face detector could not be loaded.") + " Upload a photo file instead.";
      return;
    }
    cameraOn = true;
    $("add-camera").textContent = "Stop the camera";
    $("add-capture").hidden = false;
    while (cameraOn && myRun === cameraRun) {
      var video = $("video");
      if (video.readyState >= 2) {
        try { lastFaces = await C.detectFaces(video); } catch (err) { lastFaces = []; }
        var one = lastFaces.length === 1;
        C.drawFaces($("overlay"), video, lastFaces, one ? "#35d07f" : "#ffb020");
        $("add-capture").disabled = !one;
        $("add-status").textContent = one ? "One face in view - press Capture"
          : lastFaces.length > 1 ? "More than one face in view" : "No face in view";
      }
      await C.sleep(150);
    }
  });

  function stopCamera() {
    cameraOn = false;
    cameraRun++;
    var video = $("video");
    if (video.srcObject) {
      video.srcObject.getTracks().forEach(function (t) { t.stop(); });
      video.srcObject = null;
    }
    $("add-camera-box").hidden = true;
    $("add-capture").hidden = true;
    $("add-camera").textContent = "Use the camera";
    $("add-status").textContent = "";
  }

  $("add-capture").addEventListener("click", async function () {
    if ($("add-capture").disabled) return;
    var blob = await C.captureJpeg($("video"), null, 0.92);
    addPhoto(blob, "capture.jpg");
  });

  $("add-file").addEventListener("change", function () {
    var file = $("add-file").files && $("add-file").files[0];
    if (file) addPhoto(file, file.name || "upload.jpg");
  });

  async function addPhoto(blob, name) {
    var outcome = $("add-outcome");
    setMessage(outcome, "idle", "Adding the photo…");
    var data = new FormData();
    data.append("image", blob, name);
    data.append("employee_id", person.employee_id);
    data.append("employee_name", person.name);
    var answer = await api("/api/v1/employees/insert", { method: "POST", body: data });
    $("add-file").value = "";
    if (answer.status === 201) {
      await openPerson(person.employee_id);
      setMessage($("add-outcome"), "success", "Photo added: " + person.faces.length + " photos enrolled.");
      return;
    }
    setMessage(outcome, "error", C.describeEnrollError(answer.status, C.errorOf(answer), cameraOn));
  }

  /* ---------- today ---------- */

  async function loadToday() {
    if (!$("day").value) $("day").value = isoDay(new Date());
    var day = $("day").value;
    var both = await Promise.all([
      api("/api/v1/attendance/daily?date=" + day),
      api("/api/v1/attendance/unknown?date=" + day),
    ]);
    if (!both[0].ok) return notice(failure(both[0], "Could not read the day"), "error");
    var present = both[0].body.employees;
    $("day-zone").textContent = "times in " + both[0].body.timezone;
    $("present-title").textContent = "Checked in: " + present.length;
    fill($("present-table").tBodies[0], present.map(function (p) {
      var tr = row([p.employee_name, p.employee_id, clock(p.first_checkin), clock(p.last_checkin), p.checkins]);
      tr.children[4].className = "num";
      return tr;
    }));
    $("present-empty").hidden = present.length > 0;
    if (both[1].ok) drawChart(both[1].body.hours);
    await loadEvidence(day);
  }

  /* ---------- evidence: snapshots beside enrolled photos, disputes ---------- */

  var EVIDENCE_LIMIT = 200;
  var evidenceUrls = [];
  var disputing = null;

  /** An image read through the backend with the admin key (never from the store). */
  function showImage(img, path, what) {
    if (!path) { img.alt = what + ": none kept"; img.classList.add("missing"); return Promise.resolve(); }
    return C.apiBlob(path, key).then(function (got) {
      if (!got.ok) { img.alt = what + " unavailable (" + got.status + ")"; img.classList.add("missing"); return; }
      var url = URL.createObjectURL(got.blob);
      evidenceUrls.push(url);
      img.src = url;
    }).catch(function () { img.alt = what + " unavailable"; });
  }

  async function loadEvidence(day) {
    evidenceUrls.forEach(URL.revokeObjectURL);
    evidenceUrls = [];
    var answer = await api("/api/v1/checkins?matched=true&limit=" + EVIDENCE_LIMIT + "&from=" + day + "&to=" + day);
    if (!answer.ok) return notice(failure(answer, "Could not read the check-ins"), "error");
    var items = answer.body.items.slice().reverse(); // newest first
    $("evidence-title").textContent = "Check-ins and what the kiosk saw: " + answer.body.total;
    $("evidence-empty").hidden = items.length > 0;
    $("evidence-more").hidden = answer.body.total <= items.length;
    $("evidence-more").textContent = "Showing the first " + items.length + " of " + answer.body.total + ".";
    var loading = [];
    fill($("evidence-list"), items.map(function (c) {
      var item = el("li", { class: "evidence" + (c.disputed ? " disputed" : ""), "data-checkin": c.checkin_id });
      var pair = el("div", { class: "pair" });
      var seen = el("figure");
      var seenImg = el("img", { alt: "Seen at the kiosk", class: "snapshot" });
      seen.appendChild(seenImg);
      seen.appendChild(el("figcaption", {}, "Seen at " + (c.api_key_name || "kiosk")));
      var known = el("figure");
      var knownImg = el("img", { alt: "Enrolled photo of " + (c.employee_name || c.employee_id), class: "enrolled" });
      known.appendChild(knownImg);
      known.appendChild(el("figcaption", {}, "Enrolled photo"));
      pair.appendChild(seen);
      pair.appendChild(known);
      item.appendChild(pair);
      var facts = el("div", { class: "facts" });
      facts.appendChild(el("strong", {}, (c.employee_name || "Unknown") + " (" + (c.employee_id || "–") + ")"));
      facts.appendChild(el("span", {}, clock(c.checked_in_at) + " · distance " + (c.distance === null ? "–" : c.distance.toFixed(3))));
      if (c.disputed) {
        facts.appendChild(el("span", { class: "dispute" }, "Disputed by " + c.disputed_by + " at " + clock(c.disputed_at) + ": " + c.dispute_reason));
        var clear = el("button", { type: "button", class: "secondary small" }, "Clear dispute");
        clear.addEventListener("click", function () { setDispute(c, false, ""); });
        facts.appendChild(clear);
      } else {
        var mark = el("button", { type: "button", class: "secondary small dispute-open" }, "Dispute…");
        mark.addEventListener("click", function () { openDispute(c); });
        facts.appendChild(mark);
      }
      item.appendChild(facts);
      loading.push(showImage(seenImg, c.snapshot_path, "Snapshot"));
      loading.push(showImage(knownImg, c.face_photo_path, "Enrolled photo"));
      return item;
    }));
    await Promise.all(loading);
  }

  function openDispute(c) {
    disputing = c;
    $("dispute-what").textContent = (c.employee_name || c.employee_id) + ", " + clock(c.checked_in_at) + " at " + c.api_key_name + ".";
    $("dispute-reason").value = "";
    $("dispute-dialog").showModal();
    $("dispute-reason").focus();
  }

  $("dispute-dialog").addEventListener("close", function () {
    if ($("dispute-dialog").returnValue !== "dispute" || !disputing) return;
    setDispute(disputing, true, $("dispute-reason").value);
  });

  async function setDispute(c, disputed, reason) {
    var answer = await api("/api/v1/checkins/" + c.checkin_id, {
      method: "PATCH",
      json: { disputed: disputed, reason: reason },
    });
    if (!answer.ok) return notice(failure(answer, "Could not change the check-in"), "error");
    notice(disputed ? "Check-in " + c.checkin_id + " marked disputed." : "Dispute cleared.", "success");
    await loadEvidence($("day").value);
    stats.loaded.evidence = (stats.loaded.evidence || 0) + 1;
  }

  /** HH:MM as the server wrote it, in the office's zone (not the browser's). */
  function clock(iso) {
    var found = /T(\d\d:\d\d)/.exec(iso || "");
    return found ? found[1] : iso;
  }

  $("day").addEventListener("change", loadToday);

  /** 24 bars in plain SVG: hour on x, attempts on y. */
  function drawChart(hours) {
    var width = 480, height = 220, left = 34, bottom = 26, top = 14, right = 8;
    var most = Math.max.apply(null, hours.concat([1]));
    var step = Math.max(1, Math.ceil(most / 4));
    var scaleTop = step * Math.ceil(most / step);
    var plotW = width - left - right, plotH = height - top - bottom;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "bars");
    svg.setAttribute("role", "img");
    var total = hours.reduce(function (a, b) { return a + b; }, 0);
    svg.setAttribute("aria-label", total + " not recognised attempts; by hour: " +
      hours.map(function (n, h) { return n ? h + ":00 " + n : null; }).filter(Boolean).join(", "));
    function add(tag, attrs, text) {
      var node = document.createElementNS(SVG, tag);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      if (text !== undefined) node.textContent = text;
      svg.appendChild(node);
      return node;
    }
    for (var v = 0; v <= scaleTop; v += step) {
      var y = top + plotH - (v / scaleTop) * plotH;
      add("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" });
      add("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, String(v));
    }
    var slot = plotW / 24;
    hours.forEach(function (n, h) {
      var barH = (n / scaleTop) * plotH;
      var x = left + h * slot + slot * 0.15;
      if (n) {
        var bar = add("rect", { x: x, y: top + plotH - barH, width: slot * 0.7, height: barH, class: "bar", "data-hour": h });
        var tip = document.createElementNS(SVG, "title");
        tip.textContent = h + ":00-" + (h + 1) + ":00: " + n;
        bar.appendChild(tip);
      }
      if (h % 3 === 0) add("text", { x: left + h * slot + slot / 2, y: height - 8, class: "axis", "text-anchor": "middle" }, String(h).padStart(2, "0"));
    });
    add("line", { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: "baseline" });
    $("chart").replaceChildren(svg);
    $("chart-title").textContent = "“Not recognised” per hour: " + total + " today";
    if ($("day").value !== isoDay(new Date())) $("chart-title").textContent = "“Not recognised” per hour: " + total;
  }

  /* ---------- kiosks: keys ---------- */

  async function loadKeys() {
    var answer = await api("/api/v1/keys");
    if (!answer.ok) return notice(failure(answer, "Could not list keys"), "error");
    fill($("keys-table").tBodies[0], answer.body.items.map(function (k) {
      var action = "";
      if (k.name === signedInAs && !k.revoked_at) {
        action = el("span", { class: "muted" }, "this page's key");
      } else if (!k.revoked_at) {
        action = el("button", { type: "button", class: "secondary small" }, "Revoke");
        action.setAttribute("aria-label", "Revoke " + k.name);
        action.addEventListener("click", function () { revokeKey(k.name); });
      }
      var status = el("span", { class: "pill " + (k.revoked_at ? "off" : "on") }, k.revoked_at ? "revoked" : "active");
      var role = el("span", { class: "pill role-" + k.role }, k.role);
      var liveness = "–";
      if (!k.revoked_at && k.role === "kiosk") {
        liveness = el("select", { class: "liveness", "aria-label": "Check-in mode of " + k.name, "data-key": k.name });
        [["off", "one frame"], ["challenge", "head turn"]].forEach(function (choice) {
          var option = el("option", { value: choice[0] }, choice[1]);
          if (k.liveness === choice[0]) option.selected = true;
          liveness.appendChild(option);
        });
        liveness.addEventListener("change", function (event) { setLiveness(k.name, event.target.value); });
      }
      var tr = row([k.name, role, when(k.created_at, true), when(k.last_used_at, true), status, liveness, action]);
      if (k.revoked_at) tr.className = "revoked";
      return tr;
    }));
  }

  async function setLiveness(name, liveness) {
    var answer = await api("/api/v1/keys/" + encodeURIComponent(name), { method: "PATCH", json: { liveness: liveness } });
    if (!answer.ok) return notice(failure(answer, "Could not change " + name), "error");
    notice(name + (liveness === "challenge"
      ? " now asks for a head turn at each check-in (the kiosk picks it up at its next check-in)."
      : " now checks in from one frame."), "success");
    await loadKeys();
    stats.loaded.liveness = (stats.loaded.liveness || 0) + 1;
  }

  async function revokeKey(name) {
    if (!window.confirm("Revoke the key " + name + "? Devices using it stop working at once.")) return;
    var answer = await api("/api/v1/keys/" + encodeURIComponent(name), { method: "DELETE" });
    if (answer.status !== 204) return notice(failure(answer, "Could not revoke"), "error");
    notice("Revoked " + name + ".", "success");
    await loadKeys();
  }

  $("new-key-role").addEventListener("change", function () {
    $("admin-warning").hidden = $("new-key-role").value !== "admin";
  });

  $("key-create").addEventListener("submit", async function (event) {
    event.preventDefault();
    var name = $("new-key-name").value.trim();
    var role = $("new-key-role").value;
    if (!name) return setMessage($("key-create-message"), "error", "Give the key a name.");
    if (role === "admin" && !window.confirm("Create an ADMIN key? It gives full access to everyone's data.")) return;
    var answer = await api("/api/v1/keys", { method: "POST", json: { name: name, role: role } });
    if (answer.status !== 201) return setMessage($("key-create-message"), "error", failure(answer, "Not created"));
    setMessage($("key-create-message"), "success", "");
    $("key-create").reset();
    $("admin-warning").hidden = true;
    showNewKey(answer.body);
    await loadKeys();
  });

  function showNewKey(made) {
    $("new-key-for").textContent = made.name + " (" + made.role + ")";
    $("new-key-value").value = made.key;
    // The tablet opens this address; the key after # is never sent to the server.
    var link = location.origin + "/checkin#key=" + encodeURIComponent(made.key);
    $("new-key-url").textContent = location.origin + "/checkin";
    var box = $("new-key-qr");
    box.replaceChildren();
    box.hidden = made.role !== "kiosk";
    if (made.role === "kiosk" && typeof qrcode === "function") box.appendChild(qrSvg(link));
    $("new-key").hidden = false;
    $("new-key-value").focus();
    $("new-key-value").select();
  }

  /** The QR code of `text` as SVG squares (qrcode-generator, vendored from npm). */
  function qrSvg(text) {
    var code = qrcode(0, "M");
    code.addData(text);
    code.make();
    var n = code.getModuleCount();
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "-4 -4 " + (n + 8) + " " + (n + 8));
    svg.setAttribute("shape-rendering", "crispEdges");
    var path = [];
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) if (code.isDark(r, c)) path.push("M" + c + " " + r + "h1v1h-1z");
    }
    var back = document.createElementNS(SVG, "rect");
    back.setAttribute("x", "-4"); back.setAttribute("y", "-4");
    back.setAttribute("width", String(n + 8)); back.setAttribute("height", String(n + 8));
    back.setAttribute("fill", "#fff");
    svg.appendChild(back);
    var dots = document.createElementNS(SVG, "path");
    dots.setAttribute("d", path.join(""));
    dots.setAttribute("fill", "#000");
    svg.appendChild(dots);
    return svg;
  }

  $("new-key-done").addEventListener("click", function () {
    $("new-key-value").value = "";
    $("new-key-qr").replaceChildren();
    $("new-key").hidden = true;
  });

  /* ---------- webhooks ---------- */

  async function loadHooks() {
    var answer = await api("/api/v1/webhooks");
    if (!answer.ok) return notice(failure(answer, "Could not list webhooks"), "error");
    var hooks = answer.body.items;
    fill($("hooks-table").tBodies[0], hooks.map(function (h) {
      var actions = el("span", { class: "actions" });
      var see = el("button", { type: "button", class: "secondary small" }, "Deliveries");
      see.addEventListener("click", function () { loadDeliveries(h); });
      var drop = el("button", { type: "button", class: "secondary small" }, "Delete");
      drop.addEventListener("click", function () { deleteHook(h); });
      actions.appendChild(see);
      actions.appendChild(drop);
      var url = el("code", {}, h.url);
      return row([url, h.events.join(", "), when(h.created_at, true), actions]);
    }));
    $("hooks-empty").hidden = hooks.length > 0;
    if (!hooks.length) $("deliveries").hidden = true;
  }

  async function loadDeliveries(hook) {
    var answer = await api("/api/v1/webhooks/" + hook.webhook_id + "/deliveries?limit=50");
    if (!answer.ok) return notice(failure(answer, "Could not read deliveries"), "error");
    $("deliveries-title").textContent = "Deliveries to " + hook.url;
    $("deliveries-empty").hidden = answer.body.items.length > 0;
    fill($("deliveries-table").tBodies[0], answer.body.items.map(function (d) {
      var state = el("span", { class: "pill " + (d.state === "delivered" ? "on" : d.state === "failed" ? "off" : "wait") }, d.state);
      var error = d.last_error ? d.last_error + (d.next_attempt_at ? " (next try " + when(d.next_attempt_at) + ")" : "") : "";
      var tr = row([d.event, state, d.attempts, when(d.created_at, true), error]);
      tr.children[2].className = "num";
      return tr;
    }));
    $("deliveries").hidden = false;
  }

  async function deleteHook(hook) {
    if (!window.confirm("Delete the webhook to " + hook.url + "? Undelivered events are dropped.")) return;
    var answer = await api("/api/v1/webhooks/" + hook.webhook_id, { method: "DELETE" });
    if (answer.status !== 204) return notice(failure(answer, "Could not delete"), "error");
    $("deliveries").hidden = true;
    await loadHooks();
  }

  $("hook-create").addEventListener("submit", async function (event) {
    event.preventDefault();
    var events = Array.prototype.map.call(
      document.querySelectorAll("#hook-create input[name=event]:checked"), function (box) { return box.value; });
    var answer = await api("/api/v1/webhooks", { method: "POST", json: { url: $("hook-url").value.trim(), events: events } });
    if (answer.status !== 201) return setMessage($("hook-message"), "error", failure(answer, "Not registered"));
    setMessage($("hook-message"), "success", "Registered.");
    $("new-hook-secret").value = answer.body.secret;
    $("new-hook").hidden = false;
    $("hook-url").value = "";
    await loadHooks();
  });

  $("new-hook-done").addEventListener("click", function () {
    $("new-hook-secret").value = "";
    $("new-hook").hidden = true;
  });

  /* ---------- export ---------- */

  function prepareExport() {
    var today = new Date();
    if (!$("export-to").value) $("export-to").value = isoDay(today);
    if (!$("export-from").value) $("export-from").value = isoDay(new Date(today.getFullYear(), today.getMonth(), 1));
  }

  $("export-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    var from = $("export-from").value, to = $("export-to").value;
    if (!from || !to || from > to) return setMessage($("export-message"), "error", "Choose a start day on or before the end day.");
    setMessage($("export-message"), "idle", "Preparing…");
    var got;
    try {
      got = await C.apiBlob("/api/v1/checkins?format=csv&from=" + from + "&to=" + to, key);
    } catch (err) {
      return setMessage($("export-message"), "error", "Server unreachable.");
    }
    if (!got.ok) return setMessage($("export-message"), "error", "The export failed (" + got.status + ").");
    var url = URL.createObjectURL(got.blob);
    var link = el("a", { href: url, download: "checkins-" + from + "-to-" + to + ".csv" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    setMessage($("export-message"), "success", "Downloaded checkins-" + from + "-to-" + to + ".csv");
  });

  /* ---------- boot ---------- */

  var stored = sessionStorage.getItem(KEY_STORAGE);
  if (stored) tryKey(stored);
  else showKeyPanel("");
})();
