#!/usr/bin/env python3
"""Offline tests of the Helm chart helm/hermes-exporter (SPEC section 9).

    python3 tests/e2e/helm_test.py [-v]        # from anywhere; exits non-zero on failure

Runs scripts/helm-tools.sh first (installs helm and the node validators into
build/tools and tests/helm/node_modules, once). No cluster is needed:

- `helm lint --strict` and `helm template` over the defaults and every
  helm/hermes-exporter/ci/*-values.yaml (each mode; TLS from an existing Secret and from
  cert-manager; monitors, rules, dashboards, NetworkPolicy, PDB, extras, host network,
  icmp) and the sidecar parent example (hermes as a file:// dependency);
- every rendered object validated against the Kubernetes / prometheus-operator /
  cert-manager schemas (tests/helm/validate.mjs, kubernetes-models);
- the protections: Pod Security "restricted" on every pod and container in every mode,
  no NET_RAW unless icmp.mode=capability, token and TLS Secrets mounted as directories
  (no subPath), HTTPS probes with TLS, checksum annotation, monitors with tlsConfig and
  authorization, PrometheusRule = alerts/, dashboard ConfigMaps = dashboards/;
- values.schema.json and template checks reject bad values, naming the field;
- Chart.yaml's Artifact Hub metadata, and README.md's values table is what
  tests/helm/chart-readme.mjs generates from values.yaml;
- the Dockerfile's stages (an empty runtime base, the revision as a build argument) and
  the chart's default image is what the Dockerfile builds (scripts/image.sh builds and
  runs the image itself).

Python standard library only (YAML is parsed by the node validator).
"""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHART = os.path.join(ROOT, "helm", "hermes-exporter")
PARENT = os.path.join(ROOT, "helm", "examples", "sidecar-parent")
CI = os.path.join(CHART, "ci")
VALIDATE = os.path.join(ROOT, "tests", "helm", "validate.mjs")
RELEASE, NS = "hx", "netmon"
FULLNAME = f"{RELEASE}-hermes-exporter"
SVC_DNS = f"{FULLNAME}.{NS}.svc"
HELM = None
TMP = None
PARENT_COPY = None

TLS_EXISTING = {"tls": {"enabled": True, "existingSecret": "hermes-tls"}}
TLS_CM = {"tls": {"enabled": True, "certManager": {"enabled": True,
                                                    "issuerRef": {"name": "internal-ca", "kind": "ClusterIssuer"}}}}
MONITORS = {"serviceMonitor": {"enabled": True, "additionalLabels": {"release": "kube-prometheus-stack"}},
            "podMonitor": {"enabled": True, "additionalLabels": {"release": "kube-prometheus-stack"}},
            "prometheusRule": {"enabled": True}, "dashboards": {"enabled": True}}


def merge(*dicts):
    out = {}
    for d in dicts:
        for k, v in d.items():
            if isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = merge(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
    return out


# name -> values: the chart's defaults and every ci/*-values.yaml (loaded in setUpModule;
# chart-testing's convention, so `ct lint`/`ct install` use the same files).
MATRIX = {"default": {}}
PARENT_MATRIX = {
    "parent_default": {},
    "parent_native_tls_icmp": {"hermes-exporter": merge({"sidecar": {"native": True}, "icmp": {"enabled": True},
                                                         "podMonitor": {"enabled": True}}, TLS_CM)},
}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def write_values(values):
    fd, path = tempfile.mkstemp(suffix=".yaml", dir=TMP)
    with os.fdopen(fd, "w") as f:
        json.dump(values, f)  # JSON is YAML
    return path


def template(values, chart=CHART, extra=()):
    """helm template; returns (returncode, stdout, stderr)."""
    cmd = [HELM, "template", RELEASE, chart, "-n", NS, "-f", write_values(values), *extra]
    p = run(cmd)
    return p.returncode, p.stdout, p.stderr


def validate(manifests):
    p = run(["node", VALIDATE], input=manifests)
    if p.returncode != 0:
        raise AssertionError("schema validation failed:\n" + p.stderr)
    return json.loads(p.stdout)


def parse_yaml_file(path):
    p = run(["node", VALIDATE, "--parse", path])
    if p.returncode != 0:
        raise AssertionError(f"cannot parse {path}: {p.stderr}")
    return json.loads(p.stdout)


_cache = {}


def rendered(name):
    """Rendered and schema-validated objects of a matrix entry (cached)."""
    if name not in _cache:
        if name in MATRIX:
            rc, out, err = template(MATRIX[name])
        else:
            rc, out, err = template(PARENT_MATRIX[name], chart=PARENT_COPY)
        if rc != 0:
            raise AssertionError(f"helm template {name} failed: {err}")
        _cache[name] = validate(out)
    return _cache[name]


def values_of(name):
    if name in MATRIX:
        return MATRIX[name]
    return PARENT_MATRIX[name].get("hermes-exporter", {})


def extra_manifest_names(name):
    """metadata.name of the entry's extraManifests (strings: {{ .Release.Name }} expanded)."""
    out = set()
    for m in values_of(name).get("extraManifests", []):
        if isinstance(m, dict):
            out.add(m["metadata"]["name"])
        else:
            out.update(re.findall(r"(?m)^  name: (\S+)", m.replace("{{ .Release.Name }}", RELEASE)))
    return out


def kinds(objs, kind):
    return [o for o in objs if o["kind"] == kind]


def pod_specs(objs):
    """(owner description, pod spec, pod metadata) of every workload and Pod."""
    out = []
    for o in objs:
        if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet", "Job"):
            t = o["spec"]["template"]
            out.append((f'{o["kind"]}/{o["metadata"]["name"]}', t["spec"], t.get("metadata", {})))
        elif o["kind"] == "Pod":
            out.append((f'Pod/{o["metadata"]["name"]}', o["spec"], o["metadata"]))
    return out


def all_containers(spec):
    return list(spec.get("initContainers", [])) + list(spec.get("containers", []))


def hermes_container(spec):
    found = [c for c in all_containers(spec) if c["name"] == "hermes-exporter"]
    assert len(found) == 1, f"expected one hermes-exporter container, got {len(found)}"
    return found[0]


def hermes_pods(objs):
    return [(w, s, m) for w, s, m in pod_specs(objs)
            if any(c["name"] == "hermes-exporter" for c in all_containers(s))]


def setUpModule():
    global HELM, TMP, PARENT_COPY
    p = run([os.path.join(ROOT, "scripts", "helm-tools.sh"), "--check"])  # installs nothing
    if p.returncode != 0:
        raise RuntimeError("scripts/helm-tools.sh failed:\n" + p.stderr)
    HELM = p.stdout.strip().splitlines()[-1]
    TMP = tempfile.mkdtemp(prefix="hermes-helm-test-")
    # The parent example with its file:// dependency, built offline in a copy (so the
    # work tree gets no charts/ or Chart.lock).
    PARENT_COPY = os.path.join(TMP, "sidecar-parent")
    shutil.copytree(PARENT, PARENT_COPY, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    chart_yaml = os.path.join(PARENT_COPY, "Chart.yaml")
    with open(chart_yaml) as f:
        text = f.read()
    if "file://../../hermes-exporter" not in text:
        raise RuntimeError("the sidecar-parent example must depend on file://../../hermes-exporter")
    with open(chart_yaml, "w") as f:
        f.write(text.replace("file://../../hermes-exporter", "file://" + CHART))
    p = run([HELM, "dependency", "build", PARENT_COPY])
    if p.returncode != 0:
        raise RuntimeError("helm dependency build of the sidecar parent failed:\n" + p.stderr)
    for f in sorted(os.listdir(CI)):
        if f.endswith("-values.yaml"):
            MATRIX[f[:-len("-values.yaml")]] = parse_yaml_file(os.path.join(CI, f))[0] or {}


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)


class Lint(unittest.TestCase):
    def test_lint_strict(self):
        self.assertGreaterEqual(len(MATRIX), 10, "ci/*-values.yaml not loaded")
        for name in MATRIX:
            p = run([HELM, "lint", "--strict", CHART, "-n", NS, "-f", write_values(MATRIX[name])])
            self.assertEqual(p.returncode, 0, f"helm lint --strict ({name}):\n{p.stdout}{p.stderr}")

    def test_chart_metadata(self):
        p = run(["node", VALIDATE, "--parse", os.path.join(CHART, "Chart.yaml")])
        chart = json.loads(p.stdout)[0]
        self.assertEqual(chart["apiVersion"], "v2")
        self.assertEqual(chart["version"], "0.1.0")
        self.assertEqual(chart["appVersion"], "0.1.0")

    def test_parent_example_lints(self):
        p = run([HELM, "lint", "--strict", PARENT_COPY])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class Matrix(unittest.TestCase):
    """Every matrix entry renders and validates; the protections hold everywhere."""

    @property
    def ALL(self):  # noqa: N802 - reads like the constant it was
        return list(MATRIX) + list(PARENT_MATRIX)

    def test_all_render_and_validate(self):
        for name in self.ALL:
            with self.subTest(name):
                self.assertTrue(rendered(name))

    def test_labels(self):
        for name in MATRIX:
            for o in rendered(name):
                if o["metadata"]["name"] in extra_manifest_names(name):
                    continue  # the user's objects, as given
                with self.subTest(name, obj=o["metadata"]["name"], kind=o["kind"]):
                    labels = o["metadata"].get("labels", {})
                    for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance",
                                "app.kubernetes.io/managed-by", "helm.sh/chart"):
                        self.assertIn(key, labels)
                    if o["kind"] in ("Deployment", "DaemonSet"):
                        self.assertEqual(o["spec"]["selector"]["matchLabels"],
                                         {"app.kubernetes.io/name": "hermes-exporter",
                                          "app.kubernetes.io/instance": RELEASE})

    def test_workload_per_mode(self):
        for name in self.ALL:
            objs = rendered(name)
            mode = "sidecar" if name.startswith("parent") else values_of(name).get("mode", "deployment")
            with self.subTest(name):
                own = [o for o in objs if o["kind"] in ("Deployment", "DaemonSet")
                       and o["metadata"]["name"] == FULLNAME]
                if mode == "sidecar":
                    self.assertEqual(own, [], "mode sidecar renders no workload of its own")
                    self.assertEqual(kinds(objs, "ServiceAccount"), [])
                else:
                    self.assertEqual([o["kind"] for o in own],
                                     ["Deployment" if mode == "deployment" else "DaemonSet"])
                if name == "deployment-full":
                    self.assertEqual(own[0]["spec"]["replicas"], 2)

    def test_restricted_security_everywhere(self):
        for name in self.ALL:
            v = values_of(name)
            cap_mode = v.get("icmp", {}).get("enabled") and v.get("icmp", {}).get("mode") == "capability"
            pods = pod_specs(rendered(name))
            self.assertTrue(pods)
            for owner, spec, _ in pods:
                with self.subTest(name, pod=owner):
                    psc = spec.get("securityContext", {})
                    self.assertIs(psc.get("runAsNonRoot"), True)
                    self.assertEqual(psc.get("seccompProfile", {}).get("type"), "RuntimeDefault")
                    self.assertIs(spec.get("automountServiceAccountToken"), False)
                    for key in ("hostPID", "hostIPC"):
                        self.assertFalse(spec.get(key, False))
                    # host networking only for the DaemonSet that asks for it ("privileged")
                    self.assertEqual(spec.get("hostNetwork", False),
                                     bool(v.get("hostNetwork")) and owner.startswith("DaemonSet/"))
                    for c in all_containers(spec):
                        sc = c.get("securityContext", {})
                        self.assertIs(sc.get("allowPrivilegeEscalation"), False, c["name"])
                        self.assertIs(sc.get("readOnlyRootFilesystem"), True, c["name"])
                        self.assertFalse(sc.get("privileged", False), c["name"])
                        self.assertIn("ALL", sc.get("capabilities", {}).get("drop", []), c["name"])
                        self.assertIs(sc.get("runAsNonRoot", psc.get("runAsNonRoot")), True, c["name"])
                        self.assertEqual(sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type"),
                                         "RuntimeDefault", c["name"])
                        added = sc.get("capabilities", {}).get("add", [])
                        if c["name"] == "hermes-exporter" and cap_mode:
                            self.assertEqual(added, ["NET_RAW"])
                        else:
                            self.assertEqual(added, [], f"{c['name']} adds capabilities")
                        if c["name"] == "hermes-exporter":
                            self.assertEqual(sc.get("runAsUser"), 65532)

    def test_icmp(self):
        def sysctls(name):
            return [s for _, spec, _ in hermes_pods(rendered(name))
                    for s in spec.get("securityContext", {}).get("sysctls", [])]
        self.assertEqual(sysctls("deployment-icmp-sysctl"),
                         [{"name": "net.ipv4.ping_group_range", "value": "65532 65532"}])
        self.assertEqual(sysctls("parent_native_tls_icmp"),
                         [{"name": "net.ipv4.ping_group_range", "value": "65532 65532"}])
        self.assertEqual(sysctls("daemonset-icmp-capability"), [])
        self.assertEqual(sysctls("default"), [])

    def test_secrets_mounted_as_directories(self):
        for name in self.ALL:
            v = values_of(name)
            for owner, spec, _ in hermes_pods(rendered(name)):
                with self.subTest(name, pod=owner):
                    c = hermes_container(spec)
                    mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
                    for m in c.get("volumeMounts", []):
                        self.assertNotIn("subPath", m, f"{m['name']} uses subPath: updates would not reach the pod")
                        self.assertNotIn("subPathExpr", m)
                        self.assertTrue(m.get("readOnly"), m["name"])
                    vols = {x["name"]: x for x in spec["volumes"]}
                    if v.get("auth", {}).get("enabled", True):
                        m = mounts["/etc/hermes/token"]
                        self.assertIn("secret", vols[m["name"]])
                        self.assertIn("--web.bearer-token-file=/etc/hermes/token/token", c["args"])
                        self.assertEqual([i["path"] for i in vols[m["name"]]["secret"]["items"]], ["token"])
                    else:
                        self.assertNotIn("/etc/hermes/token", mounts)
                        self.assertFalse([a for a in c["args"] if a.startswith("--web.bearer-token-file")])
                    if v.get("tls", {}).get("enabled"):
                        m = mounts["/etc/hermes/tls"]
                        self.assertIn("secret", vols[m["name"]])
                    self.assertIn("configMap", vols[mounts["/etc/hermes/config"]["name"]])

    def test_volumes_refer_to_rendered_objects(self):
        for name in self.ALL:
            objs = rendered(name)
            v = values_of(name)
            have = {(o["kind"], o["metadata"]["name"]) for o in objs}
            external = {v.get("tls", {}).get("existingSecret"), v.get("auth", {}).get("existingSecret")}
            certs = {o["spec"]["secretName"] for o in kinds(objs, "Certificate")}
            for owner, spec, _ in hermes_pods(objs):
                for vol in spec["volumes"]:
                    with self.subTest(name, pod=owner, volume=vol["name"]):
                        if "configMap" in vol:
                            self.assertIn(("ConfigMap", vol["configMap"]["name"]), have)
                        if "secret" in vol:
                            sn = vol["secret"]["secretName"]
                            self.assertTrue(("Secret", sn) in have or sn in external or sn in certs, sn)

    def test_flags(self):
        for name in self.ALL:
            v = values_of(name)
            for owner, spec, _ in hermes_pods(rendered(name)):
                with self.subTest(name, pod=owner):
                    args = hermes_container(spec)["args"]
                    self.assertIn("--config.file=/etc/hermes/config/hermes.yml", args)
                    self.assertIn("--web.listen-address=:10516", args)
                    tls = v.get("tls", {}).get("enabled", False)
                    self.assertEqual("--web.config.file=/etc/hermes/web/web.yml" in args, tls)
                    log = v.get("log", {})
                    self.assertIn(f"--log.level={log.get('level', 'info')}", args)
                    self.assertIn(f"--log.format={log.get('format', 'logfmt')}", args)
                    self.assertEqual("--web.enable-lifecycle" in args, bool(v.get("enableLifecycle")))
                    for extra in v.get("extraArgs", []):
                        self.assertIn(extra, args)

    def test_web_config(self):
        objs = rendered("deployment-full")
        web = [o for o in objs if o["kind"] == "ConfigMap" and "web.yml" in o.get("data", {})]
        self.assertEqual(len(web), 1)
        text = web[0]["data"]["web.yml"]
        self.assertIn("cert_file: /etc/hermes/tls/tls.crt", text)
        self.assertIn("key_file: /etc/hermes/tls/tls.key", text)
        self.assertFalse([o for o in rendered("default") if "web.yml" in o.get("data", {})])

    def test_probes_scheme(self):
        for name in self.ALL:
            want = "HTTPS" if values_of(name).get("tls", {}).get("enabled") else "HTTP"
            for owner, spec, _ in hermes_pods(rendered(name)):
                with self.subTest(name, pod=owner):
                    c = hermes_container(spec)
                    self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/-/healthy")
                    self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/-/ready")
                    self.assertEqual(c["livenessProbe"]["httpGet"]["scheme"], want)
                    self.assertEqual(c["readinessProbe"]["httpGet"]["scheme"], want)
                    self.assertEqual(c["resources"]["requests"], {"cpu": "50m", "memory": "64Mi"})
                    self.assertEqual(c["resources"]["limits"], {"memory": "256Mi"})

    def test_native_sidecar(self):
        for name, native in (("parent_default", False), ("parent_native_tls_icmp", True)):
            (_, spec, _), = hermes_pods(rendered(name))
            in_init = [c for c in spec.get("initContainers", []) if c["name"] == "hermes-exporter"]
            self.assertEqual(bool(in_init), native, name)
            if native:
                self.assertEqual(in_init[0]["restartPolicy"], "Always")

    def test_sidecar_parent_selects_pods(self):
        for name in PARENT_MATRIX:
            objs = rendered(name)
            (_, spec, meta), = hermes_pods(objs)
            svc = [o for o in kinds(objs, "Service") if o["metadata"]["name"] == FULLNAME]
            self.assertEqual(len(svc), 1)
            for k, val in svc[0]["spec"]["selector"].items():
                self.assertEqual(meta["labels"].get(k), val, f"{name}: the Service does not select the parent's pods")
            self.assertIn("checksum/config", meta.get("annotations", {}))


class CommunityShape(unittest.TestCase):
    """What the prometheus-community charts offer: registry, PDB, extras, host network,
    scrape limits, Artifact Hub metadata, a README generated from values.yaml."""

    def test_image_registry(self):
        (_, spec, _), = hermes_pods(rendered("deployment-extras"))
        self.assertEqual(hermes_container(spec)["image"],
                         "registry.example.com/netmon/hermes-exporter:0.1.0")
        rc, out, err = template({"image": {"registry": "registry.example.com:5000/", "digest": "sha256:" + "a" * 64},
                                 "test": {"image": {"registry": "mirror.example.com"}}})
        self.assertEqual(rc, 0, err)
        objs = validate(out)
        (_, spec, _), = hermes_pods(objs)
        self.assertEqual(hermes_container(spec)["image"],
                         "registry.example.com:5000/hermes-exporter@sha256:" + "a" * 64)
        pod, = kinds(objs, "Pod")
        self.assertEqual(pod["spec"]["containers"][0]["image"], "mirror.example.com/curlimages/curl:8.11.1")

    def test_pod_disruption_budget(self):
        pdb, = kinds(rendered("deployment-full"), "PodDisruptionBudget")
        dep, = kinds(rendered("deployment-full"), "Deployment")
        self.assertEqual(pdb["spec"]["maxUnavailable"], 1)
        self.assertEqual(pdb["spec"]["selector"], dep["spec"]["selector"])
        self.assertEqual(kinds(rendered("default"), "PodDisruptionBudget"), [])

    def test_extra_containers_volumes_manifests(self):
        objs = rendered("deployment-extras")
        (_, spec, _), = hermes_pods(objs)
        self.assertEqual([c["name"] for c in spec["containers"]], ["hermes-exporter", "pause"])
        self.assertIn({"name": "probe-ca", "configMap": {"name": "probe-ca"}}, spec["volumes"])
        self.assertIn({"name": "probe-ca", "mountPath": "/etc/hermes/probe-ca", "readOnly": True},
                      hermes_container(spec)["volumeMounts"])
        cms = {o["metadata"]["name"]: o for o in kinds(objs, "ConfigMap")}
        self.assertIn("probe-ca", cms)  # an object, as given
        self.assertEqual(cms[f"{RELEASE}-notes"]["data"], {"release": RELEASE})  # a string, through tpl

    def test_host_network_daemonset(self):
        objs = rendered("daemonset-hostnetwork")
        (owner, spec, _), = hermes_pods(objs)
        self.assertTrue(owner.startswith("DaemonSet/"))
        self.assertIs(spec["hostNetwork"], True)
        self.assertEqual(spec["dnsPolicy"], "ClusterFirstWithHostNet")
        self.assertNotIn("sysctls", spec["securityContext"])
        c = hermes_container(spec)
        self.assertEqual(c["ports"][0]["containerPort"], 10516)
        self.assertEqual(c["securityContext"]["capabilities"]["add"], ["NET_RAW"])
        svc, = [o for o in kinds(objs, "Service") if o["metadata"]["name"] == FULLNAME]
        self.assertEqual(svc["spec"]["internalTrafficPolicy"], "Local")

    def test_scrape_limits(self):
        objs = rendered("deployment-full")
        sm, = kinds(objs, "ServiceMonitor")
        pm, = kinds(objs, "PodMonitor")
        self.assertEqual((sm["spec"]["sampleLimit"], sm["spec"]["labelLimit"]), (3000, 20))
        self.assertEqual(pm["spec"]["sampleLimit"], 3000)
        self.assertNotIn("labelLimit", pm["spec"])
        for m in kinds(rendered("deployment-plain-monitors"), "ServiceMonitor"):
            for k in ("sampleLimit", "labelLimit", "labelNameLengthLimit", "labelValueLengthLimit"):
                self.assertNotIn(k, m["spec"])
        self.assertEqual(kinds(rendered("deployment-full"), "ServiceMonitor")[0]["spec"]["endpoints"][0]
                         .get("metricRelabelings"), None)

    def test_chart_metadata(self):
        chart = parse_yaml_file(os.path.join(CHART, "Chart.yaml"))[0]
        self.assertRegex(chart["icon"], r"^https://\S+\.svg$")
        self.assertTrue(os.path.exists(os.path.join(ROOT, "docs", chart["icon"].rsplit("/", 1)[1])))
        self.assertTrue(chart["maintainers"] and chart["maintainers"][0]["name"])
        ann = chart["annotations"]
        self.assertEqual(ann["artifacthub.io/license"], "Apache-2.0")
        path = os.path.join(TMP, "ah.yaml")
        for key in ("artifacthub.io/images", "artifacthub.io/links", "artifacthub.io/changes"):
            with open(path, "w") as f:
                f.write(ann[key])
            items = parse_yaml_file(path)[0]
            self.assertTrue(items and all(isinstance(i, dict) for i in items), key)
            if key.endswith("images"):
                # the images this chart really deploys by default
                (_, spec, _), = hermes_pods(rendered("default"))
                pod, = kinds(rendered("default"), "Pod")
                self.assertEqual(sorted(i["image"] for i in items),
                                 sorted([hermes_container(spec)["image"], pod["spec"]["containers"][0]["image"]]))
            if key.endswith("changes"):
                for i in items:
                    self.assertIn(i["kind"], ("added", "changed", "deprecated", "removed", "fixed", "security"))

    def test_readme_generated_from_values(self):
        gen = os.path.join(ROOT, "tests", "helm", "chart-readme.mjs")
        p = run(["node", gen, "--check"])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(CHART, "README.md")) as f:
            text = f.read()
        for key in ("image.registry", "hostNetwork", "podDisruptionBudget", "extraManifests",
                    "serviceMonitor.sampleLimit"):
            self.assertIn(f"| `{key}` |", text)
        # A key without a description is an error naming it; a changed one is noticed.
        copy_dir = os.path.join(TMP, "readme-chart")
        shutil.copytree(CHART, copy_dir)
        with open(os.path.join(copy_dir, "values.yaml"), "a") as f:
            f.write("\nundocumentedKey: 1\n")
        p = run(["node", gen, "--chart", copy_dir])
        self.assertEqual(p.returncode, 1)
        self.assertIn("undocumentedKey", p.stderr)
        with open(os.path.join(copy_dir, "values.yaml"), "a") as f:
            f.write("# -- Now documented.\nanotherKey: 2\n")
        with open(os.path.join(copy_dir, "values.yaml")) as f:
            fixed = f.read().replace("\nundocumentedKey: 1\n", "\n")
        with open(os.path.join(copy_dir, "values.yaml"), "w") as f:
            f.write(fixed)
        self.assertEqual(run(["node", gen, "--chart", copy_dir, "--check"]).returncode, 1)
        self.assertEqual(run(["node", gen, "--chart", copy_dir]).returncode, 0)
        with open(os.path.join(copy_dir, "README.md")) as f:
            self.assertIn("| `anotherKey` | int | `2` | Now documented. |", f.read())


class Checksums(unittest.TestCase):
    def test_checksum_annotation_rolls_pods(self):
        def checksum(values, chart=CHART):
            rc, out, err = template(values, chart=chart)
            self.assertEqual(rc, 0, err)
            (_, _, meta), = hermes_pods(validate(out))
            return meta["annotations"]["checksum/config"]
        base = checksum({})
        changed = checksum({"config": {"global": {"scrape_interval": "30s"},
                                       "probes": [{"name": "x", "kind": "tcp", "address": "127.0.0.1:1"}]}})
        self.assertRegex(base, r"^[0-9a-f]{64}$")
        self.assertNotEqual(base, changed)
        self.assertEqual(base, checksum({"mode": "daemonset"}))
        p1 = checksum({}, chart=PARENT_COPY)
        p2 = checksum({"hermes-exporter": {"config": {"global": {"scrape_interval": "1m"}}}}, chart=PARENT_COPY)
        self.assertNotEqual(p1, p2)

    def test_config_map_is_the_config_value(self):
        objs = rendered("default")
        cm, = [o for o in objs if o["kind"] == "ConfigMap" and "hermes.yml" in o.get("data", {})]
        path = os.path.join(TMP, "hermes.yml")
        with open(path, "w") as f:
            f.write(cm["data"]["hermes.yml"])
        self.assertEqual(parse_yaml_file(path)[0]["probes"][0]["name"], "self")
        # When a hermes-exporter binary has been built, it must accept the default config.
        exe = os.environ.get("HERMES_EXPORTER") or next(
            (p for p in (os.path.join(ROOT, "build", d, "hermes-exporter") for d in ("release", "lead", "debug"))
             if os.access(p, os.X_OK)), None)
        if exe:
            p = run([exe, "--config.check", f"--config.file={path}"])
            self.assertEqual(p.returncode, 0, f"{exe} --config.check rejects the chart's default config:\n{p.stderr}")


class Monitoring(unittest.TestCase):
    def test_service_monitor(self):
        for name, tls, auth in (("deployment-full", True, True), ("daemonset-certmanager", True, True),
                                ("deployment-plain-monitors", False, False), ("sidecar", True, True)):
            objs = rendered(name)
            sm, = kinds(objs, "ServiceMonitor")
            pm, = kinds(objs, "PodMonitor")
            with self.subTest(name):
                self.assertEqual(sm["metadata"]["labels"]["release"], "kube-prometheus-stack")
                self.assertEqual(pm["metadata"]["labels"]["release"], "kube-prometheus-stack")
                for ep in (sm["spec"]["endpoints"][0], pm["spec"]["podMetricsEndpoints"][0]):
                    self.assertEqual(ep["interval"], "15s")
                    self.assertEqual(ep["scrapeTimeout"], "15s")
                    self.assertEqual(ep["path"], "/metrics")
                    self.assertEqual(ep["scheme"], "https" if tls else "http")
                    if tls:
                        self.assertEqual(ep["tlsConfig"]["serverName"], SVC_DNS)
                        ca = ep["tlsConfig"]["ca"]["secret"]
                        self.assertEqual(ca["key"], "ca.crt")
                        self.assertEqual(ca["name"], "hermes-tls" if "existingSecret" in values_of(name)["tls"]
                                         else f"{FULLNAME}-tls")
                    else:
                        self.assertNotIn("tlsConfig", ep)
                    if auth:
                        self.assertEqual(ep["authorization"]["type"], "Bearer")
                        self.assertEqual(ep["authorization"]["credentials"],
                                         {"name": f"{FULLNAME}-token", "key": "token"})
                    else:
                        self.assertNotIn("authorization", ep)
                svc = [o for o in kinds(objs, "Service") if o["metadata"]["name"] == FULLNAME][0]
                for k, val in sm["spec"]["selector"]["matchLabels"].items():
                    self.assertEqual(svc["metadata"]["labels"][k], val)
                self.assertIn("hermes", svc["metadata"]["labels"][sm["spec"]["jobLabel"]],
                              "the job label must contain 'hermes' for the shipped alerts")

    def test_interval_follows_config(self):
        rc, out, err = template(merge(MONITORS, {"config": {"global": {"scrape_interval": "1m"}, "probes": []}}))
        self.assertEqual(rc, 0, err)
        sm, = kinds(validate(out), "ServiceMonitor")
        self.assertEqual(sm["spec"]["endpoints"][0]["interval"], "1m")

    def test_certificate(self):
        cert, = kinds(rendered("daemonset-certmanager"), "Certificate")
        self.assertEqual(cert["spec"]["dnsNames"][:4], [FULLNAME, f"{FULLNAME}.{NS}", SVC_DNS,
                                                         f"{SVC_DNS}.cluster.local"])
        self.assertEqual(cert["spec"]["issuerRef"], {"name": "internal-ca", "kind": "ClusterIssuer",
                                                     "group": "cert-manager.io"})
        self.assertEqual(cert["spec"]["secretName"], f"{FULLNAME}-tls")
        self.assertEqual(kinds(rendered("deployment-full"), "Certificate"), [])

    def test_prometheus_rule_equals_alerts(self):
        rule, = kinds(rendered("deployment-full"), "PrometheusRule")
        want = []
        for f in ("hermes-alerts.yml", "hermes-recording.yml"):
            want += parse_yaml_file(os.path.join(ROOT, "alerts", f))[0]["groups"]
        self.assertEqual(rule["spec"]["groups"], want)
        text = json.dumps(rule)
        self.assertIn("{{ $labels.instance }}", text, "Prometheus templates must survive helm untouched")

    def test_chart_copies_equal_sources(self):
        pairs = [(os.path.join(ROOT, "alerts", f), os.path.join(CHART, "files", f))
                 for f in ("hermes-alerts.yml", "hermes-recording.yml")]
        src_dash = sorted(f for f in os.listdir(os.path.join(ROOT, "dashboards")) if f.endswith(".json"))
        chart_dash = sorted(os.listdir(os.path.join(CHART, "files", "dashboards")))
        self.assertEqual(src_dash, chart_dash, "run scripts/mixin.sh")
        pairs += [(os.path.join(ROOT, "dashboards", f), os.path.join(CHART, "files", "dashboards", f))
                  for f in src_dash]
        for src, dst in pairs:
            with open(src, "rb") as a, open(dst, "rb") as b:
                self.assertEqual(hashlib.sha256(a.read()).hexdigest(), hashlib.sha256(b.read()).hexdigest(),
                                 f"{os.path.relpath(dst, ROOT)} differs from {os.path.relpath(src, ROOT)}: "
                                 "run scripts/mixin.sh")

    def test_dashboards(self):
        cms = [o for o in rendered("deployment-full") if o["kind"] == "ConfigMap"
               and o["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
        names = sorted(f for f in os.listdir(os.path.join(ROOT, "dashboards")) if f.endswith(".json"))
        self.assertEqual(sorted(k for cm in cms for k in cm["data"]), names)
        for cm in cms:
            self.assertEqual(cm["metadata"]["annotations"]["grafana_folder"], "Network")
            for key, text in cm["data"].items():
                with open(os.path.join(ROOT, "dashboards", key)) as f:
                    self.assertEqual(text.rstrip("\n"), f.read().rstrip("\n"))
                json.loads(text)
        rc, out, err = template({"dashboards": {"enabled": True, "label": "hermes_dash", "labelValue": "yes",
                                                "folderAnnotation": "k8s-sidecar-target-directory",
                                                "folder": "/tmp/dashboards/hermes"}})
        self.assertEqual(rc, 0, err)
        cms = [o for o in validate(out) if o["metadata"].get("labels", {}).get("hermes_dash") == "yes"]
        self.assertEqual(len(cms), len(names))
        self.assertEqual(cms[0]["metadata"]["annotations"]["k8s-sidecar-target-directory"], "/tmp/dashboards/hermes")

    def test_optional_objects_off_by_default(self):
        got = {o["kind"] for o in rendered("default")}
        for kind in ("ServiceMonitor", "PodMonitor", "PrometheusRule", "NetworkPolicy", "Certificate"):
            self.assertNotIn(kind, got)

    def test_network_policy(self):
        for name in ("deployment-full", "daemonset-certmanager"):
            np, = kinds(rendered(name), "NetworkPolicy")
            spec = np["spec"]
            self.assertEqual(spec["podSelector"]["matchLabels"],
                             {"app.kubernetes.io/name": "hermes-exporter", "app.kubernetes.io/instance": RELEASE})
            first = spec["ingress"][0]
            self.assertEqual(first["from"][0]["namespaceSelector"],
                             {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}})
            self.assertEqual(first["ports"], [{"port": 10516, "protocol": "TCP"}])
            self.assertEqual(spec["policyTypes"], ["Ingress", "Egress"])
            self.assertIn({"ipBlock": {"cidr": "192.0.2.0/24"}}, [t for r in spec["egress"] for t in r.get("to", [])])
            # the helm test Pod is admitted and matches the rule's selector
            test_pod, = kinds(rendered(name), "Pod")
            sel = spec["ingress"][1]["from"][0]["podSelector"]["matchLabels"]
            for k, val in sel.items():
                self.assertEqual(test_pod["metadata"]["labels"][k], val)


class HelmTestHook(unittest.TestCase):
    def test_hook_pod(self):
        for name in ("default", "deployment-full", "sidecar", "deployment-plain-monitors"):
            v = values_of(name)
            pod, = kinds(rendered(name), "Pod")
            with self.subTest(name):
                self.assertEqual(pod["metadata"]["annotations"]["helm.sh/hook"], "test")
                spec = pod["spec"]
                self.assertEqual(spec["restartPolicy"], "Never")
                scheme = "https" if v.get("tls", {}).get("enabled") else "http"
                health, = spec["initContainers"]
                metrics, = spec["containers"]
                self.assertEqual(health["args"][-1], f"{scheme}://{SVC_DNS}:10516/-/healthy")
                self.assertEqual(metrics["args"][-1], f"{scheme}://{SVC_DNS}:10516/metrics")
                for c in (health, metrics):
                    self.assertIn("--fail", c["args"])
                    self.assertEqual("--cacert" in c["args"], scheme == "https")
                if v.get("auth", {}).get("enabled", True):
                    self.assertIn("Authorization: Bearer $(HERMES_TOKEN)", metrics["args"])
                    self.assertEqual(metrics["env"][0]["valueFrom"]["secretKeyRef"],
                                     {"name": f"{FULLNAME}-token", "key": "token"})
                self.assertNotIn("env", health)
                # the test Pod must not be selected (or adopted) by the workload
                labels = pod["metadata"]["labels"]
                self.assertNotEqual(labels.get("app.kubernetes.io/name"), "hermes-exporter")
        self.assertEqual(kinds(rendered("deployment-minimal"), "Pod"), [])

    def test_curl_image_configurable(self):
        rc, out, err = template({"test": {"image": {"repository": "registry.local/tools/curl", "tag": "8.5.0"}}})
        self.assertEqual(rc, 0, err)
        pod, = kinds(validate(out), "Pod")
        self.assertEqual(pod["spec"]["containers"][0]["image"], "registry.local/tools/curl:8.5.0")


class Notes(unittest.TestCase):
    def notes(self, values):
        p = run([HELM, "install", "--dry-run=client", RELEASE, CHART, "-n", NS, "-f", write_values(values)])
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.split("NOTES:", 1)[1]

    def test_notes_explain_access(self):
        text = self.notes(TLS_EXISTING)
        self.assertIn(f"port-forward svc/{FULLNAME} 10516:10516", text)
        self.assertIn(f"get secret {FULLNAME}-token", text)
        self.assertIn('-H "Authorization: Bearer $TOKEN"', text)
        self.assertIn("--cacert", text)
        self.assertIn(f"https://{SVC_DNS}:10516/metrics", text)
        plain = self.notes({})
        self.assertIn('curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:10516/metrics', plain)


class Rejections(unittest.TestCase):
    """Bad values fail `helm template`, and the error names the field."""

    CASES = [
        ({"mode": "bogus"}, "/mode"),
        ({"replicas": -1}, "/replicas"),
        ({"config": {"global": {"scrape_interval": "15 seconds"}}}, "/config/global/scrape_interval"),
        ({"config": {"global": {"scrape_interval": 15}}}, "/config/global/scrape_interval"),
        ({"config": {"global": {"scrape_interval": "15s"}, "probes": [{"name": "a", "kind": "tcp",
                                                                        "interval": "1 min"}]}},
         "/config/probes/0/interval"),
        ({"config": {"global": {"scrape_interval": "15s"}, "probes": [{"name": "Bad-Name", "kind": "tcp"}]}},
         "/config/probes/0/name"),
        ({"image": {"tag": "v1 latest"}}, "/image/tag"),
        ({"image": {"repository": ""}}, "/image/repository"),
        ({"image": {"repository": None}}, "repository"),
        ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        ({"port": 0}, "/port"),
        ({"port": 70000}, "/port"),
        ({"log": {"level": "trace"}}, "/log/level"),
        ({"log": {"format": "xml"}}, "/log/format"),
        ({"icmp": {"enabled": True, "mode": "raw"}}, "/icmp/mode"),
        ({"securityContext": {"allowPrivilegeEscalation": True}}, "/securityContext/allowPrivilegeEscalation"),
        ({"securityContext": {"privileged": True}}, "/securityContext/privileged"),
        ({"securityContext": {"capabilities": {"drop": []}}}, "/securityContext/capabilities/drop"),
        ({"securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}, "/securityContext/capabilities/add"),
        ({"podSecurityContext": {"runAsNonRoot": False}}, "/podSecurityContext/runAsNonRoot"),
        ({"serviceMonitor": {"enabled": True, "scrapeTimeout": "ten"}}, "/serviceMonitor/scrapeTimeout"),
        ({"tls": {"enabled": True, "certManager": {"enabled": True, "issuerRef": {"name": "x", "kind": "Vault"}}}},
         "/tls/certManager/issuerRef/kind"),
        ({"replica": 2}, "replica"),
        ({"extraArgs": ["config.file=/x"]}, "/extraArgs/0"),
        # template checks
        ({"tls": {"enabled": True}}, "tls.existingSecret or tls.certManager"),
        ({"tls": {"enabled": True, "certManager": {"enabled": True}}}, "tls.certManager.issuerRef.name"),
        ({"tls": {"enabled": True, "existingSecret": "x", "certManager": {"enabled": True,
                                                                          "issuerRef": {"name": "i"}}}},
         "mutually exclusive"),
        ({"mode": "sidecar", "networkPolicy": {"enabled": True}}, "networkPolicy.enabled"),
        ({"serviceMonitor": {"enabled": True}, "service": {"enabled": False}}, "service.enabled"),
        ({"hostNetwork": True}, "hostNetwork is for mode daemonset"),
        ({"mode": "daemonset", "hostNetwork": True, "networkPolicy": {"enabled": True}}, "NetworkPolicies do not apply"),
        ({"mode": "daemonset", "hostNetwork": True, "icmp": {"enabled": True}}, "icmp.mode capability"),
        ({"mode": "daemonset", "podDisruptionBudget": {"maxUnavailable": 1}}, "podDisruptionBudget is for mode deployment"),
        ({"podDisruptionBudget": {"maxSurge": 1}}, "/podDisruptionBudget"),
        ({"mode": "sidecar", "extraContainers": [{"name": "x", "image": "x"}]}, "extraContainers"),
        ({"extraContainers": [{"name": "x"}]}, "/extraContainers/0"),
        ({"image": {"registry": "Registry.Example.com"}}, "/image/registry"),
        ({"serviceMonitor": {"sampleLimit": -1}}, "/serviceMonitor/sampleLimit"),
    ]

    def test_bad_values_rejected(self):
        for values, field in self.CASES:
            with self.subTest(values=values):
                rc, _, err = template(values)
                self.assertNotEqual(rc, 0, f"accepted bad values {values}")
                self.assertIn(field, err)

    def test_parent_values_checked_too(self):
        rc, _, err = template({"hermes-exporter": {"mode": "bogus"}}, chart=PARENT_COPY)
        self.assertNotEqual(rc, 0)
        self.assertIn("mode", err)


class Dockerfile(unittest.TestCase):
    PATH = os.path.join(ROOT, "Dockerfile")

    def read(self):
        with open(self.PATH) as f:
            return f.read()

    def runtime_stage(self):
        text = self.read()
        stages = re.split(r"(?im)^FROM\s+", text)
        return stages[-1]

    def test_runtime_stage(self):
        text = self.read()
        self.assertRegex(text, r"(?m)^ARG BASE=debian:12\s*$")
        self.assertRegex(text, r"(?im)^FROM\s+\$\{BASE\}\s+AS\s+build")
        self.assertIn("scripts/build.sh -DHERMES_TESTS=OFF", text)
        # .dockerignore drops .git: the revision must come in as a build argument.
        self.assertRegex(text, r'-DHERMES_REVISION="\$\{REVISION\}"')
        rt = self.runtime_stage()
        self.assertRegex(rt, r"^scratch\s")  # no shell, no package manager
        self.assertNotRegex(rt, r"(?m)^RUN\b")
        self.assertRegex(rt, r"(?m)^USER\s+65532(:65532)?\s*$")
        self.assertRegex(rt, r'(?m)^ENTRYPOINT\s+\["/usr/bin/hermes-exporter"\]')
        self.assertRegex(rt, r'(?m)^CMD\s+\["--config.file=/etc/hermes/config/hermes.yml"\]')
        self.assertRegex(rt, r"(?m)^EXPOSE\s+10516")
        self.assertRegex(rt, r"(?m)^COPY --from=build /runtime/ /")
        # what the runtime root gets: libraries by ldd, CA bundle, the default config
        build = text.split("FROM scratch", 1)[0]
        for needle in ("ldd ", "ca-certificates.crt", "config/hermes.default.yml",
                       '"$rt/etc/hermes/config/hermes.yml"', "65532"):
            self.assertIn(needle, build)

    def test_chart_default_image_matches_dockerfile(self):
        p = run(["node", VALIDATE, "--parse", os.path.join(CHART, "values.yaml")])
        values = json.loads(p.stdout)[0]
        self.assertEqual(values["image"]["repository"], "hermes-exporter")
        self.assertEqual(values["image"]["tag"], "")  # = appVersion 0.1.0
        self.assertRegex(self.read(), r"(?m)^#\s+-t hermes-exporter:0.1.0 \.$")
        with open(os.path.join(ROOT, "scripts", "image.sh")) as f:
            self.assertIn("docker-archive:$archive:hermes-exporter:$version", f.read())
        (_, spec, _), = hermes_pods(rendered("default"))
        self.assertEqual(hermes_container(spec)["image"], "hermes-exporter:0.1.0")


if __name__ == "__main__":
    unittest.main()
