package vectors

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// treeValidationCase is one case of tree-validation.json: a ratchet tree
// with the resolution and tree hash of every node (RFC 9420, Sections
// 4.1.1 and 7.8), parent hashes to verify as a joiner does (Section
// 7.9.2), and leaves signed for group_id (Section 7.2).
type treeValidationCase struct {
	CipherSuite uint16                 `json:"cipher_suite"`
	Tree        HexBytes               `json:"tree"`
	GroupID     HexBytes               `json:"group_id"`
	Resolutions [][]treemath.NodeIndex `json:"resolutions"`
	TreeHashes  []HexBytes             `json:"tree_hashes"`
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	Register(&Kind{
		Name:     "tree-validation",
		Files:    []string{"tree-validation.json"},
		Verify:   verifyTreeValidation,
		Generate: generateTreeValidation,
		Suites:   all,
	})
}

func verifyTreeValidation(data []byte, rep *Report) error {
	cases, err := decodeCases[treeValidationCase](data)
	if err != nil {
		return err
	}
	for i, tc := range cases {
		rep.Case(i, func(c *Checker) { checkTreeValidation(c, &tc) })
	}
	return nil
}

func checkTreeValidation(c *Checker, tc *treeValidationCase) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("%v", err)
		return
	}
	var rt tree.RatchetTree
	if !c.NoErr("decode tree", codec.Decode(tc.Tree, &rt)) {
		return
	}
	w := int(rt.Width())
	Equal(c, "len(resolutions)", len(tc.Resolutions), w)
	Equal(c, "len(tree_hashes)", len(tc.TreeHashes), w)
	for x := 0; x < w; x++ {
		if x < len(tc.Resolutions) {
			got := rt.Resolution(treemath.NodeIndex(x), nil)
			if !slices.Equal(got, tc.Resolutions[x]) {
				c.Failf("resolutions[%d]: got %v, want %v", x, got, tc.Resolutions[x])
			}
		}
		if x < len(tc.TreeHashes) {
			if h, err := rt.TreeHash(cs, treemath.NodeIndex(x)); c.NoErr(fmt.Sprintf("tree hash of node %d", x), err) {
				c.Bytes(fmt.Sprintf("tree_hashes[%d]", x), h, tc.TreeHashes[x])
			}
		}
	}
	c.NoErr("parent hashes", rt.VerifyParentHashes(cs))
	for i := range rt.NumLeaves() {
		if ln := rt.Leaf(treemath.LeafIndex(i)); ln != nil {
			c.NoErr(fmt.Sprintf("signature of leaf %d", i), verifyLeafSignature(cs, ln, tc.GroupID, treemath.LeafIndex(i)))
		}
	}
}

// leafSignatures memoizes LeafNode signature verification, a pure
// function of the suite, the group_id, the leaf index and the LeafNode.
// Verifying a file many times over, each time with one value changed (as
// the tests do), then costs one verification per distinct leaf: P-521
// signatures take milliseconds each.
var leafSignatures sync.Map // string -> error

func verifyLeafSignature(cs *ciphersuite.Suite, ln *tree.LeafNode, groupID []byte, i treemath.LeafIndex) error {
	var w codec.Writer
	w.U16(uint16(cs.ID()))
	w.Opaque(groupID)
	w.U32(uint32(i))
	ln.MarshalMLS(&w)
	key := string(w.Bytes())
	if v, ok := leafSignatures.Load(key); ok {
		err, _ := v.(error)
		return err
	}
	err := ln.VerifySignature(cs, groupID, i)
	leafSignatures.Store(key, err)
	return err
}

// generateTreeValidation returns, for suite, the trees the official file
// is made of (see test-vectors.md, "Origins of Test Trees") and a few
// trees grown by random adds, removes, updates and commits. The trees are
// built with ref/tree: adds, removes and updates as proposals apply them,
// commits by setting fresh keys on the committer's filtered direct path
// with the parent hashes of RFC 9420, Section 7.9, and every LeafNode
// signed. Every expected value is then computed from the tree.
func generateTreeValidation(suite uint16, rand io.Reader) (any, error) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	var out []treeValidationCase
	emit := func(s *treeSim) error {
		if s.err != nil {
			return s.err
		}
		tc, err := treeValidationCaseOf(cs, s)
		if err != nil {
			return err
		}
		out = append(out, tc)
		return nil
	}
	getTree := func(n int) *treeSim {
		s := newTreeSim(cs, rand)
		for i := 0; i < n-1; i++ {
			s.commit(treemath.LeafIndex(i), 1)
		}
		return s
	}
	// The official file also has get_tree(n) for n = 32, 33 and 34;
	// smaller trees of the same shapes (full, trailing blanks, links
	// skipping trailing blanks) keep generation fast in every suite.
	for _, n := range []int{2, 4, 8, 3, 5, 7, 9} {
		if err := emit(getTree(n)); err != nil {
			return nil, err
		}
	}
	// Internal blanks: get_tree(8), then leaf 0 removes 2 and 3 and adds.
	s := getTree(8)
	s.commit(0, 1, 2, 3)
	if err := emit(s); err != nil {
		return nil, err
	}
	// Parent-hash links skipping blanks: get_tree(8), leaf 0 removes 1-3.
	s = getTree(8)
	s.commit(0, 0, 1, 2, 3)
	if err := emit(s); err != nil {
		return nil, err
	}
	// Unmerged leaves: get_tree(7), then leaf 0 adds a member.
	s = getTree(7)
	s.add()
	if err := emit(s); err != nil {
		return nil, err
	}
	// Random evolutions.
	for range 2 {
		s := getTree(2)
		for range 16 {
			s.randomStep()
		}
		if err := emit(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// treeValidationCaseOf computes a case's expected values from s's tree.
func treeValidationCaseOf(cs *ciphersuite.Suite, s *treeSim) (treeValidationCase, error) {
	tc := treeValidationCase{CipherSuite: uint16(cs.ID()), Tree: codec.Encode(s.tree), GroupID: s.groupID}
	// The expected values are those of the tree a receiver decodes.
	var rt tree.RatchetTree
	if err := codec.Decode(tc.Tree, &rt); err != nil {
		return tc, err
	}
	for x := range rt.Width() {
		res := rt.Resolution(treemath.NodeIndex(x), nil)
		if res == nil {
			res = []treemath.NodeIndex{}
		}
		tc.Resolutions = append(tc.Resolutions, res)
		h, err := rt.TreeHash(cs, treemath.NodeIndex(x))
		if err != nil {
			return tc, err
		}
		tc.TreeHashes = append(tc.TreeHashes, h)
	}
	return tc, nil
}

// treeSim evolves a ratchet tree with real keys and signatures, without
// TreeKEM secrets: only the public structure that a joiner validates.
// The first error sticks.
type treeSim struct {
	cs      *ciphersuite.Suite
	rand    io.Reader
	groupID []byte
	tree    *tree.RatchetTree
	sigPriv map[treemath.LeafIndex][]byte
	names   int
	err     error
}

func newTreeSim(cs *ciphersuite.Suite, rand io.Reader) *treeSim {
	s := &treeSim{cs: cs, rand: rand, sigPriv: map[treemath.LeafIndex][]byte{}}
	s.groupID = s.bytes(16)
	ln, priv := s.keyPackageLeaf()
	if s.err == nil {
		s.tree = tree.NewRatchetTree(ln)
		s.sigPriv[0] = priv
	}
	return s
}

func (s *treeSim) bytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil && s.err == nil {
		s.err = err
	}
	return b
}

func (s *treeSim) intn(n int) int {
	return int(binary.BigEndian.Uint32(s.bytes(4)) % uint32(n))
}

func (s *treeSim) hpkeKey() []byte {
	_, pub, err := s.cs.GenerateKeyPair(s.rand)
	if err != nil && s.err == nil {
		s.err = err
	}
	return pub
}

// keyPackageLeaf returns a signed key_package LeafNode and its signature
// private key.
func (s *treeSim) keyPackageLeaf() (*tree.LeafNode, []byte) {
	priv, pub, err := s.cs.GenerateSignatureKeyPair(s.rand)
	if err != nil {
		s.err = err
		return nil, nil
	}
	s.names++
	ln := &tree.LeafNode{
		EncryptionKey: s.hpkeKey(),
		SignatureKey:  pub,
		Credential:    credential.NewBasic([]byte(fmt.Sprintf("member %d", s.names))),
		Capabilities: tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: []ciphersuite.ID{s.cs.ID()},
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		},
		LeafNodeSource: tree.SourceKeyPackage,
		Lifetime:       tree.Lifetime{NotBefore: 1_700_000_000, NotAfter: 1_700_000_000 + 365*24*3600},
		Extensions:     extension.List{},
	}
	if err := ln.Sign(s.cs, priv, nil, 0); err != nil {
		s.err = err
	}
	return ln, priv
}

func (s *treeSim) add() {
	if s.err != nil {
		return
	}
	ln, priv := s.keyPackageLeaf()
	if s.err != nil {
		return
	}
	i, err := s.tree.AddLeaf(ln)
	if err != nil {
		s.err = err
		return
	}
	s.sigPriv[i] = priv
}

func (s *treeSim) remove(i treemath.LeafIndex) {
	if s.err != nil {
		return
	}
	s.err = s.tree.RemoveLeaf(i)
	delete(s.sigPriv, i)
}

// resigned returns a copy of the LeafNode of leaf i, changed by f and
// signed again for the group.
func (s *treeSim) resigned(i treemath.LeafIndex, f func(*tree.LeafNode)) *tree.LeafNode {
	ln := s.tree.Leaf(i).Clone()
	f(ln)
	if err := ln.Sign(s.cs, s.sigPriv[i], s.groupID, i); err != nil && s.err == nil {
		s.err = err
	}
	return ln
}

func (s *treeSim) update(i treemath.LeafIndex) {
	if s.err != nil {
		return
	}
	ln := s.resigned(i, func(ln *tree.LeafNode) {
		ln.EncryptionKey = s.hpkeKey()
		ln.LeafNodeSource = tree.SourceUpdate
		ln.Lifetime = tree.Lifetime{}
		ln.ParentHash = nil
	})
	if s.err == nil {
		s.err = s.tree.UpdateLeaf(i, ln)
	}
}

// commit has leaf i commit removes, then adds, then a full path.
func (s *treeSim) commit(i treemath.LeafIndex, adds int, removes ...treemath.LeafIndex) {
	for _, r := range removes {
		s.remove(r)
	}
	for range adds {
		s.add()
	}
	if s.err != nil {
		return
	}
	if s.err = s.tree.BlankDirectPath(i); s.err != nil {
		return
	}
	fdp, _, err := s.tree.FilteredDirectPath(i)
	if err != nil {
		s.err = err
		return
	}
	for _, p := range fdp {
		pn := &tree.ParentNode{EncryptionKey: s.hpkeKey(), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}
		if s.err == nil {
			s.err = s.tree.SetParent(p, pn)
		}
	}
	if s.err != nil {
		return
	}
	ph, err := s.tree.SetPathParentHashes(s.cs, i)
	if err != nil {
		s.err = err
		return
	}
	ln := s.resigned(i, func(ln *tree.LeafNode) {
		ln.EncryptionKey = s.hpkeKey()
		ln.LeafNodeSource = tree.SourceCommit
		ln.Lifetime = tree.Lifetime{}
		ln.ParentHash = ph
	})
	if s.err == nil {
		s.err = s.tree.SetLeaf(i, ln)
	}
}

// randomStep applies one random operation: a commit (with adds and
// removes), a bare add, a remove or an update.
func (s *treeSim) randomStep() {
	if s.err != nil {
		return
	}
	var members []treemath.LeafIndex
	for i := range s.tree.NumLeaves() {
		if s.tree.Leaf(treemath.LeafIndex(i)) != nil {
			members = append(members, treemath.LeafIndex(i))
		}
	}
	pick := func() treemath.LeafIndex { return members[s.intn(len(members))] }
	switch op := s.intn(4); {
	case op == 0 || len(members) < 3:
		committer := pick()
		var removes []treemath.LeafIndex
		if len(members) > 3 && s.intn(2) == 0 {
			if r := pick(); r != committer {
				removes = append(removes, r)
			}
		}
		s.commit(committer, s.intn(3), removes...)
	case op == 1:
		s.add()
	case op == 2:
		s.remove(pick())
	default:
		s.update(pick())
	}
}
