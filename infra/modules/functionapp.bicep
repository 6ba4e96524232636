// The function app on a Flex Consumption plan (Linux). Python 3.12: the newest version both the Functions
// Python worker and the pinned azure-functions==1.26.0 (Requires-Python <3.13) support.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
@description('blob, queue and table endpoints of the storage account (https://<account>.<service>.core.windows.net/)')
param storageEndpoints object
param deploymentContainerName string
param instanceMemoryMB int
param maximumInstanceCount int
param applicationInsightsConnectionString string
@description('App setting -> Key Vault reference (vault.bicep), set whether or not the secret exists yet.')
param keyVaultReferences object
@description('Always-ready instances of the durable group; 0: none (scale from zero).')
param durableAlwaysReadyInstances int
@description('The app\'s own settings (settings.py, SNAPSHOT_SCHEDULE), as strings.')
param appSettings object

// Microsoft's advice for Durable Functions on Flex Consumption (docs/deploying.md): an always-ready
// instance for the `durable` group avoids cold starts of orchestrations; optional here (none by default)
// because it is billed even when idle.
var alwaysReady = durableAlwaysReadyInstances > 0 ? [
  {
    name: 'durable'
    instanceCount: durableAlwaysReadyInstances
  }
] : []

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' }) // azure.yaml's service
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReady
      }
      runtime: {
        name: 'python'
        version: '3.12'
      }
    }
  }
}

// Identity-based host storage: the Functions host, the Durable extension and storage/connection.py
// (the app's tables) all read these. Flex Consumption takes the runtime from functionAppConfig, so
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not app settings here.
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: storageEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storageEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storageEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// A separate config resource so a setting can name the app's own host (the Strava redirect URI). It
// replaces the whole set, so every setting the app reads is here.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, platformSettings, keyVaultReferences, {
    STRAVA_REDIRECT_URI: 'https://${site.properties.defaultHostName}/api/strava/callback'
  })
}

output name string = site.name
output hostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
