package vectors

import "testing"

func TestSecretTreeOfficial(t *testing.T) {
	if n := verifyOfficial(t, "secret-tree", "secret-tree.json"); n != 21 {
		t.Errorf("official file has %d cases, want 21 (three trees for each of 7 suites)", n)
	}
}

func TestSecretTreeGenerated(t *testing.T) { verifyGenerated(t, "secret-tree") }
