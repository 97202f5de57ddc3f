// Package mlflowclient holds tests that drive the real steward binary with
// third-party MLflow clients: TestNPMClient runs the npm "mlflow" package
// (test/npm-mlflow) through a full tracking scenario. The package has no
// non-test code.
package mlflowclient
