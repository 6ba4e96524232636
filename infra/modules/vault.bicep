// Key Vault (RBAC authorization) holding the Strava client secret and the webhook verify token. The
// function app reads both through Key Vault references as its managed identity (Key Vault Secrets User,
// see roles.bicep).
//
// Re-provisioning is idempotent: a secret is written only when its parameter is given, and the
// references are always set, so a provision from an azd environment without the secret (a fresh clone,
// a CI job) keeps what the vault holds. A reference to a secret not written yet stays unresolved; the
// app then reports "Strava not configured" (settings.py) instead of sending its literal text anywhere.
//
// The name is stable per environment (main.bicep), so `azd down` must purge it (`azd down --purge`)
// before an `azd up` with the same environment name: see docs/deploying.md.
param name string
param location string
param tags object

@secure()
@description('Empty: the secret is not written (the vault keeps its current version).')
param stravaClientSecret string

@secure()
@description('Empty: the token is not written (the vault keeps its current version).')
param stravaWebhookVerifyToken string

var clientSecretName = 'strava-client-secret'
var verifyTokenName = 'strava-webhook-verify-token'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // No purge protection: `azd down --purge` must be able to free the name for the next `azd up`.
    publicNetworkAccess: 'Enabled'
  }
}

resource clientSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stravaClientSecret)) {
  parent: vault
  name: clientSecretName
  properties: {
    value: stravaClientSecret
    contentType: 'Strava API application Client Secret'
  }
}

resource verifyToken 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stravaWebhookVerifyToken)) {
  parent: vault
  name: verifyTokenName
  properties: {
    value: stravaWebhookVerifyToken
    contentType: 'Strava webhook subscription verify token'
  }
}

output name string = vault.name
// App setting -> versionless Key Vault reference (a new secret version is picked up without a provision),
// set whether or not the secret exists yet.
output references object = {
  STRAVA_CLIENT_SECRET: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${clientSecretName})'
  STRAVA_WEBHOOK_VERIFY_TOKEN: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${verifyTokenName})'
}
