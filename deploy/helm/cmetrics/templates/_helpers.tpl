{{/* The name of every object: the release name when it contains the chart's ("cmetrics"). */}}
{{- define "cmetrics.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cmetrics.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cmetrics.labels" -}}
{{ include "cmetrics.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The Secret holding tls.crt and tls.key (and ca.crt) for SERVICE.NAMESPACE.svc. */}}
{{- define "cmetrics.servingSecret" -}}
{{- .Values.tls.secretName | default (printf "%s-serving" (include "cmetrics.fullname" .)) -}}
{{- end -}}

{{- define "cmetrics.serviceAccount" -}}
- kind: ServiceAccount
  name: {{ include "cmetrics.fullname" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}
