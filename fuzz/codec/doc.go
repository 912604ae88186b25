// Package codec holds the native Go fuzz targets of the presentation
// language of RFC 9420, Section 2.1 (package ref/codec): FuzzVarint for
// the variable-size length headers of Section 2.1.2 and FuzzVector for
// nested vectors and optional values. Both check that no input panics and
// that whatever decodes re-encodes to the same bytes.
//
//	go test ./fuzz/codec -run '^$' -fuzz FuzzVector -fuzztime 1m
package codec
