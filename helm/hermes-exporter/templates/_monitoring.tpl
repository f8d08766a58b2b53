{{/* Scrape settings shared by the ServiceMonitor and PodMonitor endpoints. */}}
{{- define "hermes-exporter.scrapeEndpoint" -}}
{{- $ := index . 0 }}
{{- $m := index . 1 }}
{{- $interval := include "hermes-exporter.scrapeInterval" $ -}}
path: /metrics
scheme: {{ include "hermes-exporter.scheme" $ }}
interval: {{ $interval }}
scrapeTimeout: {{ default $interval $m.scrapeTimeout }}
honorLabels: {{ $m.honorLabels }}
{{- if $.Values.auth.enabled }}
authorization:
  type: Bearer
  credentials:
    name: {{ include "hermes-exporter.tokenSecretName" $ }}
    key: {{ $.Values.auth.secretKey }}
{{- end }}
{{- if $.Values.tls.enabled }}
tlsConfig:
  serverName: {{ include "hermes-exporter.serviceDNSName" $ }}
  ca:
    secret:
      name: {{ include "hermes-exporter.caSecretName" $ }}
      key: {{ $.Values.tls.ca.key }}
{{- end }}
{{- with $m.relabelings }}
relabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $m.metricRelabelings }}
metricRelabelings:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Per-scrape limits (spec level of both monitors); 0 means none and is left out. */}}
{{- define "hermes-exporter.scrapeLimits" -}}
{{- range $k := list "sampleLimit" "labelLimit" "labelNameLengthLimit" "labelValueLengthLimit" }}
{{- with index $ $k }}
{{ $k }}: {{ . }}
{{- end }}
{{- end }}
{{- end }}
