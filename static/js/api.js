// @ts-check
/*
 * The facegate API from the pages: fetch with the X-API-Key header. API keys are only ever
 * read from browser storage or typed in; none is written into any page or script.
 * Every call takes an optional AbortSignal: an aborted call rejects with an AbortError even
 * when its answer had already arrived, so a stale answer is never shown.
 */

/**
 * @typedef {{status: number, ok: boolean, body: any}} Answer
 * @typedef {{status: number, ok: boolean, blob: Blob | null}} BlobAnswer
 * @typedef {{code: string, message: string, details: Record<string, any>}} ApiError
 * @typedef {{method?: string, json?: unknown, body?: BodyInit, signal?: AbortSignal}} CallOptions
 * @typedef {{status: number, name: string, role: string, liveness: string, siteName: string, direction: string}} Who
 */

/** The server could not be reached (as opposed to the server saying no). */
export class NetworkError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = "NetworkError";
  }
}

/** True for the rejection of an aborted call: not a failure, just no longer wanted. */
export function isAbort(/** @type {unknown} */ err) {
  return err instanceof DOMException && err.name === "AbortError";
}

/**
 * @param {string} path
 * @param {RequestInit} init
 * @returns {Promise<Response>}
 */
async function send(path, init) {
  try {
    return await fetch(path, { ...init, cache: "no-store", credentials: "same-origin" });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new NetworkError(String(err instanceof Error ? err.message : err));
  }
}

/** The signed-in session's CSRF token, sent with every change (none with an API key). */
let csrfToken = "";

/** Set (or clear, with "") the CSRF token of the single sign-on session. */
export function setCsrfToken(/** @type {string} */ token) {
  csrfToken = token;
}

/**
 * fetch() with the key (or, with none, the session cookie); resolves to {status, ok, body},
 * body the parsed JSON or null.
 * @param {string} path
 * @param {string | null} key
 * @param {CallOptions} [options]
 * @returns {Promise<Answer>}
 */
export async function apiFetch(path, key, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (key) headers["X-API-Key"] = key;
  const method = options.method || "GET";
  if (!key && csrfToken && method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let body = options.body;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await send(path, { method, headers, body, signal: options.signal });
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null; // e.g. an HTML error page from a proxy, or 204 No Content
  }
  options.signal?.throwIfAborted();
  return { status: response.status, ok: response.ok, body: parsed };
}

/**
 * GET a file (a photo, a CSV) with the key; blob is null unless ok.
 * @param {string} path
 * @param {string | null} key
 * @param {AbortSignal} [signal]
 * @returns {Promise<BlobAnswer>}
 */
export async function apiBlob(path, key, signal) {
  const response = await send(path, { headers: key ? { "X-API-Key": key } : {}, signal });
  const blob = response.ok ? await response.blob() : null;
  signal?.throwIfAborted();
  return { status: response.status, ok: response.ok, blob };
}

/**
 * The {code, message, details} part of an error answer, never null.
 * @param {Answer | null | undefined} answer
 * @returns {ApiError}
 */
export function errorOf(answer) {
  const err = answer && answer.body && typeof answer.body.error === "object" && answer.body.error ? answer.body.error : {};
  return {
    code: typeof err.code === "string" ? err.code : "",
    message: typeof err.message === "string" ? err.message : "",
    details: err.details && typeof err.details === "object" ? err.details : {},
  };
}

/**
 * GET /api/v1/auth/whoami; throws NetworkError.
 * @param {string} key
 * @returns {Promise<Who>}
 */
export async function whoami(key) {
  const answer = await apiFetch("/api/v1/auth/whoami", key);
  const body = answer.body || {};
  return {
    status: answer.status,
    name: body.name || "",
    role: body.role || "",
    liveness: body.liveness || "off",
    siteName: body.site_name || "",
    direction: body.direction || "both",
  };
}
