// @ts-check
/* A QR code drawn as SVG squares with qrcode-generator (vendored from npm: the global `qrcode`):
   a new kiosk key's setup link, a person's personal check-in code. */

const SVG = "http://www.w3.org/2000/svg";

/**
 * The QR code of `text` as SVG squares (qrcode-generator, vendored from npm).
 * @param {string} text
 */
export function qrSvg(text) {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const n = code.getModuleCount();
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "-4 -4 " + (n + 8) + " " + (n + 8));
  svg.setAttribute("shape-rendering", "crispEdges");
  const path = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (code.isDark(r, c)) path.push("M" + c + " " + r + "h1v1h-1z");
  }
  const back = document.createElementNS(SVG, "rect");
  for (const [k, v] of [["x", "-4"], ["y", "-4"], ["width", String(n + 8)], ["height", String(n + 8)], ["fill", "#fff"]]) back.setAttribute(k, v);
  const dots = document.createElementNS(SVG, "path");
  dots.setAttribute("d", path.join(""));
  dots.setAttribute("fill", "#000");
  svg.append(back, dots);
  return svg;
}
