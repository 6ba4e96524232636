// The function app's user-assigned managed identity: storage (host, Durable, the app's tables, the
// deployment package), the Key Vault reference and Application Insights all authenticate as it.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
