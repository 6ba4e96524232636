// Key Vault (RBAC authorization) holding the Strava client secret. The function app reads it through a
// Key Vault reference as its managed identity (Key Vault Secrets User, see roles.bicep).
param name string
param location string
param tags object

@secure()
@description('Empty: the secret is not written (set it later with azd env set STRAVA_CLIENT_SECRET and azd provision).')
param stravaClientSecret string

var secretName = 'strava-client-secret'
var hasSecret = !empty(stravaClientSecret)

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
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (hasSecret) {
  parent: vault
  name: secretName
  properties: {
    value: stravaClientSecret
    contentType: 'Strava API application Client Secret'
  }
}

output name string = vault.name
// Versionless, so a new secret version is picked up without redeploying. Empty while no secret exists:
// an unresolvable reference would reach the app as its literal text.
output stravaKeyVaultReference string = hasSecret ? '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=${secretName})' : ''
