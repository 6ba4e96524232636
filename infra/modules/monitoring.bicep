// Workspace-based Application Insights with local (instrumentation-key) authentication disabled: the
// function app sends telemetry as its managed identity (Monitoring Metrics Publisher, see roles.bicep).
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    workspaceCapping: {
      dailyQuotaGb: 1 // a cost ceiling far above what this app logs
    }
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = insights.name
// Not a secret (it names the resource and its ingestion endpoint); ingestion needs Entra ID here.
output connectionString string = insights.properties.ConnectionString
