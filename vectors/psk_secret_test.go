package vectors

import "testing"

func TestPSKSecretOfficial(t *testing.T) {
	if n := ksVerifyOfficial(t, "psk_secret", "psk_secret.json"); n != 77 {
		t.Errorf("official file has %d cases, want 77 (0 to 10 PSKs for each of 7 suites)", n)
	}
}

func TestPSKSecretGenerated(t *testing.T) { ksVerifyGenerated(t, "psk_secret") }
