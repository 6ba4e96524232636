// strava-snapshot on Azure Functions Flex Consumption, for `azd up`.
// One resource group holds everything; the function app reaches storage, Key Vault and Application
// Insights with one user-assigned managed identity. No account key or client secret is in an app setting.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption: az functionapp list-flexconsumption-locations')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the user running azd (AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer to rotate the Strava secret. Empty: none.')
param principalId string = ''

@description('Strava API application Client ID (public). Empty: /api/strava/authorize answers 503 until it is set.')
param stravaClientId string = ''

@secure()
@description('Strava API application Client Secret. Written to Key Vault only when given (empty: the vault keeps what it has); the app always reads it through a Key Vault reference.')
param stravaClientSecret string = ''

@secure()
@description('Token Strava echoes in the webhook subscription handshake. Written to Key Vault only when given; the app always reads it through a Key Vault reference (no secret in the vault yet: webhooks are off).')
param stravaWebhookVerifyToken string = ''

@description('scheme://host[:port] the app is reached at, behind a custom domain; empty: the app\'s own host.')
param publicBaseUrl string = ''

@description('NCRONTAB (six fields, UTC) of the snapshot job and lifecycle watchdog.')
param snapshotSchedule string = '0 0 */2 * * *'

@description('Origins allowed to read the stats from a browser, comma list; * for any; empty for none.')
param corsAllowedOrigins string = ''

@description('Athlete ids allowed to connect, comma list; empty: the first athlete to connect owns the app.')
param allowedAthleteIds string = ''

@description('Athlete served by /api/stats; empty: the only athlete connected.')
param defaultAthleteId string = ''

@description('Published visibilities, comma list of everyone, followers_only, only_me.')
param snapshotVisibility string = 'everyone'

@allowed(['off', 'outline'])
@description('Route maps: off, or outline (routes trimmed around start, end and privacy zones).')
param snapshotMaps string = 'off'

@minValue(100)
@maxValue(10000)
@description('Metres of every route left out around its start and its end (with maps on).')
param snapshotMapPrivacyRadiusM int = 500

@description('More places no route point may show: lat,lon,radius_m;lat,lon,radius_m (with maps on).')
param snapshotPrivacyZones string = ''

@minValue(1)
@maxValue(200)
@description('Recent activities in the snapshot.')
param snapshotActivityCount int = 30

@minValue(0)
@maxValue(86400)
@description('Cache-Control max-age (and stale-while-revalidate) of the public stats and embeds, seconds: with the webhook debounce it bounds how stale a returning visitor sees them.')
param statsCacheMaxAgeSeconds int = 15

@minValue(1)
@maxValue(3599)
@description('Refresh the access token this many seconds before it expires.')
param tokenRefreshMarginSeconds int = 1200

@minValue(0)
@maxValue(300)
@description('Seconds between the public read cache\'s storage checks.')
param statsCacheRevalidateSeconds int = 5

@minValue(30)
@maxValue(3600)
@description('Lifetime of an OAuth state, seconds.')
param oauthStateTtlSeconds int = 600

@minValue(1)
@maxValue(120)
@description('Timeout of one Strava call, seconds.')
param stravaTimeoutSeconds int = 15

@description('Prefix of the app\'s table names (a letter, then at most 51 letters or digits).')
param tablePrefix string = 'strava'

@description('Goals shown with the totals, comma list like Run:1000km,Ride:5000km/year; empty: none.')
param snapshotGoals string = ''

@minValue(1)
@maxValue(365)
@description('Days between full rescans of the activity history.')
param historyRescanDays int = 7

@minValue(0)
@maxValue(2592000)
@description('Overlap of each incremental history sync, seconds.')
param historySyncOverlapSeconds int = 86400

@minValue(1)
@maxValue(100)
@description('Share of Strava\'s rate limit the app may use, percent.')
param rateBudgetPercent int = 80

@minValue(1)
@maxValue(100)
@description('Share of Strava\'s rate limit background work may use, percent (at most rateBudgetPercent).')
param rateBudgetBackgroundPercent int = 50

@minValue(0)
@maxValue(600)
@description('Quiet window after the latest webhook event, seconds.')
param webhookDebounceSeconds int = 30

@minValue(1)
@maxValue(3600)
@description('A webhook refresh runs at most this many seconds after the first event of a burst.')
param webhookMaxDelaySeconds int = 45

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Upper bound of Flex Consumption instances (a cost ceiling; this app needs one).')
param maximumInstanceCount int = 40

@minValue(0)
@maxValue(10)
@description('Always-ready instances of the durable group (orchestrators, activities, entities): no cold start for them, billed around the clock even when idle (docs/deploying.md). 0: none.')
param durableAlwaysReadyInstances int = 0

var tags = { 'azd-env-name': environmentName }
// 13 lowercase letters and digits, stable for one subscription, environment and region.
var token = toLower(uniqueString(subscription().id, environmentName, location))
var names = {
  resourceGroup: 'rg-${environmentName}'
  identity: 'id-func-${token}'
  storage: 'st${token}'
  deploymentContainer: 'app-package-${token}'
  logs: 'log-${token}'
  insights: 'appi-${token}'
  vault: 'kv-${token}'
  plan: 'plan-${token}'
  functionApp: 'func-${token}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    deploymentContainerName: names.deploymentContainer
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logs
    applicationInsightsName: names.insights
    location: location
    tags: tags
  }
}

module vault 'modules/vault.bicep' = {
  name: 'vault'
  scope: rg
  params: {
    name: names.vault
    location: location
    tags: tags
    stravaClientSecret: stravaClientSecret
    stravaWebhookVerifyToken: stravaWebhookVerifyToken
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    vaultName: vault.outputs.name
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  dependsOn: [roles] // the app starts with its data-plane roles already granted
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageEndpoints: storage.outputs.endpoints
    deploymentContainerName: names.deploymentContainer
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    durableAlwaysReadyInstances: durableAlwaysReadyInstances
    keyVaultReferences: vault.outputs.references
    // Every setting the app reads, from a parameter (an azd environment value, see docs/deploying.md) or
    // a fixed value: the config resource replaces the whole set on each provision, so a setting changed in
    // the portal would be lost on the next one.
    appSettings: {
      STRAVA_CLIENT_ID: stravaClientId
      SNAPSHOT_SCHEDULE: snapshotSchedule
      CORS_ALLOWED_ORIGINS: corsAllowedOrigins
      ALLOWED_ATHLETE_IDS: allowedAthleteIds
      DEFAULT_ATHLETE_ID: defaultAthleteId
      SNAPSHOT_VISIBILITY: snapshotVisibility
      SNAPSHOT_MAPS: snapshotMaps
      SNAPSHOT_MAP_PRIVACY_RADIUS_M: string(snapshotMapPrivacyRadiusM)
      SNAPSHOT_PRIVACY_ZONES: snapshotPrivacyZones
      SNAPSHOT_ACTIVITY_COUNT: string(snapshotActivityCount)
      STATS_CACHE_MAX_AGE_SECONDS: string(statsCacheMaxAgeSeconds)
      PUBLIC_BASE_URL: publicBaseUrl
      TOKEN_REFRESH_MARGIN_SECONDS: string(tokenRefreshMarginSeconds)
      STATS_CACHE_REVALIDATE_SECONDS: string(statsCacheRevalidateSeconds)
      OAUTH_STATE_TTL_SECONDS: string(oauthStateTtlSeconds)
      STRAVA_TIMEOUT_SECONDS: string(stravaTimeoutSeconds)
      TABLE_PREFIX: tablePrefix
      SNAPSHOT_GOALS: snapshotGoals
      HISTORY_RESCAN_DAYS: string(historyRescanDays)
      HISTORY_SYNC_OVERLAP_SECONDS: string(historySyncOverlapSeconds)
      RATE_BUDGET_PERCENT: string(rateBudgetPercent)
      RATE_BUDGET_BACKGROUND_PERCENT: string(rateBudgetBackgroundPercent)
      WEBHOOK_DEBOUNCE_SECONDS: string(webhookDebounceSeconds)
      WEBHOOK_MAX_DELAY_SECONDS: string(webhookMaxDelaySeconds)
      // Strava's own endpoints (the emulator replaces them only in development)
      STRAVA_API_BASE_URL: 'https://www.strava.com/api/v3'
      STRAVA_OAUTH_BASE_URL: 'https://www.strava.com/oauth'
    }
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output APP_URL string = functionApp.outputs.url
@description('Paste into "Authorization Callback Domain" at https://www.strava.com/settings/api')
output STRAVA_CALLBACK_DOMAIN string = functionApp.outputs.hostName
@description('Open with ?code=<function key> (az functionapp keys list) to connect your Strava account')
output STRAVA_AUTHORIZE_URL string = '${functionApp.outputs.url}/api/strava/authorize'
output STATS_URL string = '${functionApp.outputs.url}/api/stats'
