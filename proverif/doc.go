// Package proverif holds mlsref's ProVerif models of the security claims
// of MLS (see README.md, "Formal models", and spec/security.md): the
// shared library mls.pvl, one model per claim with its broken variants,
// and a sidecar of expected results per model, which proverif/check
// compares with what ProVerif reports. The package has no Go code of its
// own; its test checks that the labels the models use are the labels of
// ref/ciphersuite.
package proverif
