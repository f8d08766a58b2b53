// Validates Kubernetes manifests offline against the published OpenAPI/CRD schemas.
//
//   node tests/helm/validate.mjs < rendered.yaml > objects.json
//   node tests/helm/validate.mjs --parse file.yml    # only parse (strictly), print JSON
//
// Reads a multi-document YAML stream (helm template output), validates every object
// with kubernetes-models (core API), @kubernetes-models/prometheus-operator and
// @kubernetes-models/cert-manager (`new Model(obj).validate()` throws on schema
// errors), and prints the parsed objects as one JSON array for the caller's
// assertions. Exits 1 listing every invalid or unknown object.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const MODULES = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
  "monitoring.coreos.com/v1": "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1",
  "cert-manager.io/v1": "@kubernetes-models/cert-manager/cert-manager.io/v1",
};

const parseOnly = process.argv[2] === "--parse";
const input = readFileSync(parseOnly ? process.argv[3] : (process.argv[2] ?? 0), "utf8");
if (parseOnly) {
  const docs = parseAllDocuments(input, { uniqueKeys: true, merge: false });
  for (const d of docs) if (d.errors.length) { console.error(d.errors.map((e) => e.message).join("\n")); process.exit(1); }
  process.stdout.write(JSON.stringify(docs.map((d) => d.toJS())));
  process.exit(0);
}
const errors = [];
const objects = [];
for (const doc of parseAllDocuments(input, { uniqueKeys: true, merge: false })) {
  if (doc.errors.length) {
    errors.push(`YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const obj = doc.toJS();
  if (obj === null || obj === undefined) continue;
  const id = `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name}`;
  const mod = MODULES[obj.apiVersion];
  if (!mod) {
    errors.push(`${id}: no schema for apiVersion ${obj.apiVersion}`);
    continue;
  }
  const models = await import(mod);
  const Model = models[obj.kind];
  if (typeof Model !== "function") {
    errors.push(`${id}: no model for kind ${obj.kind}`);
    continue;
  }
  try {
    new Model(obj).validate();
  } catch (e) {
    errors.push(`${id}: ${e.message}`);
  }
  objects.push(obj);
}
if (errors.length) {
  console.error(errors.join("\n"));
  process.exit(1);
}
process.stdout.write(JSON.stringify(objects));
