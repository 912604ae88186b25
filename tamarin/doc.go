// Package tamarin holds mlsref's Tamarin theories of the security claims
// of MLS (see README.md, "Formal models", and spec/security.md): the
// shared library mls.splib, one theory per claim with its broken variants,
// and a sidecar of expected results per theory, which tamarin/check
// compares with what tamarin-prover reports. The package has no Go code of
// its own; its test checks that the labels the theories use are the
// labels of ref/ciphersuite.
package tamarin
