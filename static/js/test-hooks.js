// @ts-check
/*
 * What the browser tests read, kept apart from the pages' state: window.facegate is a
 * read-only copy made on each read, so neither a test nor the page can change one through it.
 */

/**
 * Publish `read()` as window.facegate (a frozen copy each time it is read).
 * @param {() => Record<string, unknown>} read
 */
export function publishForTests(read) {
  Object.defineProperty(window, "facegate", {
    get: () => deepFreeze(structuredClone(read())),
    configurable: false,
    enumerable: false,
  });
}

/**
 * @template T
 * @param {T} value
 * @returns {Readonly<T>}
 */
function deepFreeze(value) {
  if (value && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
