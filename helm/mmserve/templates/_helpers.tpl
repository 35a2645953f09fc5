{{/*
Names, labels and the values every template derives. A "component" is one of the mmserve services:
  gateway, text-encoder, vision-encoder, fusion, gallery
and "mmserve.component" gives its values key, ports and settings file name.
*/}}

{{- define "mmserve.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mmserve.fullname" -}}
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

{{/* The name of a component's objects: <fullname>-<component>, e.g. mmserve-text-encoder. */}}
{{- define "mmserve.componentName" -}}
{{- printf "%s-%s" (include "mmserve.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Static facts of each component: values key, default gRPC and admin ports (docs/configuration.md). */}}
{{- define "mmserve.components" -}}
gateway: {key: gateway, grpcPort: 50051, adminPort: 9091}
text-encoder: {key: textEncoder, grpcPort: 50052, adminPort: 9092}
vision-encoder: {key: visionEncoder, grpcPort: 50053, adminPort: 9093}
fusion: {key: fusion, grpcPort: 50054, adminPort: 9094}
gallery: {key: gallery, grpcPort: 50055, adminPort: 9095}
{{- end }}

{{/* The facts of one component as a dict; call with (dict "root" $ "component" "gateway"). */}}
{{- define "mmserve.component" -}}
{{- $all := include "mmserve.components" . | fromYaml }}
{{- toYaml (get $all .component) }}
{{- end }}

{{- define "mmserve.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/part-of: mmserve
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
{{- end }}

{{/* Selector labels of a component; call with (dict "root" $ "component" NAME). */}}
{{- define "mmserve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mmserve.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "mmserve.labels" -}}
{{ include "mmserve.commonLabels" .root }}
{{ include "mmserve.selectorLabels" . }}
{{- end }}

{{/* image reference of a values block with repository, tag ("" = the chart's appVersion) */}}
{{- define "mmserve.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{/*
The gRPC target of a component's headless Service as the gateway (or an encoder) sees it:
discovery.mode kubernetes: kubernetes:///<service>.<namespace>:grpc (the Service's port name, which each
                           EndpointSlice maps to its own pods' container port)
discovery.mode dns:        dns:///<service>.<namespace>.svc:<port>
Call with (dict "root" $ "component" NAME "port" PORT "mode" MODE).
*/}}
{{- define "mmserve.target" -}}
{{- $svc := include "mmserve.componentName" . }}
{{- if eq .mode "kubernetes" }}
{{- printf "kubernetes:///%s.%s:grpc" $svc .root.Release.Namespace }}
{{- else }}
{{- printf "dns:///%s.%s.svc:%v" $svc .root.Release.Namespace .port }}
{{- end }}
{{- end }}

{{/* The folder the model packs are read from. */}}
{{- define "mmserve.packRoot" -}}
{{- if eq .Values.modelPacks.source "image" }}
{{- .Values.modelPacks.imagePath }}
{{- else }}
{{- .Values.modelPacks.mountPath }}
{{- end }}
{{- end }}

{{/* model.packs: the pack folders, comma-separated, the default model first. */}}
{{- define "mmserve.packDirs" -}}
{{- $root := include "mmserve.packRoot" . }}
{{- $dirs := list }}
{{- range .Values.modelPacks.names }}
{{- $dirs = append $dirs (printf "%s/%s" $root .) }}
{{- end }}
{{- join "," $dirs }}
{{- end }}

{{/*
The gateway's canary.model: the model requests naming no model count as, so a ModelRollout of it
splits them too; modelPacks.defaultModel, else the first pack's folder name.
*/}}
{{- define "mmserve.defaultModel" -}}
{{- .Values.modelPacks.defaultModel | default (first .Values.modelPacks.names) }}
{{- end }}

{{/* The volume holding the model packs (nothing when they are baked into the images). */}}
{{- define "mmserve.packVolume" -}}
{{- if eq .Values.modelPacks.source "persistentVolumeClaim" }}
- name: model-packs
  persistentVolumeClaim:
    claimName: {{ .Values.modelPacks.persistentVolumeClaim.claimName }}
    readOnly: true
{{- else if eq .Values.modelPacks.source "hostPath" }}
- name: model-packs
  hostPath:
    path: {{ .Values.modelPacks.hostPath.path }}
    type: Directory
{{- end }}
{{- end }}

{{- define "mmserve.packVolumeMount" -}}
{{- if ne .Values.modelPacks.source "image" }}
- name: model-packs
  mountPath: {{ .Values.modelPacks.mountPath }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
A settings value as the services read it: whole numbers without exponent (values arrive as
float64), everything else as written.
*/}}
{{- define "mmserve.settingValue" -}}
{{- if and (kindIs "float64" .) (eq (floor .) .) }}
{{- printf "%d" (int64 .) }}
{{- else }}
{{- printf "%v" . }}
{{- end }}
{{- end }}

{{/*
Where gallery-svc's volume is mounted: the image's /app/data, whose data/gallery (relative to /app) is
the default data.dir. The collections live in its subfolder gallery, apart from what a file system
keeps at its root (lost+found).
*/}}
{{- define "mmserve.galleryMountPath" -}}
/app/data
{{- end }}

{{/* terminationGracePeriodSeconds: always longer than preStop sleep plus shutdown.grace. */}}
{{- define "mmserve.terminationGrace" -}}
{{- $t := .termination }}
{{- add $t.preStopSleepSeconds $t.shutdownGraceSeconds (max 1 $t.terminationMarginSeconds) }}
{{- end }}

{{/* Whether a component gets an autoscaler; call with (dict "root" $ "values" COMPONENT_VALUES). */}}
{{- define "mmserve.autoscaled" -}}
{{- if and .root.Values.autoscaling.enabled .values.autoscaling .values.autoscaling.enabled }}true{{ end }}
{{- end }}

{{/*
The prometheus-adapter rule that makes a component's autoscaling metric (name.as equal to
autoscaling.metric.name), as YAML; fails naming both when there is none.
Call with (dict "root" $ "key" VALUES_KEY "values" COMPONENT_VALUES).
*/}}
{{- define "mmserve.adapterRule" -}}
{{- $want := .values.autoscaling.metric.name }}
{{- $found := dict }}
{{- $made := list }}
{{- range .root.Values.autoscaling.prometheusAdapter.rules }}
{{- $as := .name.as | default "" }}
{{- $made = append $made $as }}
{{- if eq $as $want }}
{{- $found = . }}
{{- end }}
{{- end }}
{{- if not $found }}
{{- fail (printf "%s.autoscaling.metric.name '%s' is made by no rule in autoscaling.prometheusAdapter.rules (their name.as: %s)" .key $want (join ", " $made)) }}
{{- end }}
{{- toYaml $found }}
{{- end }}

{{/* An autoscaling target quantity (700, 0.5, 5m) as a plain decimal for KEDA's threshold. */}}
{{- define "mmserve.decimal" -}}
{{- $t := toString . }}
{{- if hasSuffix "m" $t }}
{{- divf (trimSuffix "m" $t | float64) 1000 }}
{{- else }}
{{- $t }}
{{- end }}
{{- end }}

{{/*
Whole CPUs of a component's container, for its thread counts: resources.limits.cpu, else requests.cpu
("2", 2, "1.5", "2500m"), rounded down and at least 1; empty when neither is set. Call with the
component's resources.
*/}}
{{- define "mmserve.cpuThreads" -}}
{{- $cpu := "" }}
{{- with .limits }}{{ $cpu = .cpu | default "" }}{{ end }}
{{- if not $cpu }}{{ with .requests }}{{ $cpu = .cpu | default "" }}{{ end }}{{ end }}
{{- if $cpu }}
{{- $s := toString $cpu }}
{{- $n := 0 }}
{{- if hasSuffix "m" $s }}
{{- $n = div (trimSuffix "m" $s | atoi) 1000 }}
{{- else }}
{{- $n = $s | float64 | floor | int }}
{{- end }}
{{- max $n 1 }}
{{- end }}
{{- end }}

{{/*
What a probe asks: gRPC health on the gRPC port, or with tls.enabled (kubelet's gRPC probe cannot do TLS)
GET /healthz on the plaintext metrics port, which answers what gRPC health answers.
Call with (dict "root" $ "facts" FACTS).
*/}}
{{- define "mmserve.probeTarget" -}}
{{- if .root.Values.tls.enabled }}
httpGet:
  path: /healthz
  port: {{ .facts.adminPort }}
{{- else }}
grpc:
  port: {{ .facts.grpcPort }}
{{- end }}
{{- end }}

{{/*
The name of a component's TLS Secret: tls.secrets.<key>, or <fullname>-<component>-tls.
Call with (dict "root" $ "component" NAME).
*/}}
{{- define "mmserve.tlsSecret" -}}
{{- $facts := include "mmserve.component" . | fromYaml }}
{{- $given := get .root.Values.tls.secrets $facts.key }}
{{- $given | default (printf "%s-%s-tls" (include "mmserve.fullname" .root) .component) }}
{{- end }}
