{{/*
Names and labels. The three services share one set of templates; "keyway.components" lists them once.
*/}}
{{- define "keyway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "keyway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The three services: values key, component name, HTTP port. */}}
{{- define "keyway.components" -}}
gateway:
  name: gateway-service
  port: 8080
keyService:
  name: key-service
  port: 8081
billing:
  name: billing-service
  port: 8082
{{- end -}}

{{/* Resource name of one component: (dict "root" $ "component" "gateway") */}}
{{- define "keyway.componentFullname" -}}
{{- $c := index (fromYaml (include "keyway.components" .root)) .component -}}
{{- printf "%s-%s" (include "keyway.fullname" .root | trunc 47 | trimSuffix "-") $c.name -}}
{{- end -}}

{{- define "keyway.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: keyway
{{- end -}}

{{- define "keyway.labels" -}}
{{ include "keyway.commonLabels" . }}
app.kubernetes.io/name: {{ include "keyway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* (dict "root" $ "component" "gateway") */}}
{{- define "keyway.selectorLabels" -}}
{{- $c := index (fromYaml (include "keyway.components" .root)) .component -}}
app.kubernetes.io/name: {{ include "keyway.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ $c.name }}
{{- end -}}

{{- define "keyway.componentLabels" -}}
{{ include "keyway.commonLabels" .root }}
{{ include "keyway.selectorLabels" . }}
{{- end -}}

{{- define "keyway.serviceAccountName" -}}
{{- $v := index .root.Values .component -}}
{{- if $v.serviceAccount.create -}}
{{- default (include "keyway.componentFullname" .) $v.serviceAccount.name -}}
{{- else -}}
{{- default "default" $v.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "keyway.image" -}}
{{- $v := index .root.Values .component -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) $v.imageRepository $tag -}}
{{- else -}}
{{- printf "%s:%s" $v.imageRepository $tag -}}
{{- end -}}
{{- end -}}

{{/* The port on which key-service and billing-service serve https when internalTls is enabled (Quarkus' default). */}}
{{- define "keyway.internalHttpsPort" -}}8443{{- end -}}

{{/* URL of key-service inside the cluster (gateway and billing resolve keys there); https with internalTls. */}}
{{- define "keyway.keyServiceUrl" -}}
{{- $name := include "keyway.componentFullname" (dict "root" . "component" "keyService") -}}
{{- if .Values.internalTls.enabled -}}
{{- printf "https://%s:%s" $name (include "keyway.internalHttpsPort" .) -}}
{{- else -}}
{{- printf "http://%s:8081" $name -}}
{{- end -}}
{{- end -}}

{{/* URL of billing-service inside the cluster (the gateway's GET /api/v1/key asks it for a key's usage). */}}
{{- define "keyway.billingUrl" -}}
{{- $name := include "keyway.componentFullname" (dict "root" . "component" "billing") -}}
{{- if .Values.internalTls.enabled -}}
{{- printf "https://%s:%s" $name (include "keyway.internalHttpsPort" .) -}}
{{- else -}}
{{- printf "http://%s:8082" $name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the three tokens: the generated one (auth.generate), else auth.existingSecret. */}}
{{- define "keyway.tokensSecret" -}}
{{- if .Values.auth.generate -}}
{{- printf "%s-tokens" (include "keyway.fullname" . | trunc 56 | trimSuffix "-") -}}
{{- else -}}
{{- .Values.auth.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* A secretKeyRef env entry: (dict "name" "ENV" "secret" "s" "key" "k") */}}
{{- define "keyway.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret | quote }}
      key: {{ .key | quote }}
{{- end -}}

{{/*
Checks that the schema cannot express (or would express less clearly). Rendered once from NOTES/any template.
*/}}
{{- define "keyway.validate" -}}
{{- $k := .Values.kafka -}}
{{- if hasPrefix "SASL_" $k.securityProtocol -}}
{{- if not $k.sasl.mechanism -}}
{{- fail (printf "kafka.sasl.mechanism is required when kafka.securityProtocol is %s" $k.securityProtocol) -}}
{{- end -}}
{{- if not $k.sasl.existingSecret -}}
{{- fail (printf "kafka.sasl.existingSecret (a Secret holding the sasl.jaas.config line under key %q) is required when kafka.securityProtocol is %s" $k.sasl.jaasConfigKey $k.securityProtocol) -}}
{{- end -}}
{{- end -}}
{{- if and $k.tls.caSecret (not (has $k.securityProtocol (list "SSL" "SASL_SSL"))) -}}
{{- fail (printf "kafka.tls.caSecret is set but kafka.securityProtocol is %s; use SSL or SASL_SSL" $k.securityProtocol) -}}
{{- end -}}
{{- if and $k.tls.clientCertSecret (not (has $k.securityProtocol (list "SSL" "SASL_SSL"))) -}}
{{- fail (printf "kafka.tls.clientCertSecret is set but kafka.securityProtocol is %s; use SSL or SASL_SSL" $k.securityProtocol) -}}
{{- end -}}
{{- $s := .Values.keyService.secretStores -}}
{{- $default := index $s $s.default -}}
{{- if not $default.enabled -}}
{{- fail (printf "keyService.secretStores.default is %q but keyService.secretStores.%s.enabled is false" $s.default $s.default) -}}
{{- end -}}
{{- if $s.local.enabled -}}
{{- $ids := list -}}
{{- range $s.local.masterKeys -}}{{- $ids = append $ids .id -}}{{- end -}}
{{- if not (has $s.local.activeMasterKey $ids) -}}
{{- fail (printf "keyService.secretStores.local.activeMasterKey %q is not the id of an entry in keyService.secretStores.local.masterKeys (ids: %s)" $s.local.activeMasterKey (join ", " $ids)) -}}
{{- end -}}
{{- if ne (len $ids) (len (uniq $ids)) -}}
{{- fail (printf "keyService.secretStores.local.masterKeys has duplicate ids: %s" (join ", " $ids)) -}}
{{- end -}}
{{- end -}}
{{- if $s.vault.enabled -}}
{{- if not $s.vault.address -}}
{{- fail "keyService.secretStores.vault.address is required when the vault store is enabled" -}}
{{- end -}}
{{- if and (eq $s.vault.authMethod "kubernetes") (not $s.vault.kubernetes.role) -}}
{{- fail "keyService.secretStores.vault.kubernetes.role is required when vault.authMethod is kubernetes" -}}
{{- end -}}
{{- if and (eq $s.vault.authMethod "token") (not $s.vault.token.existingSecret) -}}
{{- fail "keyService.secretStores.vault.token.existingSecret is required when vault.authMethod is token" -}}
{{- end -}}
{{- if and (eq $s.vault.authMethod "approle") (not $s.vault.approle.existingSecret) -}}
{{- fail "keyService.secretStores.vault.approle.existingSecret is required when vault.authMethod is approle" -}}
{{- end -}}
{{- end -}}
{{- range $key, $c := fromYaml (include "keyway.components" .) -}}
{{- $v := index $.Values $key -}}
{{- if ge (int $v.shutdownTimeoutSeconds) (int $v.terminationGracePeriodSeconds) -}}
{{- fail (printf "%s.shutdownTimeoutSeconds (%d) must be shorter than %s.terminationGracePeriodSeconds (%d), or Kubernetes kills requests Quarkus is still finishing" $key (int $v.shutdownTimeoutSeconds) $key (int $v.terminationGracePeriodSeconds)) -}}
{{- end -}}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling.minReplicas (%d) is greater than %s.autoscaling.maxReplicas (%d)" $key (int $v.autoscaling.minReplicas) $key (int $v.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.auth.generate -}}
{{- if not .Values.auth.existingSecret -}}
{{- fail "auth.existingSecret is required (a Secret holding the admin, gateway and billing tokens), or set auth.generate=true to let the chart create one with random tokens" -}}
{{- end -}}
{{- end -}}
{{- if .Values.internalTls.enabled -}}
{{- if not .Values.internalTls.certSecret -}}
{{- fail "internalTls.certSecret (a kubernetes.io/tls Secret whose certificate names the key-service and billing-service Services) is required when internalTls.enabled is true" -}}
{{- end -}}
{{- if not .Values.internalTls.caSecret -}}
{{- fail "internalTls.caSecret (a Secret holding the PEM CA bundle that signed internalTls.certSecret) is required when internalTls.enabled is true" -}}
{{- end -}}
{{- end -}}
{{- if and $.Values.ingress.enabled (not $.Values.ingress.host) -}}
{{- fail "ingress.host is required when ingress.enabled is true" -}}
{{- end -}}
{{- end -}}
