{{/*
JAVA_TOOL_OPTIONS of one mmserve container, from its values (call with the service's values):
the heap is jvm.heapPercent of the container's memory limit (-XX:MaxRAMPercentage, which the JVM
applies to the cgroup limit itself), direct buffers jvm.directPercent of resources.limits.memory
(-XX:MaxDirectMemorySize, computed here: the JVM would otherwise allow as much again as the heap),
then javaOptions, whose flags win over these (the JVM takes the last). Without a memory limit the
JVM sizes the heap from the node and direct memory is left at its default (docs/kubernetes.md#memory).
*/}}
{{- define "mmserve.javaToolOptions" -}}
{{- $flags := list (printf "-XX:MaxRAMPercentage=%v" .jvm.heapPercent) }}
{{- $limit := dig "limits" "memory" "" (.resources | default dict) }}
{{- if $limit }}
{{- $mib := include "mmserve.quantityMiB" $limit | atoi }}
{{- $flags = append $flags (printf "-XX:MaxDirectMemorySize=%dm" (div (mul $mib .jvm.directPercent) 100)) }}
{{- end }}
{{- with .javaOptions }}
{{- $flags = append $flags . }}
{{- end }}
{{- join " " $flags }}
{{- end }}

{{/*
A Kubernetes memory quantity (resources.limits.memory: "512Mi", "1.5Gi", "1G", or bytes as a
number) in whole MiB, rounded down.
*/}}
{{- define "mmserve.quantityMiB" -}}
{{- if kindIs "string" . }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" . }}
{{- $suffix := trimPrefix $number . }}
{{- $units := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 }}
{{- if or (not $number) (not (hasKey $units $suffix)) }}
{{- fail (printf "resources.limits.memory must be a Kubernetes quantity such as 512Mi or 1Gi, but was %q" .) }}
{{- end }}
{{- divf (mulf (float64 $number) (get $units $suffix)) 1048576.0 | floor | int64 }}
{{- else }}
{{- divf (float64 .) 1048576.0 | floor | int64 }}
{{- end }}
{{- end }}
