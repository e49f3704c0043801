// @ts-check
/* Small DOM helpers shared by the pages. Text from the server only ever goes in with textContent. */

/**
 * The element with this id, typed by the caller: byId("video", HTMLVideoElement).
 * Throws when it is missing or of another kind, so a renamed id fails loudly, not later.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: any[]) => T} [kind]
 * @returns {T}
 */
export function byId(id, kind) {
  const node = document.getElementById(id);
  if (!node) throw new Error("no element #" + id);
  if (kind && !(node instanceof kind)) throw new Error("#" + id + " is not a " + kind.name);
  return /** @type {T} */ (node);
}

/**
 * An element with attributes and text: el("td", {class: "num"}, "3").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/**
 * A table row; a Node goes in as it is, null or undefined shows as "–".
 * @param {Array<Node | string | number | null | undefined>} cells
 */
export function row(cells) {
  const tr = el("tr");
  for (const cell of cells) {
    if (cell instanceof Node) {
      const td = el("td");
      td.appendChild(cell);
      tr.appendChild(td);
    } else {
      tr.appendChild(el("td", {}, cell === null || cell === undefined ? "–" : cell));
    }
  }
  return tr;
}

/**
 * A table's body replaced by these rows.
 * @param {HTMLTableElement} table
 * @param {Node[]} rows
 */
export function fill(table, rows) {
  table.tBodies[0].replaceChildren(...rows);
}

/**
 * A message with a state (idle | success | error | confirm) CSS colours by.
 * @param {HTMLElement} node
 * @param {string} state
 * @param {string} text
 */
export function setMessage(node, state, text) {
  node.setAttribute("data-state", state);
  node.textContent = text;
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
