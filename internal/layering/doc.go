// Package layering holds the test that keeps the module's packages in layers: data flows
// arch (space) → graph and plan (model) → backend → the backends → bench → results →
// fleet → search and proxy → cmd, and no package imports one above it (the order is in
// the test, with what each layer holds). The package has no code; its test
// reads every Go file's imports with go/parser, whatever its build tags.
package layering
