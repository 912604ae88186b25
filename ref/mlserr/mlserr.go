// Package mlserr holds the error classes of mlsref. Every error that a
// check of RFC 9420 returns is an *Error: it names the requirement ID of the
// rule that was broken (see spec/), belongs to one sentinel class, and reads
// "mls: [R-x.y-n] what was wrong". Tests match errors with errors.Is on the
// class and with RequirementOf (or errors.As) on the ID, never by string.
package mlserr

import (
	"errors"
	"fmt"
)

// Sentinel classes. Every *Error wraps exactly one of them.
var (
	// ErrMalformed: the bytes do not decode as the RFC's struct
	// (truncated, overlong, non-minimal, unknown enum, trailing bytes).
	ErrMalformed = errors.New("malformed")
	// ErrInvalidSignature: a SignWithLabel signature does not verify.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrInvalidMembershipTag: a PublicMessage membership_tag does not verify.
	ErrInvalidMembershipTag = errors.New("invalid membership tag")
	// ErrInvalidConfirmationTag: a confirmation_tag does not verify.
	ErrInvalidConfirmationTag = errors.New("invalid confirmation tag")
	// ErrDecryption: AEAD or HPKE decryption failed.
	ErrDecryption = errors.New("decryption failed")
	// ErrGeneration: a secret-tree generation is consumed, too far ahead or
	// out of range.
	ErrGeneration = errors.New("unusable generation")
	// ErrEpoch: a message is for an epoch the receiver cannot process.
	ErrEpoch = errors.New("wrong epoch")
	// ErrInvalidTree: a ratchet tree or leaf breaks a rule of Sections 4 and 7.
	ErrInvalidTree = errors.New("invalid ratchet tree")
	// ErrInvalidCredential: a credential is rejected by the Authentication
	// Service or breaks Section 5.3.
	ErrInvalidCredential = errors.New("invalid credential")
	// ErrInvalidProposal: a proposal or proposal list breaks Section 12.
	ErrInvalidProposal = errors.New("invalid proposal")
	// ErrInvalidCommit: a commit breaks Section 12.4.
	ErrInvalidCommit = errors.New("invalid commit")
	// ErrInvalidWelcome: a Welcome or GroupInfo breaks Section 12.4.3.
	ErrInvalidWelcome = errors.New("invalid welcome")
	// ErrInvalidKeyPackage: a KeyPackage breaks Section 10.1.
	ErrInvalidKeyPackage = errors.New("invalid key package")
	// ErrUnsupported: a cipher suite, credential or extension is not supported.
	ErrUnsupported = errors.New("unsupported")
	// ErrInvalidInput: the caller asked for something the RFC does not allow
	// (a local misuse rather than a bad message from a peer).
	ErrInvalidInput = errors.New("invalid input")
)

// Error is a broken rule of RFC 9420.
type Error struct {
	Req   string // requirement ID from spec/, e.g. "R-7.3-5"; "" if none applies
	Class error  // one of the sentinels above
	Msg   string // what was wrong, in the words of the RFC where possible
	Err   error  // an underlying cause, or nil
}

func (e *Error) Error() string {
	s := "mls: "
	if e.Req != "" {
		s += "[" + e.Req + "] "
	}
	s += e.Class.Error() + ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes both the class and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Class, e.Err}
	}
	return []error{e.Class}
}

// New returns an *Error of the given requirement and class.
func New(req string, class error, format string, args ...any) error {
	return &Error{Req: req, Class: class, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with an underlying cause.
func Wrap(req string, class error, cause error, format string, args ...any) error {
	return &Error{Req: req, Class: class, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// RequirementOf returns the requirement ID of the outermost *Error in err's
// chain, or "" if there is none.
func RequirementOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Req
	}
	return ""
}

// Requirements returns the requirement IDs of every *Error in err's chain,
// outermost first.
func Requirements(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok && e.Req != "" {
			out = append(out, e.Req)
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}
