#!/usr/bin/env node
// Builds web/static/world.json for Ratify's state map: one SVG path per UN M49
// code, projected once from Natural Earth (via npm world-atlas) so the Go server
// can serve the map itself (no tiles, no fetches at run time).
//
// Usage (from scripts/worldmap):
//   node build.mjs [--res 50m|110m] [--digits 0|1] [--min-area PX2]
//                  [--csv PATH] [--out PATH]
//
// Defaults: --res 50m --digits 1 --min-area 0.5, paths relative to the repo root
// (two levels above this file): data/countries.csv is read from
// $RATIFY_COUNTRIES_CSV, else ../../data/countries.csv, else
// /work/shared/data/countries.csv; output goes to ../../web/static/world.json.
//
// Output: {"viewBox":"0 0 W H","shapes":{"004":"M…z", …}}
//   - keys are the 3-digit M49 codes found in the CSV's m49_code column
//     (exact matches with world-atlas feature ids only);
//   - Equal Earth projection rotated to 11°E (keeps Russia and Fiji whole),
//     fitted to a width of 1000, Antarctica excluded because it is not a state;
//   - coordinates snapped to a 10^-digits grid, written as relative lineto
//     commands; duplicate and collinear points are dropped, and secondary rings
//     (islands) smaller than --min-area px² are omitted (a state's largest
//     ring is always kept).

import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { feature } from "topojson-client";
import { geoEqualEarth, geoPath } from "d3-geo";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..", "..");
const require = createRequire(import.meta.url);

// ---- arguments --------------------------------------------------------------

function parseArgs(argv) {
  const opts = { res: "50m", digits: 1, minArea: 0.5, csv: null, out: null, width: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case "--res": opts.res = next(); break;
      case "--digits": opts.digits = Number(next()); break;
      case "--min-area": opts.minArea = Number(next()); break;
      case "--csv": opts.csv = resolve(next()); break;
      case "--out": opts.out = resolve(next()); break;
      case "--width": opts.width = Number(next()); break;
      case "-h": case "--help":
        console.log("node build.mjs [--res 50m|110m] [--digits 0|1] [--min-area PX2] [--width 1000] [--csv PATH] [--out PATH]");
        process.exit(0);
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!["10m", "50m", "110m"].includes(opts.res)) throw new Error(`--res must be 10m, 50m or 110m`);
  if (!Number.isInteger(opts.digits) || opts.digits < 0 || opts.digits > 3) throw new Error(`--digits must be 0..3`);
  if (!(opts.minArea >= 0)) throw new Error(`--min-area must be >= 0`);
  if (!opts.csv) {
    const candidates = [
      process.env.RATIFY_COUNTRIES_CSV,
      resolve(repoRoot, "data", "countries.csv"),
      "/work/shared/data/countries.csv",
    ].filter(Boolean);
    opts.csv = candidates.find((p) => existsSync(p));
    if (!opts.csv) throw new Error(`countries.csv not found (tried ${candidates.join(", ")}); pass --csv`);
  }
  if (!opts.out) opts.out = resolve(repoRoot, "web", "static", "world.json");
  return opts;
}

// ---- CSV (RFC 4180: quoted fields may contain commas, "" escapes a quote) ---

function parseCSV(text) {
  const rows = [];
  let row = [], field = "", inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const header = rows.shift();
  return rows
    .filter((r) => r.length > 1 || r[0] !== "")
    .map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), (r[i] ?? "").trim()])));
}

function readStates(csvPath) {
  const rows = parseCSV(readFileSync(csvPath, "utf8").replace(/^\uFEFF/, ""));
  if (!rows.length || !("m49_code" in rows[0])) throw new Error(`${csvPath}: no m49_code column`);
  const states = new Map(); // m49 -> {iso3, name}
  for (const r of rows) {
    if (!/^\d{3}$/.test(r.m49_code)) throw new Error(`${csvPath}: bad m49_code ${JSON.stringify(r.m49_code)} for ${r.name}`);
    if (states.has(r.m49_code)) throw new Error(`${csvPath}: duplicate m49_code ${r.m49_code}`);
    states.set(r.m49_code, { iso3: r.iso3, name: r.name });
  }
  return states;
}

// ---- geometry → compact path ---------------------------------------------

// Collects projected rings from d3-geo's path stream (context API).
function ringCollector() {
  const rings = [];
  let cur = null;
  return {
    rings,
    beginPath() {},
    moveTo(x, y) { cur = [[x, y]]; rings.push(cur); },
    lineTo(x, y) { cur.push([x, y]); },
    closePath() { cur = null; },
    arc() {}, // only used for Point geometries, which countries do not have
  };
}

// Snaps a ring to an integer grid (units of 10^-digits px), drops consecutive
// duplicates, the closing duplicate and collinear points. Returns null when
// fewer than 3 distinct points remain.
function snapRing(ring, scale) {
  let pts = [];
  for (const [x, y] of ring) {
    const p = [Math.round(x * scale), Math.round(y * scale)];
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  while (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  // Drop collinear points (repeat until stable; treat the ring as cyclic).
  let changed = true;
  while (changed && pts.length >= 3) {
    changed = false;
    const out = [];
    const n = pts.length;
    for (let i = 0; i < n; i++) {
      const a = out.length ? out[out.length - 1] : pts[(i - 1 + n) % n];
      const b = pts[i];
      const c = pts[(i + 1) % n];
      const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
      const dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]);
      if (cross === 0 && dot >= 0) { changed = true; continue; } // b lies on segment a→c
      out.push(b);
    }
    pts = out;
  }
  return pts.length >= 3 ? pts : null;
}

function ringArea(pts) { // in grid units²
  let s = 0;
  for (let i = 0, n = pts.length; i < n; i++) {
    const [x0, y0] = pts[i], [x1, y1] = pts[(i + 1) % n];
    s += x0 * y1 - x1 * y0;
  }
  return Math.abs(s) / 2;
}

// Formats an integer grid value as a decimal with `digits` places, minimal form
// ("0.5" → ".5", "-0.5" → "-.5", "3.0" → "3").
function fmt(v, digits) {
  if (digits === 0) return String(v);
  const neg = v < 0;
  let s = String(Math.abs(v)).padStart(digits + 1, "0");
  let int = s.slice(0, -digits), frac = s.slice(-digits).replace(/0+$/, "");
  if (int === "0" && frac) int = "";
  s = frac ? `${int}.${frac}` : int;
  return neg ? `-${s}` : s;
}

// Joins numbers with the fewest separators SVG allows: a "-" separates on its
// own, and a leading "." separates after a number that already has a ".".
function joinNums(nums) {
  let out = "", prevHasDot = false;
  for (const s of nums) {
    if (out === "" || s[0] === "-" || (s[0] === "." && prevHasDot)) out += s;
    else out += " " + s;
    prevHasDot = s.includes(".");
  }
  return out;
}

function ringToPath(pts, digits) {
  const [x0, y0] = pts[0];
  const rel = [];
  for (let i = 1; i < pts.length; i++) {
    rel.push(fmt(pts[i][0] - pts[i - 1][0], digits), fmt(pts[i][1] - pts[i - 1][1], digits));
  }
  return `M${joinNums([fmt(x0, digits), fmt(y0, digits)])}l${joinNums(rel)}z`;
}

// ---- main -------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
const states = readStates(opts.csv);
const topo = require(`world-atlas/countries-${opts.res}.json`);
const all = feature(topo, topo.objects.countries).features;

// Group world-atlas features by exact M49 id (50m has two features with id 036:
// Australia and the Ashmore and Cartier Islands, an Australian territory).
const byId = new Map();
const unmatched = [];
for (const f of all) {
  const id = f.id == null ? null : String(f.id);
  if (id === null || !states.has(id) || id === "010" /* Antarctica */) {
    unmatched.push(`${id ?? "(no id)"} ${f.properties?.name ?? "?"}`);
    continue;
  }
  if (!byId.has(id)) byId.set(id, []);
  byId.get(id).push(f);
}

const kept = { type: "FeatureCollection", features: [...byId.values()].flat() };
const margin = 2;
const projection = geoEqualEarth().rotate([-11, 0]);
projection.fitWidth(opts.width - 2 * margin, kept);
const [tx, ty] = projection.translate();
projection.translate([tx + margin, ty + margin]);
const [[, by0], [, by1]] = geoPath(projection).bounds(kept);
const height = Math.ceil(by1 + margin);
if (by0 < 0) throw new Error(`unexpected negative y bound ${by0}`);

const scale = 10 ** opts.digits;
const minAreaGrid = opts.minArea * scale * scale;
const shapes = {};
let droppedRings = 0;
for (const id of [...byId.keys()].sort()) {
  const coll = ringCollector();
  const path = geoPath(projection, coll);
  for (const f of byId.get(id)) path(f);
  const rings = coll.rings.map((r) => snapRing(r, scale)).filter(Boolean);
  if (!rings.length) continue; // collapsed entirely at this resolution
  const areas = rings.map(ringArea);
  const largest = areas.indexOf(Math.max(...areas));
  const keep = rings.filter((r, i) => i === largest || areas[i] >= minAreaGrid);
  droppedRings += rings.length - keep.length;
  shapes[id] = keep.map((r) => ringToPath(r, opts.digits)).join("");
}

const out = JSON.stringify({ viewBox: `0 0 ${opts.width} ${height}`, shapes });
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, out + "\n");

const missing = [...states.entries()].filter(([id]) => !(id in shapes)).sort((a, b) => a[1].iso3.localeCompare(b[1].iso3));
const rel = (p) => relative(process.cwd(), p) || p;
console.log(`source:   world-atlas countries-${opts.res}.json (${all.length} features)`);
console.log(`states:   ${states.size} in ${rel(opts.csv)}`);
console.log(`skipped:  ${unmatched.length} world-atlas features not matching a state: ${unmatched.join(", ")}`);
console.log(`shapes:   ${Object.keys(shapes).length} (viewBox 0 0 ${opts.width} ${height}, ${opts.digits} decimal(s), ${droppedRings} island rings < ${opts.minArea} px² dropped)`);
console.log(`no shape: ${missing.length} states`);
for (const [id, s] of missing) console.log(`  ${s.iso3} ${id} ${s.name}`);
const bytes = Buffer.byteLength(out) + 1;
console.log(`output:   ${rel(opts.out)} ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`);
