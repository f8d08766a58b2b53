{{/* A curl container of the `helm test` Pod (tests/test-connection.yaml). */}}
{{- /* curl is run directly (no shell): the token reaches it through $(HERMES_TOKEN),
       which the kubelet expands from the Secret; it is never in the Pod spec. */}}
{{- define "hermes-exporter.testCurl" -}}
name: {{ .name }}
image: {{ .image | quote }}
imagePullPolicy: {{ .ctx.Values.test.image.pullPolicy }}
{{- if .token }}
env:
  - name: HERMES_TOKEN
    valueFrom:
      secretKeyRef:
        name: {{ include "hermes-exporter.tokenSecretName" .ctx }}
        key: {{ .ctx.Values.auth.secretKey }}
{{- end }}
command: ["curl"]
args:
  - --fail
  - --silent
  - --show-error
  - --max-time
  - "10"
  - --retry
  - "12"
  - --retry-delay
  - "5"
  - --retry-all-errors
  - --output
  - /dev/null
  - --write-out
  - "%{http_code} %{url_effective}\n"
  {{- if .ctx.Values.tls.enabled }}
  - --cacert
  - /etc/hermes/ca/{{ .ctx.Values.tls.ca.key }}
  {{- end }}
  {{- if .token }}
  - --header
  - "Authorization: Bearer $(HERMES_TOKEN)"
  {{- end }}
  - {{ .url | quote }}
resources:
  {{- toYaml .ctx.Values.test.resources | nindent 2 }}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  privileged: false
  capabilities:
    drop: ["ALL"]
  seccompProfile:
    type: RuntimeDefault
{{- if .ctx.Values.tls.enabled }}
volumeMounts:
  - name: hermes-ca
    mountPath: /etc/hermes/ca
    readOnly: true
{{- end }}
{{- end }}
