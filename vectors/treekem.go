package vectors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/mlsref/mlsref/internal/seeded"
	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/codec"
	"github.com/mlsref/mlsref/ref/credential"
	"github.com/mlsref/mlsref/ref/extension"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/schedule"
	"github.com/mlsref/mlsref/ref/tree"
	"github.com/mlsref/mlsref/ref/treemath"
)

// treekemCase is one case of treekem.json: a ratchet tree, the private
// TreeKEM state of each member, and one UpdatePath from each member, which
// every other member processes (RFC 9420, Sections 7.4 to 7.6, 7.9 and
// 12.4.2).
type treekemCase struct {
	CipherSuite             uint16              `json:"cipher_suite"`
	GroupID                 HexBytes            `json:"group_id"`
	Epoch                   uint64              `json:"epoch"`
	ConfirmedTranscriptHash HexBytes            `json:"confirmed_transcript_hash"`
	RatchetTree             HexBytes            `json:"ratchet_tree"`
	LeavesPrivate           []treekemLeaf       `json:"leaves_private"`
	UpdatePaths             []treekemUpdatePath `json:"update_paths"`
}

type treekemLeaf struct {
	Index          uint32              `json:"index"`
	EncryptionPriv HexBytes            `json:"encryption_priv"`
	SignaturePriv  HexBytes            `json:"signature_priv"`
	PathSecrets    []treekemPathSecret `json:"path_secrets"`
}

type treekemPathSecret struct {
	Node       uint32   `json:"node"`
	PathSecret HexBytes `json:"path_secret"`
}

type treekemUpdatePath struct {
	Sender     uint32   `json:"sender"`
	UpdatePath HexBytes `json:"update_path"`
	// PathSecrets[j] is the path secret leaf j decrypts; null for the
	// sender and for blank leaves.
	PathSecrets   []*HexBytes `json:"path_secrets"`
	CommitSecret  HexBytes    `json:"commit_secret"`
	TreeHashAfter HexBytes    `json:"tree_hash_after"`
}

func init() {
	var all []uint16
	for _, id := range ciphersuite.All() {
		all = append(all, uint16(id))
	}
	Register(&Kind{
		Name:     "treekem",
		Files:    []string{"treekem.json"},
		Verify:   verifyTreeKEM,
		Generate: generateTreeKEM,
		Suites:   all,
	})
}

// treekemGroupContext encodes the provisional GroupContext of a treekem
// case (test-vectors.md): the case's suite, group_id, epoch and
// confirmed_transcript_hash, the tree hash of the tree with the path
// merged, and no extensions.
func treekemGroupContext(c *treekemCase, treeHash []byte) []byte {
	return codec.Encode(&schedule.GroupContext{
		Version:                 schedule.MLS10,
		CipherSuite:             ciphersuite.ID(c.CipherSuite),
		GroupID:                 c.GroupID,
		Epoch:                   c.Epoch,
		TreeHash:                treeHash,
		ConfirmedTranscriptHash: c.ConfirmedTranscriptHash,
	})
}

// treekemGroup returns the group parameters a treekem case's LeafNodes are
// validated against: its suite and group_id, basic credentials, and no
// required capabilities or GroupContext extensions. A commit LeafNode has
// no lifetime to check.
func treekemGroup(cs *ciphersuite.Suite, c *treekemCase) *tree.GroupParameters {
	return &tree.GroupParameters{Suite: cs, GroupID: c.GroupID, SkipLifetime: true}
}

// treekemValidateLeaf runs the full LeafNode validation of RFC 9420,
// Section 7.3, with one allowance for a defect of the official file: the
// LeafNodes of its cipher suite 7 cases list suites 1 to 6 only in their
// capabilities, so they fail R-7.3-6 in a suite 7 group. test-vectors.md
// asks for no LeafNode validation in treekem, so for that failure alone
// the signature (R-7.3-5) is checked instead; every other failure stands.
func treekemValidateLeaf(ln *tree.LeafNode, ctx *tree.LeafValidationContext) error {
	err := tree.ValidateLeafNode(ln, ctx)
	if mlserr.RequirementOf(err) == "R-7.3-6" && !slices.Contains(ln.Capabilities.CipherSuites, ctx.Suite.ID()) {
		return ln.VerifySignature(ctx.Suite, ctx.GroupID, ctx.LeafIndex)
	}
	return err
}

func verifyTreeKEM(data []byte, rep *Report) error {
	cases, err := decodeCases[treekemCase](data)
	if err != nil {
		return err
	}
	for i := range cases {
		rep.Case(i, func(c *Checker) { checkTreeKEM(c, &cases[i]) })
	}
	return nil
}

func checkTreeKEM(c *Checker, tc *treekemCase) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(tc.CipherSuite))
	if err != nil {
		c.Skip("cipher suite %d: %v", tc.CipherSuite, err)
		return
	}
	var rt tree.RatchetTree
	if !c.NoErr("decode ratchet_tree", codec.Decode(tc.RatchetTree, &rt)) {
		return
	}
	c.NoErr("ratchet_tree parent hashes", rt.VerifyParentHashes(cs))

	// The private state of each member, checked against the tree.
	privs := map[treemath.LeafIndex]*tree.PrivateState{}
	sigPrivs := map[treemath.LeafIndex][]byte{}
	for _, lp := range tc.LeavesPrivate {
		leaf := treemath.LeafIndex(lp.Index)
		if _, dup := privs[leaf]; dup {
			c.Failf("leaves_private: leaf %d listed twice", leaf)
			continue
		}
		ln := rt.Leaf(leaf)
		if ln == nil {
			c.Failf("leaves_private: leaf %d is blank", leaf)
			continue
		}
		ps, err := tree.NewPrivateState(cs, leaf, lp.EncryptionPriv)
		if !c.NoErr(fmt.Sprintf("leaf %d: encryption_priv", leaf), err) {
			continue
		}
		for _, s := range lp.PathSecrets {
			c.NoErr(fmt.Sprintf("leaf %d: path secret of node %d", leaf, s.Node), ps.SetPathSecret(treemath.NodeIndex(s.Node), s.PathSecret))
		}
		c.NoErr(fmt.Sprintf("leaf %d: private state consistent with ratchet_tree", leaf), ps.CheckConsistent(&rt))
		sigPub, err := cs.SignaturePublicKey(lp.SignaturePriv)
		if c.NoErr(fmt.Sprintf("leaf %d: signature_priv", leaf), err) {
			c.Bytes(fmt.Sprintf("leaf %d: public key of signature_priv", leaf), sigPub, ln.SignatureKey)
		}
		privs[leaf] = ps
		sigPrivs[leaf] = lp.SignaturePriv
	}
	for l := treemath.LeafIndex(0); uint32(l) < rt.NumLeaves(); l++ {
		if rt.Leaf(l) != nil && privs[l] == nil {
			c.Failf("leaves_private: no private state for the non-blank leaf %d", l)
		}
	}
	if c.Failed() {
		return
	}

	rand := seeded.New(fmt.Sprintf("treekem verify %x", tc.RatchetTree))
	for k := range tc.UpdatePaths {
		u := &tc.UpdatePaths[k]
		sender := treemath.LeafIndex(u.Sender)
		name := fmt.Sprintf("update_paths[%d] (sender %d)", k, sender)
		var up tree.UpdatePath
		if !c.NoErr(name+": decode update_path", codec.Decode(u.UpdatePath, &up)) {
			continue
		}
		m, err := rt.MergeUpdatePath(cs, tree.MergeParams{Sender: sender, Path: &up, Group: treekemGroup(cs, tc), ValidateLeaf: treekemValidateLeaf})
		if !c.NoErr(name+": merge", err) {
			continue
		}
		th, err := m.Tree().RootTreeHash(cs)
		if !c.NoErr(name+": tree hash after", err) {
			continue
		}
		c.Bytes(name+": tree_hash_after", th, u.TreeHashAfter)
		gc := treekemGroupContext(tc, th)

		if len(u.PathSecrets) != int(rt.NumLeaves()) {
			c.Failf("%s: %d path_secrets for a tree of %d leaves", name, len(u.PathSecrets), rt.NumLeaves())
		}
		for j := range u.PathSecrets {
			leaf := treemath.LeafIndex(j)
			priv := privs[leaf]
			if leaf == sender || priv == nil {
				if u.PathSecrets[j] != nil {
					c.Failf("%s: path_secrets[%d] should be null (sender or blank leaf)", name, j)
				}
				continue
			}
			d, err := m.Decrypt(priv, gc)
			if !c.NoErr(fmt.Sprintf("%s: leaf %d decrypts", name, j), err) {
				continue
			}
			if u.PathSecrets[j] == nil {
				c.Failf("%s: path_secrets[%d] is null", name, j)
			} else {
				c.Bytes(fmt.Sprintf("%s: path_secrets[%d]", name, j), d.PathSecret, *u.PathSecrets[j])
			}
			c.Bytes(fmt.Sprintf("%s: commit_secret at leaf %d", name, j), d.CommitSecret, u.CommitSecret)
			c.NoErr(fmt.Sprintf("%s: leaf %d's new private state", name, j), d.PrivateState.CheckConsistent(m.Tree()))
		}

		// A new UpdatePath from the same sender, created by mlsref, must
		// give every other member the committer's commit secret. This
		// checks mlsref rather than the file, so it is skipped once the
		// case has failed.
		if c.Failed() {
			continue
		}
		if sigPrivs[sender] == nil {
			c.Failf("%s: the sender's leaf has no private state", name)
			continue
		}
		checkTreeKEMRoundTrip(c, cs, tc, &rt, sender, sigPrivs[sender], privs, rand, name)
	}
}

// checkTreeKEMRoundTrip creates an UpdatePath from sender on rt with
// mlsref and checks that every other member processes it to the
// committer's commit secret (test-vectors.md, treekem).
func checkTreeKEMRoundTrip(c *Checker, cs *ciphersuite.Suite, tc *treekemCase, rt *tree.RatchetTree, sender treemath.LeafIndex, sigPriv []byte, privs map[treemath.LeafIndex]*tree.PrivateState, rand io.Reader, name string) {
	p, err := rt.CreateUpdatePath(cs, tree.CreateParams{Leaf: sender, LeafNode: rt.Leaf(sender), SignaturePriv: sigPriv, GroupID: tc.GroupID}, rand)
	if !c.NoErr(name+": create a new UpdatePath", err) {
		return
	}
	defer p.Erase()
	th, err := p.Tree().RootTreeHash(cs)
	if !c.NoErr(name+": tree hash of the new path", err) {
		return
	}
	gc := treekemGroupContext(tc, th)
	up, err := p.Encrypt(gc, rand)
	if !c.NoErr(name+": encrypt the new path", err) {
		return
	}
	var wire tree.UpdatePath
	if !c.NoErr(name+": decode the new path", codec.Decode(codec.Encode(up), &wire)) {
		return
	}
	m, err := rt.MergeUpdatePath(cs, tree.MergeParams{Sender: sender, Path: &wire, Group: treekemGroup(cs, tc), ValidateLeaf: treekemValidateLeaf})
	if !c.NoErr(name+": merge the new path", err) {
		return
	}
	mth, err := m.Tree().RootTreeHash(cs)
	if c.NoErr(name+": tree hash of the merged new path", err) {
		c.Bytes(name+": tree hash, committer vs receiver", mth, th)
	}
	for leaf, priv := range privs {
		if leaf == sender {
			continue
		}
		d, err := m.Decrypt(priv, gc)
		if c.NoErr(fmt.Sprintf("%s: leaf %d decrypts the new path", name, leaf), err) {
			c.Bytes(fmt.Sprintf("%s: new commit secret at leaf %d", name, leaf), d.CommitSecret, p.CommitSecret())
		}
	}
}

// generateTreeKEM builds trees of several shapes by running TreeKEM with
// mlsref (test-vectors.md, "Test tree structure"): two full trees and one
// with internal and trailing blanks, filtered direct paths that skip blank
// nodes, and unmerged leaves; then one UpdatePath from every member. The
// cases are few and small because the mutation test verifies the output
// once per field, and a P-521 case costs thousands of scalar
// multiplications.
func generateTreeKEM(suite uint16, rand io.Reader) (any, error) {
	cs, err := ciphersuite.Lookup(ciphersuite.ID(suite))
	if err != nil {
		return nil, err
	}
	shapes := []func(g *tkGen) error{
		func(g *tkGen) error { return g.getTree(2) },
		func(g *tkGen) error { return g.getTree(4) },
		// Internal blanks, filtered direct paths that skip blank nodes,
		// unmerged leaves and a trailing blank: from get_tree(7), leaf 0
		// removes leaves 1 to 3 and commits, then two members join
		// without a path (into leaves 1 and 2).
		func(g *tkGen) error {
			if err := g.getTree(7); err != nil {
				return err
			}
			g.remove(1)
			g.remove(2)
			g.remove(3)
			if err := g.commit(0); err != nil {
				return err
			}
			for range 2 {
				if _, err := g.add(); err != nil {
					return err
				}
			}
			return nil
		},
	}
	var out []treekemCase
	for _, shape := range shapes {
		g, err := newTKGen(cs, rand)
		if err != nil {
			return nil, err
		}
		if err := shape(g); err != nil {
			return nil, err
		}
		c, err := g.vectorCase()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// tkMember is what the generator keeps of one member: its keys and the
// path secrets of the nodes it knows.
type tkMember struct {
	sigPriv, encPriv []byte
	pathSecrets      map[treemath.NodeIndex][]byte
}

// tkGen evolves one group with TreeKEM, keeping every member's path
// secrets for leaves_private.
type tkGen struct {
	cs      *ciphersuite.Suite
	rand    io.Reader
	tc      treekemCase // group_id, epoch, confirmed_transcript_hash
	tree    *tree.RatchetTree
	members map[treemath.LeafIndex]*tkMember
	names   int
}

func newTKGen(cs *ciphersuite.Suite, rand io.Reader) (*tkGen, error) {
	g := &tkGen{cs: cs, rand: rand, members: map[treemath.LeafIndex]*tkMember{}}
	g.tc.CipherSuite = uint16(cs.ID())
	g.tc.GroupID = make([]byte, 16)
	g.tc.ConfirmedTranscriptHash = make([]byte, cs.Nh())
	var epoch [8]byte
	for _, b := range [][]byte{g.tc.GroupID, g.tc.ConfirmedTranscriptHash, epoch[:]} {
		if _, err := io.ReadFull(rand, b); err != nil {
			return nil, err
		}
	}
	g.tc.Epoch = binary.BigEndian.Uint64(epoch[:]) >> 1
	ln, m, err := g.newMember()
	if err != nil {
		return nil, err
	}
	g.tree = tree.NewRatchetTree(ln)
	g.members[0] = m
	return g, nil
}

// newMember returns a signed key_package LeafNode and its member.
func (g *tkGen) newMember() (*tree.LeafNode, *tkMember, error) {
	sigPriv, sigPub, err := g.cs.GenerateSignatureKeyPair(g.rand)
	if err != nil {
		return nil, nil, err
	}
	encPriv, encPub, err := g.cs.GenerateKeyPair(g.rand)
	if err != nil {
		return nil, nil, err
	}
	g.names++
	ln := &tree.LeafNode{
		EncryptionKey: encPub,
		SignatureKey:  sigPub,
		Credential:    credential.NewBasic(fmt.Appendf(nil, "member %d", g.names)),
		Capabilities: tree.Capabilities{
			Versions:     []tree.ProtocolVersion{tree.MLS10},
			CipherSuites: ciphersuite.All(),
			Extensions:   []extension.ExtensionType{},
			Proposals:    []tree.ProposalType{},
			Credentials:  []credential.CredentialType{credential.Basic},
		},
		LeafNodeSource: tree.SourceKeyPackage,
		Lifetime:       tree.Lifetime{NotBefore: 1_700_000_000, NotAfter: 1_700_000_000 + 365*24*3600},
		Extensions:     extension.List{},
	}
	if err := ln.Sign(g.cs, sigPriv, nil, 0); err != nil {
		return nil, nil, err
	}
	return ln, &tkMember{sigPriv: sigPriv, encPriv: encPriv, pathSecrets: map[treemath.NodeIndex][]byte{}}, nil
}

// add adds a member without a path (RFC 9420, Section 12.1.1).
func (g *tkGen) add() (treemath.LeafIndex, error) {
	ln, m, err := g.newMember()
	if err != nil {
		return 0, err
	}
	i, err := g.tree.AddLeaf(ln)
	if err != nil {
		return 0, err
	}
	g.members[i] = m
	return i, nil
}

// remove removes member i (RFC 9420, Section 12.1.3); the others forget
// the path secrets of nodes that are now blank.
func (g *tkGen) remove(i treemath.LeafIndex) {
	if g.tree.RemoveLeaf(i) != nil {
		return
	}
	delete(g.members, i)
	for _, m := range g.members {
		for x := range m.pathSecrets {
			if g.tree.ParentNode(x) == nil {
				delete(m.pathSecrets, x)
			}
		}
	}
}

// getTree grows the group to n members as get_tree(n) of test-vectors.md
// does: leaf i commits adding member i+1.
func (g *tkGen) getTree(n int) error {
	for i := range n - 1 {
		a, err := g.add()
		if err != nil {
			return err
		}
		if err := g.commit(treemath.LeafIndex(i), a); err != nil {
			return err
		}
	}
	return nil
}

// commit has leaf i send an UpdatePath, the leaves in added being new in
// the same Commit. Each other member learns the path secrets from its
// common ancestor with i upward, as processing the path (or, for a new
// member, its Welcome) would give it.
func (g *tkGen) commit(i treemath.LeafIndex, added ...treemath.LeafIndex) error {
	exclude := map[treemath.LeafIndex]bool{}
	for _, a := range added {
		exclude[a] = true
	}
	sender := g.members[i]
	p, err := g.tree.CreateUpdatePath(g.cs, tree.CreateParams{Leaf: i, LeafNode: g.tree.Leaf(i), SignaturePriv: sender.sigPriv, GroupID: g.tc.GroupID, Exclude: exclude}, g.rand)
	if err != nil {
		return err
	}
	defer p.Erase()
	dp, err := treemath.DirectPath(i.Node(), g.tree.NumLeaves())
	if err != nil {
		return err
	}
	path := p.FilteredDirectPath()
	for j, m := range g.members {
		for _, x := range dp {
			delete(m.pathSecrets, x)
		}
		var from treemath.NodeIndex
		if j == i {
			if len(path) == 0 {
				continue
			}
			from = path[0]
		} else if from, _, err = p.PathSecretFor(j); err != nil {
			return err
		}
		seen := false
		for _, x := range path {
			if x == from {
				seen = true
			}
			if seen {
				ps, _ := p.PathSecret(x)
				m.pathSecrets[x] = bytes.Clone(ps)
			}
		}
	}
	sender.encPriv = bytes.Clone(p.PrivateState().LeafKey())
	g.tree = p.Tree()
	return nil
}

// vectorCase writes the group as a treekem case, with one UpdatePath from
// every member.
func (g *tkGen) vectorCase() (treekemCase, error) {
	tc := g.tc
	tc.RatchetTree = codec.Encode(g.tree)
	tc.LeavesPrivate = []treekemLeaf{}
	tc.UpdatePaths = []treekemUpdatePath{}
	n := g.tree.NumLeaves()
	for l := treemath.LeafIndex(0); uint32(l) < n; l++ {
		m := g.members[l]
		if m == nil {
			continue
		}
		lp := treekemLeaf{Index: uint32(l), EncryptionPriv: m.encPriv, SignaturePriv: m.sigPriv, PathSecrets: []treekemPathSecret{}}
		nodes := make([]treemath.NodeIndex, 0, len(m.pathSecrets))
		for x := range m.pathSecrets {
			nodes = append(nodes, x)
		}
		slices.Sort(nodes)
		for _, x := range nodes {
			lp.PathSecrets = append(lp.PathSecrets, treekemPathSecret{Node: uint32(x), PathSecret: m.pathSecrets[x]})
		}
		tc.LeavesPrivate = append(tc.LeavesPrivate, lp)
	}
	for l := treemath.LeafIndex(0); uint32(l) < n; l++ {
		m := g.members[l]
		if m == nil {
			continue
		}
		p, err := g.tree.CreateUpdatePath(g.cs, tree.CreateParams{Leaf: l, LeafNode: g.tree.Leaf(l), SignaturePriv: m.sigPriv, GroupID: tc.GroupID}, g.rand)
		if err != nil {
			return tc, err
		}
		th, err := p.Tree().RootTreeHash(g.cs)
		if err != nil {
			return tc, err
		}
		up, err := p.Encrypt(treekemGroupContext(&tc, th), g.rand)
		if err != nil {
			return tc, err
		}
		u := treekemUpdatePath{Sender: uint32(l), UpdatePath: codec.Encode(up), PathSecrets: make([]*HexBytes, n), CommitSecret: bytes.Clone(p.CommitSecret()), TreeHashAfter: th}
		for j := range u.PathSecrets {
			if jl := treemath.LeafIndex(j); jl != l && g.members[jl] != nil {
				_, ps, err := p.PathSecretFor(jl)
				if err != nil {
					return tc, err
				}
				h := HexBytes(bytes.Clone(ps))
				u.PathSecrets[j] = &h
			}
		}
		p.Erase()
		tc.UpdatePaths = append(tc.UpdatePaths, u)
	}
	return tc, nil
}
