package vectors

import "testing"

func TestTranscriptHashesOfficial(t *testing.T) {
	if n := verifyOfficialAllPass(t, "transcript-hashes", "transcript-hashes.json"); n != 7 {
		t.Errorf("official file has %d cases, want 7 (one per suite)", n)
	}
}

func TestTranscriptHashesGenerated(t *testing.T) {
	verifyGeneratedSuites(t, "transcript-hashes")
}
