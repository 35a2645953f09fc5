{{/*
The Deployment of one mmserve service. Call with (dict "root" $ "component" NAME).
Probes are Kubernetes' native gRPC probes on the standard health service (grpc.health.v1, service "";
with tls.enabled, /healthz on the metrics port, which answers the same, as kubelet's gRPC probe has no TLS),
which every mmserve server answers: NOT_SERVING while starting, while Triton is not ready (encoders in
triton mode) and from the first moment of a graceful shutdown.
*/}}
{{- define "mmserve.deployment" -}}
{{- $root := .root }}
{{- $facts := include "mmserve.component" . | fromYaml }}
{{- $values := get $root.Values $facts.key }}
{{- $name := include "mmserve.componentName" . }}
{{- $probes := $values.probes }}
{{- $isGateway := eq .component "gateway" }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "mmserve.labels" . | nindent 4 }}
spec:
  {{- if not (include "mmserve.autoscaled" (dict "root" $root "values" $values)) }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "mmserve.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "mmserve.selectorLabels" . | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # a change of the settings rolls the pods (they read them once, at start)
        checksum/settings: {{ include "mmserve.settings" . | sha256sum }}
        {{- if $root.Values.metrics.podAnnotations }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $facts.adminPort | quote }}
        prometheus.io/path: /metrics
        {{- end }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- if $isGateway }}
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: {{ or (eq $root.Values.discovery.mode "kubernetes") $root.Values.rollouts.enabled }}
      {{- else }}
      automountServiceAccountToken: false
      {{- end }}
      # preStop sleep + shutdown.grace + margin: the pod leaves the EndpointSlices during the sleep, then
      # finishes its in-flight calls before the kubelet would kill it
      terminationGracePeriodSeconds: {{ include "mmserve.terminationGrace" $values }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "mmserve.image" (dict "root" $root "image" $values.image) }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          env:
            - name: MMSERVE_CONFIG
              value: /etc/mmserve/mmserve.conf
            # heap and direct memory from resources.limits.memory, then javaOptions (_jvm.tpl)
            - name: JAVA_TOOL_OPTIONS
              value: {{ include "mmserve.javaToolOptions" $values | quote }}
            {{- with $values.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: grpc
              containerPort: {{ $facts.grpcPort }}
              protocol: TCP
            {{- if and $isGateway $values.http.enabled }}
            - name: http
              containerPort: {{ $values.http.port }}
              protocol: TCP
            {{- end }}
            - name: metrics
              containerPort: {{ $facts.adminPort }}
              protocol: TCP
          startupProbe:
            {{- include "mmserve.probeTarget" (dict "root" $root "facts" $facts) | trim | nindent 12 }}
            periodSeconds: {{ $probes.periodSeconds }}
            timeoutSeconds: {{ $probes.timeoutSeconds }}
            # covers model loading: startupSeconds, rounded up to whole periods
            failureThreshold: {{ div (add $probes.startupSeconds $probes.periodSeconds -1) $probes.periodSeconds }}
          readinessProbe:
            {{- include "mmserve.probeTarget" (dict "root" $root "facts" $facts) | trim | nindent 12 }}
            periodSeconds: {{ $probes.periodSeconds }}
            timeoutSeconds: {{ $probes.timeoutSeconds }}
            failureThreshold: {{ $probes.readinessFailureThreshold }}
          livenessProbe:
            {{- include "mmserve.probeTarget" (dict "root" $root "facts" $facts) | trim | nindent 12 }}
            periodSeconds: {{ $probes.livenessPeriodSeconds }}
            timeoutSeconds: {{ $probes.timeoutSeconds }}
            failureThreshold: {{ $probes.livenessFailureThreshold }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $values.termination.preStopSleepSeconds }}
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            - name: settings
              mountPath: /etc/mmserve
              readOnly: true
            # java.io.tmpdir: ONNX Runtime's and DJL's native libraries, JVM perf data
            - name: tmp
              mountPath: /tmp
            {{- if and $isGateway $values.apiKeys.existingSecret }}
            # the API keys file (key ids and SHA-256 hashes): a directory mount, so an updated Secret
            # reaches the pod and the gateway reloads it (auth.reload-interval) without a restart
            - name: api-keys
              mountPath: /etc/mmserve-api-keys
              readOnly: true
            {{- end }}
            {{- if $root.Values.tls.enabled }}
            # tls.crt, tls.key, ca.crt: a directory mount, so a renewed Secret reaches the files in place
            - name: tls
              mountPath: /etc/mmserve-tls
              readOnly: true
            {{- end }}
            {{- if and (not $isGateway) (ne $root.Values.modelPacks.source "image") }}
            {{- include "mmserve.packVolumeMount" $root | trim | nindent 12 }}
            {{- end }}
      volumes:
        - name: settings
          configMap:
            name: {{ include "mmserve.fullname" $root }}-settings
            items:
              - key: {{ .component }}.conf
                path: mmserve.conf
        - name: tmp
          emptyDir: {}
        {{- if and $isGateway $values.apiKeys.existingSecret }}
        - name: api-keys
          secret:
            secretName: {{ $values.apiKeys.existingSecret }}
            items:
              - key: {{ $values.apiKeys.key }}
                path: {{ $values.apiKeys.key }}
        {{- end }}
        {{- if $root.Values.tls.enabled }}
        - name: tls
          secret:
            secretName: {{ include "mmserve.tlsSecret" . }}
            defaultMode: 0440
        {{- end }}
        {{- if and (not $isGateway) (ne $root.Values.modelPacks.source "image") }}
        {{- include "mmserve.packVolume" $root | trim | nindent 8 }}
        {{- end }}
      {{- if $values.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $values.topologySpread.topologyKeys }}
        - maxSkew: {{ $values.topologySpread.maxSkew }}
          topologyKey: {{ . }}
          whenUnsatisfiable: {{ $values.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "mmserve.selectorLabels" $ | nindent 14 }}
          # spread each rollout's new pods on their own, not against the old ReplicaSet's
          matchLabelKeys:
            - pod-template-hash
        {{- end }}
      {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
