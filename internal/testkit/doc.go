// Package testkit holds the test helpers that are not stand-ins (those are
// internal/fakeworld):
//
//   - ghatest reads what a step wrote to the runner's file commands, as the
//     runner does;
//   - goldentest compares output with testdata/golden files;
//   - realnodetest drives the real HyperBEAM node the real-node tests run
//     against (contract_test.go holds fakeworld/aotest to it).
package testkit
