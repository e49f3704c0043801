// @ts-check
/* An enrollment refusal in words for HR: /enroll and /admin's "Add a photo" say the same. */

/** @typedef {{minimum?: number, maximum?: number, value?: unknown}} FigureSpec */

// Quality figures the server may report, in words: [too low, too high].
/** @type {Record<string, [string, string]>} */
const FIGURES = {
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

/** @param {unknown} value */
function num(value) {
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : String(value);
}

/**
 * "the face is too small … (60, minimum 80)" for one failing figure.
 * @param {string} figure
 * @param {FigureSpec | null | undefined} spec
 */
function describeFigure(figure, spec) {
  const words = FIGURES[figure];
  const label = figure.replace(/_/g, " ");
  if (!spec || typeof spec !== "object") return label + " is not acceptable";
  const v = spec.value;
  const tooLow = spec.minimum !== undefined && (spec.maximum === undefined || Number(v) < spec.minimum);
  const bound = tooLow ? "minimum " + num(spec.minimum)
    : spec.maximum !== undefined ? "maximum " + num(spec.maximum) : "";
  const text = words ? words[tooLow ? 0 : 1] : label + " is too " + (tooLow ? "low" : "high");
  return text + " (" + num(v) + (bound ? ", " + bound : "") + ")";
}

/** @param {boolean} cameraOk */
function tooLarge(cameraOk) {
  return "The photo file is too large. Use a smaller photo" + (cameraOk ? " or take one with the camera." : ".");
}

/**
 * An enrollment refusal ({code, message, details} from errorOf) in words for HR.
 * @param {number} status
 * @param {import("./api.js").ApiError} error
 * @param {boolean} cameraOk whether to suggest the camera instead of a file
 */
export function describeEnrollError(status, error, cameraOk) {
  const d = error.details;
  switch (error.code) {
    case "face_already_enrolled":
      return "This face is already enrolled as " + (d.employee_name || "another employee") +
        " (" + (d.employee_id || "?") + ").";
    case "possible_duplicate":
      return "This face looks like " + (d.employee_name || "another employee") +
        " (" + (d.employee_id || "?") + "): enrollment cancelled.";
    case "consent_required":
      return "This person has no consent on record: show the notice and take their signature first.";
    case "photo_already_enrolled":
      return "This photo is already enrolled for this employee.";
    case "low_quality": {
      /** @type {Record<string, FigureSpec>} */
      const failing = d.failing && typeof d.failing === "object" ? d.failing : {};
      const parts = Object.keys(failing).map((f) => describeFigure(f, failing[f]));
      return "The photo quality is too low: " + (parts.length ? parts.join("; ") : error.message || "see the server log") +
        ". Take a new photo.";
    }
    case "no_face_detected":
      return "No face was found in the photo. Use a photo where the face is clearly visible.";
    case "multiple_faces":
      return "Two faces in the photo are large enough to be the employee's. Use a photo where " +
        "the employee's face is clearly the largest, or of the employee alone.";
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
