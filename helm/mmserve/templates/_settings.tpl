{{/*
A component's settings file (key=value, read through MMSERVE_CONFIG; docs/configuration.md): first the
keys the chart owns (addresses, ports, the gateway's HTTP port and API keys file, targets, the default model, rollouts, backend, model packs, data dir, shutdown grace, TLS files, Triton's TLS files), then the
component's config values sorted by key. Call with (dict "root" $ "component" NAME).
*/}}
{{- define "mmserve.settings" -}}
{{- $root := .root }}
{{- $facts := include "mmserve.component" . | fromYaml }}
{{- $values := get $root.Values $facts.key }}
{{- $config := $values.config | default dict }}
{{- $mode := $root.Values.discovery.mode -}}
# {{ .component }}: written by the mmserve chart; keys in docs/configuration.md
# set by the chart
grpc.host=0.0.0.0
grpc.port={{ $facts.grpcPort }}
admin.host=0.0.0.0
admin.port={{ $facts.adminPort }}
shutdown.grace={{ $values.termination.shutdownGraceSeconds }}s
{{- if eq .component "gateway" }}
http.enabled={{ $values.http.enabled }}
http.host=0.0.0.0
http.port={{ $values.http.port }}
text-encoder.target={{ include "mmserve.target" (dict "root" $root "component" "text-encoder" "port" 50052 "mode" $mode) }}
vision-encoder.target={{ include "mmserve.target" (dict "root" $root "component" "vision-encoder" "port" 50053 "mode" $mode) }}
fusion.target={{ include "mmserve.target" (dict "root" $root "component" "fusion" "port" 50054 "mode" $mode) }}
canary.model={{ include "mmserve.defaultModel" $root }}
{{- if $values.apiKeys.existingSecret }}
auth.api-keys-file=/etc/mmserve-api-keys/{{ $values.apiKeys.key }}
{{- end }}
{{- if $root.Values.gallery.enabled }}
gallery.target={{ include "mmserve.target" (dict "root" $root "component" "gallery" "port" 50055 "mode" $mode) }}
{{- end }}
{{- with $root.Values.rollouts }}
{{- if .enabled }}
rollout.enabled=true
rollout.controller.enabled={{ .controller.enabled }}
rollout.prometheus.url={{ .prometheusUrl }}
rollout.analysis-interval={{ .controller.analysisInterval }}
rollout.lease.name={{ .controller.leaseName }}
{{- end }}
{{- end }}
{{- else if eq .component "gallery" }}
data.dir={{ include "mmserve.galleryMountPath" $root }}/gallery
{{- else }}
model.packs={{ include "mmserve.packDirs" $root }}
{{- end }}
{{- if $root.Values.tls.enabled }}
tls.cert-file=/etc/mmserve-tls/tls.crt
tls.key-file=/etc/mmserve-tls/tls.key
{{- if eq .component "gateway" }}
backend.tls.ca-file=/etc/mmserve-tls/ca.crt
backend.tls.cert-file=/etc/mmserve-tls/tls.crt
backend.tls.key-file=/etc/mmserve-tls/tls.key
{{- else }}
tls.client-ca-file=/etc/mmserve-tls/ca.crt
{{- end }}
{{- end }}
{{- $merged := deepCopy $config }}
{{- if or (eq .component "text-encoder") (eq .component "vision-encoder") }}
{{- /* thread counts follow the container's CPUs unless config sets them (docs/kubernetes.md) */}}
{{- $cpuThreads := include "mmserve.cpuThreads" ($values.resources | default dict) }}
{{- if $root.Values.triton.enabled }}
backend=triton
{{- /* the kubernetes:/// resolver lives in the gateway; encoders find Triton's pods by DNS */}}
triton.target={{ include "mmserve.target" (dict "root" $root "component" "triton" "port" 8001 "mode" "dns") }}
triton.model-prefix={{ $root.Values.triton.repository.modelPrefix }}
{{- if $root.Values.tls.enabled }}
{{- /* Triton requires a client certificate of ca.crt: the encoder presents its own */}}
triton.tls.ca-file=/etc/mmserve-tls/ca.crt
triton.tls.cert-file=/etc/mmserve-tls/tls.crt
triton.tls.key-file=/etc/mmserve-tls/tls.key
{{- end }}
{{- if not (hasKey $merged "batching.max-in-flight") }}
{{- $_ := set $merged "batching.max-in-flight" $root.Values.triton.encoderMaxInFlight }}
{{- end }}
{{- else }}
backend=embedded
{{- /* ONNX Runtime would start a thread per core of the node, not of the pod */}}
{{- if and $cpuThreads (not (hasKey $merged "onnxruntime.intra-op-threads")) }}
{{- $_ := set $merged "onnxruntime.intra-op-threads" $cpuThreads }}
{{- end }}
{{- end }}
{{- if and $cpuThreads (eq .component "vision-encoder") (not (hasKey $merged "preprocess.threads")) }}
{{- $_ := set $merged "preprocess.threads" $cpuThreads }}
{{- end }}
{{- end }}
# {{ $facts.key }}.config
{{- range $key := keys $merged | sortAlpha }}
{{ $key }}={{ include "mmserve.settingValue" (get $merged $key) }}
{{- end }}
{{- end }}
