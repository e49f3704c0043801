{{- define "facegate.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "facegate.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "facegate.selector" (list . "backend") */}}
{{- define "facegate.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "facegate.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "facegate.fullname" .)) -}}
{{- end -}}

{{- define "facegate.cnpgName" -}}
{{- printf "%s-pg" (include "facegate.fullname" .) -}}
{{- end -}}

{{- define "facegate.poolerOn" -}}
{{- if and .Values.postgresql.cloudnativepg.enabled .Values.postgresql.cloudnativepg.pooler.enabled -}}true{{- end -}}
{{- end -}}

{{- define "facegate.image" -}}
{{- $root := index . 0 -}}
{{- $image := index $root.Values.image (index . 1) -}}
{{- printf "%s:%s" $image.repository ($image.tag | default $root.Chart.AppVersion) -}}
{{- end -}}

{{/*
The database and S3 environment shared by the backend and the migration Job:
include "facegate.dbEnv" (list . "pooler"|"direct").
With CloudNativePG, DATABASE_URL is put together from the operator's <cluster>-app Secret
(its generated password is alphanumeric, so URL-safe); the backends go through the Pooler,
the migration straight to the primary (-rw): DDL needs no pooling.
*/}}
{{- define "facegate.dbEnv" -}}
{{- $root := index . 0 -}}
{{- $via := index . 1 -}}
{{- $cnpg := $root.Values.postgresql.cloudnativepg -}}
{{- if $cnpg.enabled }}
- name: DB_USER
  valueFrom: {secretKeyRef: {name: {{ include "facegate.cnpgName" $root }}-app, key: username}}
- name: DB_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ include "facegate.cnpgName" $root }}-app, key: password}}
{{- $host := printf "%s-rw" (include "facegate.cnpgName" $root) }}
{{- if and (eq $via "pooler") (include "facegate.poolerOn" $root) }}
{{- $host = printf "%s-pooler-rw" (include "facegate.cnpgName" $root) }}
- name: DATABASE_POOLER
  value: transaction
{{- end }}
- name: DATABASE_URL
  value: {{ printf "postgresql://$(DB_USER):$(DB_PASSWORD)@%s:5432/%s" $host $cnpg.database | quote }}
{{- else }}
- name: DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ include "facegate.secretName" $root }}, key: DATABASE_URL}}
{{- end }}
- name: S3_ENDPOINT
  value: {{ $root.Values.s3.endpoint | quote }}
- name: S3_BUCKET
  value: {{ $root.Values.s3.bucket | quote }}
- name: S3_ACCESS_KEY
  valueFrom: {secretKeyRef: {name: {{ include "facegate.secretName" $root }}, key: S3_ACCESS_KEY}}
- name: S3_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ include "facegate.secretName" $root }}, key: S3_SECRET_KEY}}
- name: STORAGE_KEYS
  valueFrom: {secretKeyRef: {name: {{ include "facegate.secretName" $root }}, key: STORAGE_KEYS, optional: true}}
{{- end -}}

{{- define "facegate.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "facegate.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: [ALL]}
{{- end -}}
