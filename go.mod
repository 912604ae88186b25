module github.com/mlsref/mlsref

go 1.26.8

require (
	github.com/cloudflare/circl v1.6.5
	github.com/google/go-cmp v0.7.0
	github.com/leanovate/gopter v0.2.11
	golang.org/x/crypto v0.58.0
	pgregory.net/rapid v1.3.0
)

require golang.org/x/sys v0.49.0 // indirect
