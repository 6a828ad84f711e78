// Package compat holds Kindling's differential tests: the reference
// implementations (Ignition v2.26.0, Butane v0.29.0) and Kindling get the
// same input and must give the same verdicts, outputs and provisioned trees.
// It is a module of its own so that the shipped binaries never link the
// references.
package compat
