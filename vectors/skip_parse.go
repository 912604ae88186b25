package vectors

// TEMPORARY: a structural skip-parser for Proposal and Commit, to be replaced
// by the real decoders of ref/group once that package exists.
//
// ref/framing needs to know where a Proposal or a Commit ends inside a
// FramedContent or PrivateMessageContent, because the RFC does not
// length-prefix them there. This file walks their fields (RFC 9420,
// Sections 12.1, 12.4, 10, 7.2, 7.6, 8.4, 5.3) just far enough to find the
// end, validating the syntax on the way, and returns the bytes it walked. It
// checks no semantics (signatures, capabilities, ...).

import (
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/framing"
	"github.com/mlsref/mlsref/ref/mlserr"
)

// skipContentDecoder is a framing.ContentDecoder built on the skip-parser.
// TEMPORARY: replace with ref/group's ContentDecoder.
type skipContentDecoder struct{}

var _ framing.ContentDecoder = skipContentDecoder{}

func (skipContentDecoder) ReadProposal(r *codec.Reader) []byte {
	s := &skipper{r: r}
	s.proposal()
	return s.done()
}

func (skipContentDecoder) ReadCommit(r *codec.Reader) []byte {
	s := &skipper{r: r}
	s.commit()
	return s.done()
}

// skipper copies every field it reads from r into w, so that the bytes it
// returns are exactly those it consumed (decoding is strict, so re-encoding
// a field gives back its bytes).
type skipper struct {
	r *codec.Reader
	w codec.Writer
}

func (s *skipper) done() []byte {
	if s.r.Err() != nil {
		return nil
	}
	return s.w.Bytes()
}

func (s *skipper) u8() uint8   { v := s.r.U8(); s.w.U8(v); return v }
func (s *skipper) u16() uint16 { v := s.r.U16(); s.w.U16(v); return v }
func (s *skipper) u32()        { s.w.U32(s.r.U32()) }
func (s *skipper) u64()        { s.w.U64(s.r.U64()) }
func (s *skipper) opaque()     { s.w.Opaque(s.r.Opaque()) }

// vector reads a vector<V> whose elements elem walks, and copies it.
func (s *skipper) vector(elem func(*skipper)) {
	body := s.r.Opaque()
	if s.r.Err() != nil {
		return
	}
	sub := &skipper{r: codec.NewReader(body)}
	for !sub.r.Empty() && sub.r.Err() == nil {
		elem(sub)
	}
	if err := sub.r.Err(); err != nil {
		s.r.Fail(err)
		return
	}
	s.w.Opaque(body)
}

func (s *skipper) optional(f func(*skipper)) {
	present := s.r.Optional()
	if s.r.Err() != nil {
		return
	}
	s.w.Optional(present, func(*codec.Writer) {})
	if present {
		f(s)
	}
}

func (s *skipper) unsupported(what string, v uint64) {
	s.r.Fail(mlserr.New("", mlserr.ErrUnsupported, "skip-parser: unknown %s %d", what, v))
}

// proposal walks a Proposal (RFC 9420, Section 12.1).
func (s *skipper) proposal() {
	switch t := s.u16(); {
	case s.r.Err() != nil:
	case t == 1: // add: KeyPackage key_package
		s.keyPackage()
	case t == 2: // update: LeafNode leaf_node
		s.leafNode()
	case t == 3: // remove: uint32 removed
		s.u32()
	case t == 4: // psk: PreSharedKeyID psk
		s.preSharedKeyID()
	case t == 5: // reinit: group_id<V>, version, cipher_suite, extensions<V>
		s.opaque()
		s.u16()
		s.u16()
		s.vector((*skipper).extension)
	case t == 6: // external_init: opaque kem_output<V>
		s.opaque()
	case t == 7: // group_context_extensions: Extension extensions<V>
		s.vector((*skipper).extension)
	default:
		s.unsupported("proposal type", uint64(t))
	}
}

// commit walks a Commit (RFC 9420, Section 12.4).
func (s *skipper) commit() {
	s.vector((*skipper).proposalOrRef)
	s.optional((*skipper).updatePath)
}

// proposalOrRef walks a ProposalOrRef (RFC 9420, Section 12.4).
func (s *skipper) proposalOrRef() {
	switch t := s.u8(); {
	case s.r.Err() != nil:
	case t == 1: // proposal
		s.proposal()
	case t == 2: // reference: opaque ProposalRef<V>
		s.opaque()
	default:
		s.r.Failf("", "skip-parser: unknown ProposalOrRefType %d", t)
	}
}

// updatePath walks an UpdatePath (RFC 9420, Section 7.6).
func (s *skipper) updatePath() {
	s.leafNode()
	// UpdatePathNode nodes<V>: encryption_key, then
	// HPKECiphertext encrypted_path_secret<V> (kem_output, ciphertext).
	s.vector(func(s *skipper) {
		s.opaque()
		s.vector(func(s *skipper) {
			s.opaque()
			s.opaque()
		})
	})
}

// keyPackage walks a KeyPackage (RFC 9420, Section 10).
func (s *skipper) keyPackage() {
	s.u16()    // version
	s.u16()    // cipher_suite
	s.opaque() // init_key
	s.leafNode()
	s.vector((*skipper).extension)
	s.opaque() // signature
}

// leafNode walks a LeafNode (RFC 9420, Section 7.2).
func (s *skipper) leafNode() {
	s.opaque() // encryption_key
	s.opaque() // signature_key
	s.credential()
	// Capabilities: versions, cipher_suites, extensions, proposals, credentials
	for range 5 {
		s.vector(func(s *skipper) { s.u16() })
	}
	switch src := s.u8(); {
	case s.r.Err() != nil:
	case src == 1: // key_package: Lifetime
		s.u64()
		s.u64()
	case src == 2: // update
	case src == 3: // commit: opaque parent_hash<V>
		s.opaque()
	default:
		s.r.Failf("", "skip-parser: unknown leaf_node_source %d", src)
	}
	s.vector((*skipper).extension)
	s.opaque() // signature
}

// credential walks a Credential (RFC 9420, Section 5.3).
func (s *skipper) credential() {
	switch t := s.u16(); {
	case s.r.Err() != nil:
	case t == 1: // basic: opaque identity<V>
		s.opaque()
	case t == 2: // x509: Certificate certificates<V>
		s.vector((*skipper).opaque)
	default: // any later type: an opaque<V> body, as ref/credential reads it
		s.opaque()
	}
}

// extension walks an Extension (RFC 9420, Section 13.4).
func (s *skipper) extension() {
	s.u16()
	s.opaque()
}

// preSharedKeyID walks a PreSharedKeyID (RFC 9420, Section 8.4).
func (s *skipper) preSharedKeyID() {
	switch t := s.u8(); {
	case s.r.Err() != nil:
	case t == 1: // external: opaque psk_id<V>
		s.opaque()
	case t == 2: // resumption: usage, psk_group_id<V>, psk_epoch
		s.u8()
		s.opaque()
		s.u64()
	default:
		s.r.Failf("", "skip-parser: unknown PSKType %d", t)
	}
	s.opaque() // psk_nonce
}
