// @ts-check
/*
 * HR's page (/admin): sign-in, then one view at a time (People, Today, Kiosks, Sites, Webhooks,
 * Export, Audit log), each in its own module. A view is a {load(signal), leave?, home?}: switching views
 * aborts what the previous one was loading (context.js), and calls its leave() (the camera).
 */
import { isAbort } from "../api.js";
import { byId } from "../dom.js";
import { startSignIn } from "../sign-in.js";
import { publishForTests } from "../test-hooks.js";
import { auditView } from "./audit.js";
import { counted, fresh, loaded, notice, session } from "./context.js";
import { exportView } from "./export.js";
import { kiosksView } from "./kiosks.js";
import { peopleView } from "./people.js";
import { privacyView } from "./privacy.js";
import { sitesView } from "./sites.js";
import { todayView } from "./today.js";
import { webhooksView } from "./webhooks.js";

/** @type {Record<string, import("./context.js").View>} */
const VIEWS = {
  people: peopleView,
  today: todayView,
  kiosks: kiosksView,
  sites: sitesView,
  webhooks: webhooksView,
  export: exportView,
  audit: auditView,
  privacy: privacyView,
};
const tabs = Array.from(document.querySelectorAll("#tabs .tab"));
let shownView = "";

/** @param {string} name */
async function show(name) {
  if (!VIEWS[name]) name = "people";
  const signal = fresh();
  if (shownView && shownView !== name) VIEWS[shownView].leave?.();
  shownView = name;
  notice("");
  for (const section of document.querySelectorAll(".view")) {
    /** @type {HTMLElement} */ (section).hidden = section.getAttribute("data-view") !== name;
  }
  for (const tab of tabs) {
    if (tab.getAttribute("data-view") === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (location.hash !== "#" + name) history.replaceState(null, "", "#" + name);
  try {
    await VIEWS[name].load(signal);
    if (!signal.aborted) counted(name);
  } catch (err) {
    if (!isAbort(err)) console.error(err);
  }
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    const name = tab.getAttribute("data-view") || "people";
    VIEWS[name]?.home?.();
    show(name);
  });
}

// Read by the browser tests: the view on screen and how often each finished loading.
publishForTests(() => ({ view: shownView, loaded }));

const started = startSignIn({
  wrongRole: (role) => "This is a " + role + " key. This page needs an admin key.",
  onSignedIn: () => {
    byId("app").hidden = false;
    byId("tabs").hidden = false;
    show(location.hash.replace("#", "") || "people");
  },
  onSignedOut: () => {
    fresh(); // nothing loading for the key that left is shown
    if (shownView) VIEWS[shownView].leave?.();
    byId("app").hidden = true;
    byId("tabs").hidden = true;
  },
});
Object.assign(session, started);
