package ciphersuite_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/mlsref/mlsref/ref/ciphersuite"
)

// One suite per hash: SHA-256, SHA-384, SHA-512.
var (
	sha256Suite = ciphersuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
	sha384Suite = ciphersuite.MLS_256_DHKEMP384_AES256GCM_SHA384_P384
	sha512Suite = ciphersuite.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448
)

// TestHashHKDFHMACKnownAnswers checks Hash against FIPS 180-2 ("abc"),
// Extract and Expand against RFC 5869 test case 1, and MAC against RFC
// 4231 test case 2, for the three hashes of the suites. The SHA-384 and
// SHA-512 HKDF outputs were computed independently with Python's hmac.
func TestHashHKDFHMACKnownAnswers(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	salt := unhex(t, "000102030405060708090a0b0c")
	info := unhex(t, "f0f1f2f3f4f5f6f7f8f9")
	tests := []struct {
		id                  ciphersuite.ID
		hashABC, prk, okm42 string
		hmacJefe            string
	}{
		{sha256Suite,
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			"077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
			"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{sha384Suite,
			"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
			"704b39990779ce1dc548052c7dc39f303570dd13fb39f7acc564680bef80e8dec70ee9a7e1f3e293ef68eceb072a5ade",
			"9b5097a86038b805309076a44b3a9f38063e25b516dcbf369f394cfab43685f748b6457763e4f0204fc5",
			"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{sha512Suite,
			"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
			"665799823737ded04a88e47e54a5890bb2c3d247c7a4254a8e61350723590a26c36238127d8661b88cf80ef802d57e2f7cebcf1e00e083848be19929c61b4237",
			"832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362cb8d9f925d7cb",
			"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
	}
	for _, tt := range tests {
		s := mustLookup(t, tt.id)
		t.Run(s.String(), func(t *testing.T) {
			if got := hex.EncodeToString(s.Hash([]byte("abc"))); got != tt.hashABC {
				t.Errorf("Hash(abc) = %s", got)
			}
			prk := s.Extract(salt, ikm)
			if got := hex.EncodeToString(prk); got != tt.prk {
				t.Errorf("Extract = %s", got)
			}
			if got := hex.EncodeToString(s.Expand(prk, info, 42)); got != tt.okm42 {
				t.Errorf("Expand = %s", got)
			}
			mac := s.MAC([]byte("Jefe"), []byte("what do ya want for nothing?"))
			if got := hex.EncodeToString(mac); got != tt.hmacJefe {
				t.Errorf("MAC = %s", got)
			}
		})
	}
}

// TestLabeledKnownAnswers checks ExpandWithLabel, DeriveSecret,
// DeriveTreeSecret and RefHash against values computed independently with
// Python's hmac and hashlib from RFC 9420, Sections 5.2, 8 and 9.1. The
// long label needs a two-byte vector length header (RFC 9420, Section
// 2.1.2), which the official crypto-basics vectors never exercise.
func TestLabeledKnownAnswers(t *testing.T) {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	context100 := make([]byte, 100)
	value70 := make([]byte, 70)
	for i := range context100 {
		context100[i] = byte(i)
	}
	copy(value70, context100)
	long := "a label that is longer than sixty-three bytes, so its header is 2 bytes"

	s256, s384, s512 := mustLookup(t, sha256Suite), mustLookup(t, sha384Suite), mustLookup(t, sha512Suite)
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"ExpandWithLabel SHA-256 long label", s256.ExpandWithLabel(secret, long, context100, 100),
			"9a254fc1c7c77f4f259ad64b50a073a39e00cbeca5cacd6b5daa7a0753f47b16e29255c00a64cdad9cfd8341e95d8c03db944542f738dd83eabb182f5ef6013c4f2678d958b82f80ef6c15e34ac096853e2f68e94e83c0daeb01aac6b9db182209536053"},
		{"DeriveSecret SHA-512 path", s512.DeriveSecret(secret, ciphersuite.LabelPath),
			"0c3ba6760418d5a0bdf3772c0a0755f78223deb181b609604e1793b8f40d506c17e02bd9c2edebc5cd1007172e1a03ed971a4bb54a7d9e2839c7c54aa6a8b579"},
		{"DeriveTreeSecret SHA-384 key", s384.DeriveTreeSecret(secret, ciphersuite.LabelKey, 0xdeadbeef, 32),
			"c1df376e745940d37d7f7ab5885d350e415b56127a730232ed741f82b7c7a988"},
		{"MakeKeyPackageRef SHA-256", s256.MakeKeyPackageRef(value70),
			"86bcd437bb77187882c7f76fbcb01de08adb2835fae5c5c16892aafe5184f8fa"},
		{"MakeProposalRef SHA-512", s512.MakeProposalRef(value70),
			"23d83042cb95d9d37a3c1439c5f000806515558ee7d261c81a32908cf8d0f198b4f052b73813fe80d403854562de08c56cd8ee901611f03acc56c0ded8662d44"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.got); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestExpandLengthBounds checks that lengths HKDF or KDFLabel cannot
// express give nil rather than a panic or a truncated output.
func TestExpandLengthBounds(t *testing.T) {
	s := mustLookup(t, sha256Suite)
	secret := make([]byte, 32)
	for _, n := range []int{-1, 255*32 + 1, 1 << 16, 1 << 20} {
		if got := s.ExpandWithLabel(secret, "x", nil, n); got != nil {
			t.Errorf("ExpandWithLabel length %d = %d bytes, want nil", n, len(got))
		}
		if got := s.Expand(secret, nil, n); got != nil {
			t.Errorf("Expand length %d = %d bytes, want nil", n, len(got))
		}
	}
	for _, n := range []int{0, 1, 255 * 32} {
		if got := s.ExpandWithLabel(secret, "x", nil, n); len(got) != n || got == nil {
			t.Errorf("ExpandWithLabel length %d gave %d bytes", n, len(got))
		}
	}
	// A short PRK is a valid HMAC key: no panic, an output.
	if got := s.DeriveSecret([]byte{1}, "x"); len(got) != 32 {
		t.Errorf("DeriveSecret with a 1-byte secret gave %d bytes", len(got))
	}
}

// TestVerifyMAC checks VerifyMAC on a right tag, and on tags that are
// altered, truncated, extended or empty.
func TestVerifyMAC(t *testing.T) {
	for _, id := range ciphersuite.All() {
		s := mustLookup(t, id)
		t.Run(s.String(), func(t *testing.T) {
			key, data := []byte("membership key"), []byte("AuthenticatedContentTBM")
			tag := s.MAC(key, data)
			if len(tag) != s.Nh() {
				t.Fatalf("MAC is %d bytes, want Nh = %d", len(tag), s.Nh())
			}
			if !s.VerifyMAC(key, data, tag) {
				t.Fatal("VerifyMAC rejects the right tag")
			}
			altered := bytes.Clone(tag)
			altered[len(altered)-1] ^= 1
			bad := map[string][]byte{
				"altered":   altered,
				"truncated": tag[:len(tag)-1],
				"extended":  append(bytes.Clone(tag), 0),
				"empty":     nil,
			}
			for name, b := range bad {
				if s.VerifyMAC(key, data, b) {
					t.Errorf("VerifyMAC accepts a tag that is %s", name)
				}
			}
			if s.VerifyMAC([]byte("other key"), data, tag) {
				t.Error("VerifyMAC accepts the tag under another key")
			}
		})
	}
}
