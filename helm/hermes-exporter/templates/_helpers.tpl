{{/*
Naming and labels. Every helper takes a context with .Values, .Release and .Chart (the
chart's own root context, or the one "hermes-exporter.sidecarContext" builds for a
parent chart), so the sidecar templates compute the same names as this chart does.
*/}}

{{- define "hermes-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hermes-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hermes-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hermes-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hermes-exporter.labels" -}}
helm.sh/chart: {{ include "hermes-exporter.chart" . }}
{{ include "hermes-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: exporter
app.kubernetes.io/part-of: hermes
{{- end }}

{{/* Label a parent's pods carry in sidecar mode (see sidecar.podSelector). */}}
{{- define "hermes-exporter.sidecarLabelKey" -}}hermes-exporter/sidecar{{- end }}

{{/* Labels that select the pods running hermes, in every mode. */}}
{{- define "hermes-exporter.podSelectorLabels" -}}
{{- if ne .Values.mode "sidecar" }}
{{- include "hermes-exporter.selectorLabels" . }}
{{- else if .Values.sidecar.podSelector }}
{{- toYaml .Values.sidecar.podSelector }}
{{- else }}
{{- include "hermes-exporter.sidecarLabelKey" . }}: {{ include "hermes-exporter.fullname" . }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hermes-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* [registry/]repository:tag, or [registry/]repository@digest when a digest is set, of
an image value (image, test.image); the tag defaults to .default. */}}
{{- define "hermes-exporter.imageRef" -}}
{{- $img := .image }}
{{- $repo := $img.repository }}
{{- if $img.registry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo }}
{{- end }}
{{- if $img.digest }}
{{- printf "%s@%s" $repo $img.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .default $img.tag) }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.image" -}}
{{- include "hermes-exporter.imageRef" (dict "image" .Values.image "default" .Chart.AppVersion) }}
{{- end }}

{{/* ---- Secrets, config maps, DNS names ---- */}}

{{- define "hermes-exporter.configMapName" -}}
{{- printf "%s-config" (include "hermes-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hermes-exporter.webConfigName" -}}
{{- printf "%s-web" (include "hermes-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hermes-exporter.tokenSecretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else }}
{{- printf "%s-token" (include "hermes-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else }}
{{- printf "%s-tls" (include "hermes-exporter.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.caSecretName" -}}
{{- default (include "hermes-exporter.tlsSecretName" .) .Values.tls.ca.secretName }}
{{- end }}

{{- define "hermes-exporter.serviceName" -}}
{{- include "hermes-exporter.fullname" . }}
{{- end }}

{{/* The name the certificate is issued for and that scrapers verify (serverName). */}}
{{- define "hermes-exporter.serviceDNSName" -}}
{{- printf "%s.%s.svc" (include "hermes-exporter.serviceName" .) .Release.Namespace }}
{{- end }}

{{- define "hermes-exporter.scheme" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/* config.global.scrape_interval, the interval the monitors scrape at. */}}
{{- define "hermes-exporter.scrapeInterval" -}}
{{- $global := .Values.config.global | default dict }}
{{- default "15s" $global.scrape_interval }}
{{- end }}

{{/* Whether a web config file is rendered (TLS on). */}}
{{- define "hermes-exporter.webConfigEnabled" -}}
{{- if .Values.tls.enabled }}true{{ end }}
{{- end }}

{{/* Checks of combinations that the JSON schema cannot express well. */}}
{{- define "hermes-exporter.validate" -}}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) (not .Values.tls.certManager.enabled) }}
{{- fail "tls.enabled needs a certificate: set tls.existingSecret or tls.certManager.enabled" }}
{{- end }}
{{- if and .Values.tls.existingSecret .Values.tls.certManager.enabled }}
{{- fail "tls.existingSecret and tls.certManager.enabled are mutually exclusive" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.certManager.issuerRef.name) }}
{{- fail "tls.certManager.issuerRef.name is required when tls.certManager.enabled" }}
{{- end }}
{{- if and .Values.networkPolicy.enabled (eq .Values.mode "sidecar") }}
{{- fail "networkPolicy.enabled is not supported with mode sidecar: a policy selecting the parent's pods would isolate the parent's own ports; add the metrics-port rule to the parent's NetworkPolicy instead" }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not .Values.service.enabled) }}
{{- fail "serviceMonitor.enabled needs service.enabled" }}
{{- end }}
{{- if and .Values.hostNetwork (ne .Values.mode "daemonset") }}
{{- fail "hostNetwork is for mode daemonset (each node's own network path)" }}
{{- end }}
{{- if and .Values.hostNetwork .Values.networkPolicy.enabled }}
{{- fail "hostNetwork and networkPolicy.enabled do not mix: NetworkPolicies do not apply to host-network pods; restrict the node's port with its firewall" }}
{{- end }}
{{- if and .Values.hostNetwork .Values.icmp.enabled (eq .Values.icmp.mode "sysctl") }}
{{- fail "hostNetwork with icmp.enabled needs icmp.mode capability: the pod sysctl net.ipv4.ping_group_range is not allowed with host networking (or set it on the nodes and leave icmp.enabled off)" }}
{{- end }}
{{- if and .Values.podDisruptionBudget (ne .Values.mode "deployment") }}
{{- fail "podDisruptionBudget is for mode deployment (a DaemonSet's pods are not evicted by drains; in mode sidecar the parent owns the pods)" }}
{{- end }}
{{- if and .Values.extraContainers (eq .Values.mode "sidecar") }}
{{- fail "extraContainers is not available in mode sidecar: the parent chart owns the pod" }}
{{- end }}
{{- $cfg := .Values.config | default dict }}
{{- if not (kindIs "map" $cfg) }}
{{- fail "config must be a map (the contents of hermes.yml)" }}
{{- end }}
{{- end }}

{{/* ---- The hermes container, shared by every mode ---- */}}

{{- define "hermes-exporter.args" -}}
- --config.file=/etc/hermes/config/hermes.yml
- --web.listen-address=:{{ .Values.port }}
{{- if include "hermes-exporter.webConfigEnabled" . }}
- --web.config.file=/etc/hermes/web/web.yml
{{- end }}
{{- if .Values.auth.enabled }}
- --web.bearer-token-file=/etc/hermes/token/token
{{- end }}
- --log.level={{ .Values.log.level }}
- --log.format={{ .Values.log.format }}
{{- if .Values.enableLifecycle }}
- --web.enable-lifecycle
{{- end }}
{{- range .Values.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.containerSecurityContext" -}}
{{- $sc := deepCopy .Values.securityContext }}
{{- if and .Values.icmp.enabled (eq .Values.icmp.mode "capability") }}
{{- $caps := $sc.capabilities | default dict }}
{{- $_ := set $caps "add" (list "NET_RAW") }}
{{- $_ := set $sc "capabilities" $caps }}
{{- end }}
{{- toYaml $sc }}
{{- end }}

{{- define "hermes-exporter.podSecurityContext" -}}
{{- $sc := deepCopy .Values.podSecurityContext }}
{{- if and .Values.icmp.enabled (eq .Values.icmp.mode "sysctl") }}
{{- $gid := int64 (default 65532 $sc.runAsGroup) }}
{{- $sysctls := list }}
{{- range ($sc.sysctls | default list) }}
{{- if ne .name "net.ipv4.ping_group_range" }}
{{- $sysctls = append $sysctls . }}
{{- end }}
{{- end }}
{{- $sysctls = append $sysctls (dict "name" "net.ipv4.ping_group_range" "value" (printf "%d %d" $gid $gid)) }}
{{- $_ := set $sc "sysctls" $sysctls }}
{{- end }}
{{- toYaml $sc }}
{{- end }}

{{- define "hermes-exporter.httpProbe" -}}
{{- $ := index . 0 }}
{{- $path := index . 1 }}
{{- $p := index . 2 -}}
httpGet:
  path: {{ $path }}
  port: hermes-metrics
  scheme: {{ include "hermes-exporter.scheme" $ | upper }}
{{- range $k := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
{{- if hasKey $p $k }}
{{ $k }}: {{ index $p $k }}
{{- end }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.container" -}}
name: hermes-exporter
image: {{ include "hermes-exporter.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
args:
  {{- include "hermes-exporter.args" . | nindent 2 }}
ports:
  - name: hermes-metrics
    containerPort: {{ .Values.port }}
    protocol: TCP
{{- with .Values.extraEnv }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
livenessProbe:
  {{- include "hermes-exporter.httpProbe" (list . "/-/healthy" .Values.livenessProbe) | nindent 2 }}
readinessProbe:
  {{- include "hermes-exporter.httpProbe" (list . "/-/ready" .Values.readinessProbe) | nindent 2 }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  {{- include "hermes-exporter.containerSecurityContext" . | nindent 2 }}
volumeMounts:
  - name: hermes-config
    mountPath: /etc/hermes/config
    readOnly: true
  {{- if include "hermes-exporter.webConfigEnabled" . }}
  - name: hermes-web-config
    mountPath: /etc/hermes/web
    readOnly: true
  {{- end }}
  {{- if .Values.auth.enabled }}
  - name: hermes-token
    mountPath: /etc/hermes/token
    readOnly: true
  {{- end }}
  {{- if .Values.tls.enabled }}
  - name: hermes-tls
    mountPath: /etc/hermes/tls
    readOnly: true
  {{- end }}
  {{- with .Values.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Volumes of the hermes container. Secrets and ConfigMaps are mounted as directories
(never subPath) so that updates - a rotated token or a renewed certificate - reach
running pods; hermes re-reads these files when they change. */}}
{{- define "hermes-exporter.volumes" -}}
- name: hermes-config
  configMap:
    name: {{ include "hermes-exporter.configMapName" . }}
{{- if include "hermes-exporter.webConfigEnabled" . }}
- name: hermes-web-config
  configMap:
    name: {{ include "hermes-exporter.webConfigName" . }}
{{- end }}
{{- if .Values.auth.enabled }}
- name: hermes-token
  secret:
    secretName: {{ include "hermes-exporter.tokenSecretName" . }}
    defaultMode: 0440
    items:
      - key: {{ .Values.auth.secretKey }}
        path: token
{{- end }}
{{- if .Values.tls.enabled }}
- name: hermes-tls
  secret:
    secretName: {{ include "hermes-exporter.tlsSecretName" . }}
    defaultMode: 0440
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod annotations that roll the pods when the configuration changes. */}}
{{- define "hermes-exporter.checksumAnnotations" -}}
checksum/config: {{ toYaml .Values.config | sha256sum }}
{{- if include "hermes-exporter.webConfigEnabled" . }}
checksum/web-config: {{ include "hermes-exporter.webConfig" . | sha256sum }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.webConfig" -}}
# exporter-toolkit web configuration (SPEC section 4), rendered by the Helm chart.
tls_server_config:
  cert_file: /etc/hermes/tls/tls.crt
  key_file: /etc/hermes/tls/tls.key
  min_version: {{ .Values.tls.minVersion }}
{{- end }}

{{/* The pod spec of modes deployment and daemonset. */}}
{{- define "hermes-exporter.podTemplate" -}}
metadata:
  labels:
    {{- include "hermes-exporter.labels" . | nindent 4 }}
    {{- with .Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    {{- include "hermes-exporter.checksumAnnotations" . | nindent 4 }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "hermes-exporter.serviceAccountName" . }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  {{- with .Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if .Values.hostNetwork }}
  hostNetwork: true
  dnsPolicy: ClusterFirstWithHostNet
  {{- end }}
  securityContext:
    {{- include "hermes-exporter.podSecurityContext" . | nindent 4 }}
  terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
  containers:
    - {{ include "hermes-exporter.container" . | nindent 6 | trim }}
    {{- with .Values.extraContainers }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumes:
    {{- include "hermes-exporter.volumes" . | nindent 4 }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/* Labels of the `helm test` Pod: deliberately not the workload's selector labels, so
that no Service, Deployment or DaemonSet selects or adopts it. */}}
{{- define "hermes-exporter.testSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-test" (include "hermes-exporter.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}
