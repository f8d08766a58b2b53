// Writes the values table of a chart's README.md from the `# --` comments of its
// values.yaml (the helm-docs convention; helm-docs itself is not packaged for Debian).
//
//   node tests/helm/chart-readme.mjs [--check] [--chart DIR]   (default helm/hermes-exporter)
//   scripts/chart-readme.sh [--check]                           (installs node deps first)
//
// A key's description is the comment block right above it, from its line starting with
// "-- " up to an empty comment line or the key; later comment lines are for readers of
// values.yaml only. A documented map is one row (its default as JSON); an undocumented
// map is walked into. Every row needs a description: undocumented leaves are an error.
// The table replaces everything between the BEGIN and END markers of README.md.
// --check exits 1 when README.md differs from what would be written.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMap, parseDocument } from "yaml";

const BEGIN = "<!-- values:begin (generated from values.yaml by scripts/chart-readme.sh; do not edit) -->";
const END = "<!-- values:end -->";

const args = process.argv.slice(2);
const check = args.includes("--check");
const chartArg = args.indexOf("--chart");
const chart = chartArg >= 0 ? args[chartArg + 1]
  : path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "helm", "hermes-exporter");

function description(comment) {
  if (!comment) return null;
  const lines = comment.split("\n").map((l) => l.trim());
  const start = lines.findIndex((l) => l.startsWith("-- "));
  if (start < 0) return null;
  const out = [];
  for (let i = start; i < lines.length && lines[i] !== ""; i++) out.push(lines[i]);
  return out.join(" ").slice(3).replace(/\s+/g, " ").trim();
}

function type(v) {
  if (Array.isArray(v)) return "list";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return "string";
}

// [key, value, description] of every documented key; undocumented leaves into `missing`.
function walk(map, prefix, rows, missing) {
  map.items.forEach((pair, i) => {
    const key = prefix + pair.key.value;
    // The comment above a map's first key is attached to the map itself.
    const desc = description(pair.key.commentBefore ?? (i === 0 ? map.commentBefore : undefined));
    const value = pair.value && typeof pair.value.toJSON === "function" ? pair.value.toJSON() : null;
    if (desc !== null) rows.push([key, value, desc]);
    else if (isMap(pair.value) && pair.value.items.length) walk(pair.value, key + ".", rows, missing);
    else missing.push(key);
  });
}

const pipes = (s) => s.replace(/\|/g, "\\|");
const cell = (s) => pipes(s).replace(/</g, "&lt;").replace(/>/g, "&gt;");
const doc = parseDocument(readFileSync(path.join(chart, "values.yaml"), "utf8"));
const rows = [];
const missing = [];
walk(doc.contents, "", rows, missing);
if (missing.length) {
  console.error(`values.yaml: no "# -- " description for: ${missing.join(", ")}`);
  process.exit(1);
}
const table = [
  "| Key | Type | Default | Description |",
  "|-----|------|---------|-------------|",
  ...rows.map(([k, v, d]) => `| \`${k}\` | ${type(v)} | \`${pipes(JSON.stringify(v))}\` | ${cell(d)} |`),
].join("\n");

const readmePath = path.join(chart, "README.md");
const readme = readFileSync(readmePath, "utf8");
const b = readme.indexOf(BEGIN);
const e = readme.indexOf(END);
if (b < 0 || e < b) {
  console.error(`${readmePath}: markers missing:\n${BEGIN}\n${END}`);
  process.exit(1);
}
const wanted = readme.slice(0, b + BEGIN.length) + "\n" + table + "\n" + readme.slice(e);
if (check) {
  if (wanted !== readme) {
    console.error(`${readmePath} is out of date: run scripts/chart-readme.sh`);
    process.exit(1);
  }
} else if (wanted !== readme) {
  writeFileSync(readmePath, wanted);
}
