// @ts-check
/* /admin's Today view: who checked in on a day, "not recognised" attempts per hour, and the evidence. */
import { byId, fill, row } from "../dom.js";
import { api, clock, failure, fresh, isoDay, notice, quietly } from "./context.js";
import { loadEvidence } from "./evidence.js";
import { fillSiteSelect, listSites } from "./sites.js";

const SVG = "http://www.w3.org/2000/svg";

/** @param {AbortSignal} signal */
async function loadToday(signal) {
  const dayInput = byId("day", HTMLInputElement);
  if (!dayInput.value) dayInput.value = isoDay(new Date());
  const day = dayInput.value;
  const siteSelect = byId("day-site", HTMLSelectElement);
  fillSiteSelect(siteSelect, await listSites(signal), true);
  const site = siteSelect.value ? "&site_id=" + siteSelect.value : "";
  const [daily, unknown] = await Promise.all([
    api("/api/v1/attendance/daily?date=" + day + site, { signal }),
    api("/api/v1/attendance/unknown?date=" + day, { signal }),
  ]);
  if (!daily.ok) return notice(failure(daily, "Could not read the day"), "error");
  /** @type {Array<{employee_name: string, employee_id: string, first_checkin: string, last_checkin: string, checkins: number}>} */
  const present = daily.body.employees;
  byId("day-zone").textContent = "times in " + daily.body.timezone;
  byId("present-title").textContent = "Checked in: " + present.length;
  fill(byId("present-table", HTMLTableElement), present.map((p) => {
    const tr = row([p.employee_name, p.employee_id, clock(p.first_checkin), clock(p.last_checkin), p.checkins]);
    tr.children[4].className = "num";
    return tr;
  }));
  byId("present-empty").hidden = present.length > 0;
  if (unknown.ok) drawChart(unknown.body.hours, day);
  await loadEvidence(day, signal);
}

byId("day").addEventListener("change", () => quietly(loadToday(fresh())));
byId("day-site").addEventListener("change", () => quietly(loadToday(fresh())));

/**
 * 24 bars in plain SVG: hour on x, attempts on y.
 * @param {number[]} hours
 * @param {string} day
 */
function drawChart(hours, day) {
  const width = 480, height = 220, left = 34, bottom = 26, top = 14, right = 8;
  const most = Math.max(...hours, 1);
  const step = Math.max(1, Math.ceil(most / 4));
  const scaleTop = step * Math.ceil(most / step);
  const plotW = width - left - right, plotH = height - top - bottom;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("class", "bars");
  svg.setAttribute("role", "img");
  const total = hours.reduce((a, b) => a + b, 0);
  svg.setAttribute("aria-label", total + " not recognised attempts; by hour: " +
    hours.map((n, h) => (n ? h + ":00 " + n : null)).filter(Boolean).join(", "));
  /**
   * @param {string} tag
   * @param {Record<string, string | number>} attrs
   * @param {string} [text]
   */
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    svg.appendChild(node);
    return node;
  };
  for (let v = 0; v <= scaleTop; v += step) {
    const y = top + plotH - (v / scaleTop) * plotH;
    add("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" });
    add("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" }, String(v));
  }
  const slot = plotW / 24;
  hours.forEach((n, h) => {
    const barH = (n / scaleTop) * plotH;
    if (n) {
      const bar = add("rect", { x: left + h * slot + slot * 0.15, y: top + plotH - barH, width: slot * 0.7, height: barH, class: "bar", "data-hour": h });
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = h + ":00-" + (h + 1) + ":00: " + n;
      bar.appendChild(tip);
    }
    if (h % 3 === 0) add("text", { x: left + h * slot + slot / 2, y: height - 8, class: "axis", "text-anchor": "middle" }, String(h).padStart(2, "0"));
  });
  add("line", { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: "baseline" });
  byId("chart").replaceChildren(svg);
  byId("chart-title").textContent = "“Not recognised” per hour: " + total + (day === isoDay(new Date()) ? " today" : "");
}

/** @type {import("./context.js").View} */
export const todayView = { load: loadToday };
