package governance

// DeploymentReader reads deployments.
type DeploymentReader interface{}

// DeploymentWriter writes them.
type DeploymentWriter interface{}
