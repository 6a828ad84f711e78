package compat

import "testing"

// FuzzValidateDifferential feeds the same bytes to both validators; they
// must agree on valid or invalid, except where a safety rule of
// docs/compat.md explains Kindling's rejection. The seeds are the corpus of
// TestValidateDifferential; without -fuzz, go test runs just them.
//
//	go test -run '^$' -fuzz FuzzValidateDifferential -fuzztime 60s
func FuzzValidateDifferential(f *testing.F) {
	seen := map[[32]byte]bool{}
	for _, src := range validateSources {
		if (src.name == "wild-ign" || src.name == "wild-bu") && !haveWildConfigs() {
			continue
		}
		for _, in := range dedupe(src.load(f), seen) {
			f.Add(in.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		theirs, panicked := ignitionVerdict(data)
		if panicked {
			t.Skipf("the reference panicked: %s", theirs)
		}
		ours := kindlingVerdict(data)
		if ours.valid != theirs.valid && intentional(ours, theirs) == "" {
			t.Errorf("disagreement: %s", describeDisagreement(validateInput{"fuzz input", data}, ours, theirs))
		}
	})
}

func haveWildConfigs() bool {
	_, err := wildConfigsDirErr()
	return err == nil
}
