package vectors

import "testing"

func TestSecretTreeOfficial(t *testing.T) {
	if n := ksVerifyOfficial(t, "secret-tree", "secret-tree.json"); n != 21 {
		t.Errorf("official file has %d cases, want 21 (three trees for each of 7 suites)", n)
	}
}

func TestSecretTreeGenerated(t *testing.T) { ksVerifyGenerated(t, "secret-tree") }
