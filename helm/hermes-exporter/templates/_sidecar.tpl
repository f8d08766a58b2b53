{{/*
Public templates for running hermes as a sidecar in another chart's pods
(mode: sidecar). Add hermes-exporter as a dependency of the parent chart, set
`hermes-exporter.mode: sidecar` in the parent's values, and include:

  spec:
    template:
      metadata:
        labels:
          {{- include "hermes-exporter.sidecarPodLabels" (dict "root" $) | nindent 8 }}
        annotations:
          {{- include "hermes-exporter.sidecarPodAnnotations" (dict "root" $) | nindent 8 }}
      spec:
        containers:
          - name: app
            ...
          - {{- include "hermes-exporter.sidecarContainer" (dict "root" $) | nindent 12 }}
        volumes:
          {{- include "hermes-exporter.sidecarVolumes" (dict "root" $) | nindent 10 }}

Argument: (dict "root" $ "name" "<dependency name or alias>"), "name" defaulting to
"hermes-exporter". The templates read the subchart's values (defaults included) and
compute the same resource names as the subchart renders, so the container refers to
the subchart's ConfigMap and Secrets. Called with the subchart's own context they work
too.

With sidecar.native: true, put the container under initContainers instead (it then
has restartPolicy: Always: a Kubernetes >= 1.29 native sidecar).

With icmp.enabled (mode sysctl), also add the pod sysctl:
  securityContext:
    sysctls:
      {{- include "hermes-exporter.sidecarSysctls" (dict "root" $) | nindent 6 }}
*/}}

{{/* Resolves the argument (dict "root" $ "name" ...) or a context to the subchart's
context; the result is stored in .out.ctx. */}}
{{- define "hermes-exporter.resolveContext" -}}
{{- $arg := .arg }}
{{- if hasKey $arg "root" }}
{{- $root := $arg.root }}
{{- $name := default "hermes-exporter" $arg.name }}
{{- $sub := dict }}
{{- if and (hasKey $root "Subcharts") $root.Subcharts (hasKey $root.Subcharts $name) }}
{{- $sub = index $root.Subcharts $name }}
{{- else if eq $root.Chart.Name $name }}
{{- $sub = $root }}
{{- else }}
{{- fail (printf "hermes-exporter sidecar templates: %q is not a dependency of chart %q (pass (dict \"root\" $ \"name\" \"<alias>\"))" $name $root.Chart.Name) }}
{{- end }}
{{- $_ := set .out "ctx" $sub }}
{{- else }}
{{- $_ := set .out "ctx" $arg }}
{{- end }}
{{- end }}

{{- define "hermes-exporter.sidecarContainer" -}}
{{- $out := dict }}
{{- include "hermes-exporter.resolveContext" (dict "arg" . "out" $out) }}
{{- $ctx := $out.ctx }}
{{- include "hermes-exporter.validate" $ctx }}
{{- include "hermes-exporter.container" $ctx }}
{{- if $ctx.Values.sidecar.native }}
restartPolicy: Always
{{- end }}
{{- end }}

{{- define "hermes-exporter.sidecarVolumes" -}}
{{- $out := dict }}
{{- include "hermes-exporter.resolveContext" (dict "arg" . "out" $out) }}
{{- include "hermes-exporter.volumes" $out.ctx }}
{{- end }}

{{- define "hermes-exporter.sidecarPodLabels" -}}
{{- $out := dict }}
{{- include "hermes-exporter.resolveContext" (dict "arg" . "out" $out) }}
{{- include "hermes-exporter.podSelectorLabels" $out.ctx }}
{{- end }}

{{- define "hermes-exporter.sidecarPodAnnotations" -}}
{{- $out := dict }}
{{- include "hermes-exporter.resolveContext" (dict "arg" . "out" $out) }}
{{- include "hermes-exporter.checksumAnnotations" $out.ctx }}
{{- end }}

{{- define "hermes-exporter.sidecarSysctls" -}}
{{- $out := dict }}
{{- include "hermes-exporter.resolveContext" (dict "arg" . "out" $out) }}
{{- $ctx := $out.ctx }}
{{- if and $ctx.Values.icmp.enabled (eq $ctx.Values.icmp.mode "sysctl") }}
{{- $gid := int64 (default 65532 $ctx.Values.securityContext.runAsGroup) }}
- name: net.ipv4.ping_group_range
  value: {{ printf "%d %d" $gid $gid | quote }}
{{- end }}
{{- end }}
