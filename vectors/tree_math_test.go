package vectors

import (
	"testing"
)

// TestTreeMathHandWritten verifies a tree of three leaves written out by
// hand (not a power of two: relatives beyond the width of 5 are null) and
// checks that single wrong values are caught.
func TestTreeMathHandWritten(t *testing.T) {
	const good = `{"n_leaves":3,"n_nodes":5,"root":3,
		"left":[null,0,null,1,null],
		"right":[null,2,null,null,null],
		"parent":[1,3,1,null,null],
		"sibling":[2,null,0,null,null]}`
	k, _ := Lookup("tree-math")
	tests := []struct {
		name, json string
		ok         bool
	}{
		{"good", good, true},
		{"wrong n_nodes", `{"n_leaves":3,"n_nodes":7,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"wrong root", `{"n_leaves":3,"n_nodes":5,"root":1,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"right of root beyond width", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,5,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"parent of last leaf beyond width", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,5],"sibling":[2,null,0,null,null]}`, false},
		{"sibling of root", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,3,null]}`, false},
		{"left of leaf", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[0,0,null,1,null],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"missing entry", `{"n_leaves":3,"n_nodes":5,"root":3,"left":[null,0,null,1],"right":[null,2,null,null,null],"parent":[1,3,1,null,null],"sibling":[2,null,0,null,null]}`, false},
		{"no leaves", `{"n_leaves":0,"n_nodes":0,"root":0,"left":[],"right":[],"parent":[],"sibling":[]}`, false},
		{"too many leaves", `{"n_leaves":4294967295,"n_nodes":0,"root":0,"left":[],"right":[],"parent":[],"sibling":[]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{}
			if err := k.Verify([]byte("["+tc.json+"]"), rep); err != nil {
				t.Fatal(err)
			}
			if rep.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v: %v", rep.OK(), tc.ok, rep.Failures)
			}
		})
	}
}
