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

{{/*
"true" when the chart registers group KEY (resource, custom, external or history; called with list $ KEY):
apiServices.KEY.enabled or, left empty, whether `config` has rules for the group (history: rules of
any kind, whose metrics it serves over a time range). That is the choice
prometheus-adapter's chart makes (prometheus-community/helm-charts,
charts/prometheus-adapter/templates/*-apiservice.yaml: resource with rules.resource, custom with
rules.default or rules.custom, external with rules.external); an upstream in `config.upstreams`
that takes the group counts as rules for it (cmetrics holds the group to pass its metrics on).
*/}}
{{- define "cmetrics.registers" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $enabled := (index $root.Values.apiServices $key).enabled -}}
{{- if kindIs "invalid" $enabled -}}
{{- $rules := dict "resource" $root.Values.config.resourceRules "custom" $root.Values.config.rules "external" $root.Values.config.externalRules "history" (or $root.Values.config.resourceRules $root.Values.config.rules $root.Values.config.externalRules) -}}
{{- $groups := dict "resource" "metrics.k8s.io" "custom" "custom.metrics.k8s.io" "external" "external.metrics.k8s.io" "history" "history.cmetrics.io" -}}
{{- $forwarded := list -}}
{{- range $root.Values.config.upstreams | default list -}}
{{- $forwarded = concat $forwarded (.groups | default (list "external.metrics.k8s.io")) -}}
{{- end -}}
{{- $enabled = or (not (empty (index $rules $key))) (has (index $groups $key) $forwarded) -}}
{{- else if not (kindIs "bool" $enabled) -}}
{{- fail (printf "apiServices.%s.enabled is true, false or empty (from the config's rules), not %q" $key (toString $enabled)) -}}
{{- end -}}
{{- if $enabled }}true{{ end -}}
{{- end -}}
