// @ts-check
/*
 * The enrollment page (/enroll) for HR: admin key → employee details, the notice and the
 * employee's consent (consent.js) + up to three photos
 * (camera captures, the head turned a little between them, or uploaded files). The camera is
 * on only while signed in here, and optional: if it fails, the file upload still works.
 */
import { byId } from "../dom.js";
import { startSignIn } from "../sign-in.js";
import { publishForTests } from "../test-hooks.js";
import { consent, loadConsent, wireConsent } from "./consent.js";
import { counts as shotCounts, renderShots, startCamera, stopCamera, taken } from "./shots.js";
import { counts as sendCounts, wireForm } from "./submit.js";

const form = byId("enroll-form", HTMLFormElement);

publishForTests(() => ({ ...shotCounts, ...sendCounts, shots: taken().length, consent: consent.state }));

renderShots();
const session = startSignIn({
  roles: ["admin", "enroll"],
  wrongRole: () => "This key is not an admin key. Enrollment needs an admin key.",
  onSignedIn: () => {
    form.hidden = false;
    // The camera starts once consent is on record (or not asked): no picture before it.
    loadConsent(startCamera).catch(() => {});
  },
  onSignedOut: () => {
    // The form's contents are kept (a rejected key is typed again); the camera goes off.
    form.hidden = true;
    stopCamera();
  },
});
wireConsent(session);
wireForm(session);
