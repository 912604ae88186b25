package tree

import (
	"slices"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// PrivateState is what one member knows privately about the ratchet tree
// (RFC 9420, Sections 4 and 7.4): the HPKE private key of its own leaf and
// those of the parent nodes on its direct path that it holds. The tree
// invariant of Section 4 says a member may hold the private key of a node
// only if the node is its leaf or an ancestor of it; PrivateState enforces
// that by refusing keys for any other node.
//
// A PrivateState is never changed by the TreeKEM operations that read it:
// CreateUpdatePath and ReceivedPath.Decrypt return a new one, so that a
// failed operation leaves the caller's state as it was. The caller then
// drops (and may Erase) the old one, which deletes the replaced keys of
// Section 7.5.
type PrivateState struct {
	leaf  treemath.LeafIndex
	keys  map[treemath.NodeIndex]nodeKey // the leaf's node index included
	suite *ciphersuite.Suite
}

// nodeKey is an HPKE key pair held for one node; the public key is kept to
// compare with the tree without re-deriving it.
type nodeKey struct {
	priv, pub []byte
}

// NewPrivateState returns the private state of the member at leaf, which
// holds the HPKE private key encryptionPriv of its leaf node and no parent
// key yet (RFC 9420, Section 7.4). A malformed private key is an
// mlserr.ErrMalformed error.
func NewPrivateState(cs *ciphersuite.Suite, leaf treemath.LeafIndex, encryptionPriv []byte) (*PrivateState, error) {
	if leaf.Node() == treemath.NoNode {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "leaf index %d is beyond any tree (RFC 9420, Appendix C)", leaf)
	}
	p := &PrivateState{leaf: leaf, keys: map[treemath.NodeIndex]nodeKey{}, suite: cs}
	if err := p.SetLeafKey(encryptionPriv); err != nil {
		return nil, err
	}
	return p, nil
}

// Suite returns the cipher suite of p's keys (RFC 9420, Section 5.1).
func (p *PrivateState) Suite() *ciphersuite.Suite { return p.suite }

// Leaf returns the member's leaf index (RFC 9420, Section 4).
func (p *PrivateState) Leaf() treemath.LeafIndex { return p.leaf }

// LeafKey returns the HPKE private key of the member's leaf node (RFC 9420,
// Section 7.2, encryption_key).
func (p *PrivateState) LeafKey() []byte { return p.keys[p.leaf.Node()].priv }

// SetLeafKey replaces the private key of the member's leaf node, as after
// the member's own Update proposal is committed (RFC 9420, Section
// 12.1.2). The old key is erased (RFC 9420, Section 7.5).
func (p *PrivateState) SetLeafKey(encryptionPriv []byte) error {
	return p.setKey(p.leaf.Node(), encryptionPriv)
}

// SetPathSecret sets the key pair of node x to the one derived from
// pathSecret (RFC 9420, Section 7.4). x must be a parent node on the
// member's direct path (the tree invariant, RFC 9420, Section 4). Only the
// private key is kept: the path secret is the caller's to delete.
func (p *PrivateState) SetPathSecret(x treemath.NodeIndex, pathSecret []byte) error {
	if !treemath.IsAncestor(x, p.leaf.Node()) {
		return mlserr.New("", mlserr.ErrInvalidInput, "node %d is not on the direct path of leaf %d; the tree invariant forbids holding its key (RFC 9420, Section 4)", x, p.leaf)
	}
	priv, pub, err := NodeKeyPair(p.suite, pathSecret)
	if err != nil {
		return err
	}
	p.setKeyPair(x, priv, pub)
	clear(priv)
	return nil
}

// setKey stores priv for node x, erasing any key it replaces.
func (p *PrivateState) setKey(x treemath.NodeIndex, priv []byte) error {
	pub, err := p.suite.HPKEPublicKey(priv)
	if err != nil {
		return err
	}
	p.setKeyPair(x, priv, pub)
	return nil
}

// setKeyPair stores copies of a key pair for node x, erasing any key it
// replaces; pub must be the public key of priv.
func (p *PrivateState) setKeyPair(x treemath.NodeIndex, priv, pub []byte) {
	p.deleteKey(x)
	p.keys[x] = nodeKey{priv: clone(priv), pub: clone(pub)}
}

// deleteKey erases and forgets the key of node x (RFC 9420, Section 7.5).
func (p *PrivateState) deleteKey(x treemath.NodeIndex) {
	if k, ok := p.keys[x]; ok {
		clear(k.priv)
		delete(p.keys, x)
	}
}

// PrivateKey returns the HPKE private key held for node x (the member's
// leaf or a parent node on its direct path), if any (RFC 9420, Section
// 7.5).
func (p *PrivateState) PrivateKey(x treemath.NodeIndex) ([]byte, bool) {
	k, ok := p.keys[x]
	return k.priv, ok
}

// Nodes returns the node indices for which a private key is held, in
// increasing order (RFC 9420, Section 4).
func (p *PrivateState) Nodes() []treemath.NodeIndex {
	out := make([]treemath.NodeIndex, 0, len(p.keys))
	for x := range p.keys {
		out = append(out, x)
	}
	slices.Sort(out)
	return out
}

// Clone returns a deep copy of p (RFC 9420, Section 7.4: the keys are
// copied, so erasing one copy leaves the other intact).
func (p *PrivateState) Clone() *PrivateState {
	c := &PrivateState{leaf: p.leaf, keys: make(map[treemath.NodeIndex]nodeKey, len(p.keys)), suite: p.suite}
	for x, k := range p.keys {
		c.keys[x] = nodeKey{priv: clone(k.priv), pub: clone(k.pub)}
	}
	return c
}

// Erase overwrites and forgets every private key of p (RFC 9420, Section
// 7.5: replaced key pairs are deleted). p must not be used afterwards.
func (p *PrivateState) Erase() {
	for x := range p.keys {
		p.deleteKey(x)
	}
}

// CheckConsistent verifies that every key of p belongs to t (RFC 9420,
// Section 4, the tree invariant; test-vectors.md, treekem): for each node
// with a private key, the node in t is not blank and its encryption_key
// is the matching public key. The member's own leaf key must be present.
func (p *PrivateState) CheckConsistent(t *RatchetTree) error {
	if _, ok := p.keys[p.leaf.Node()]; !ok {
		return mlserr.New("", mlserr.ErrInvalidInput, "the private state holds no key for its own leaf %d (RFC 9420, Section 4)", p.leaf)
	}
	for _, x := range p.Nodes() {
		n := t.Node(x)
		if n == nil {
			return mlserr.New("", mlserr.ErrInvalidTree, "a private key is held for node %d, which is blank or outside the tree (RFC 9420, Section 4)", x)
		}
		if !equalKeys(n.EncryptionKey(), p.keys[x].pub) {
			return mlserr.New("", mlserr.ErrInvalidTree, "the private key held for node %d does not match its encryption_key (RFC 9420, Section 4)", x)
		}
	}
	return nil
}

// Prune deletes the keys of parent nodes that are blank in t, lie outside
// it, or hold another public key (RFC 9420, Section 7.5: key pairs that
// were replaced are deleted). The group layer calls it after proposals
// blank nodes (Sections 12.1.2 and 12.1.3). The leaf key is kept.
func (p *PrivateState) Prune(t *RatchetTree) {
	for x, k := range p.keys {
		if x == p.leaf.Node() {
			continue
		}
		if n := t.Node(x); n == nil || n.Parent == nil || !equalKeys(n.Parent.EncryptionKey, k.pub) {
			p.deleteKey(x)
		}
	}
}

// SetWelcomePathSecret installs the path secret a new member receives in a
// Welcome (RFC 9420, Section 12.4.3.1): pathSecret belongs to the lowest
// common ancestor of the member's leaf and the committer's leaf, and each
// later node of the committer's filtered direct path in t (the tree of the
// new epoch) takes the next path secret of the chain (Section 7.4). Each
// derived private key must match the public key of its node in t. On
// error p is left unchanged.
func (p *PrivateState) SetWelcomePathSecret(t *RatchetTree, committer treemath.LeafIndex, pathSecret []byte) error {
	lca, err := treemath.CommonAncestor(p.leaf, committer)
	if err != nil {
		return err
	}
	path, _, err := t.FilteredDirectPath(committer)
	if err != nil {
		return err
	}
	start := slices.Index(path, lca)
	if p.leaf == committer || start < 0 {
		return mlserr.New("", mlserr.ErrInvalidWelcome, "the common ancestor %d of leaves %d and %d is not on the committer's filtered direct path (RFC 9420, Section 12.4.3.1)", lca, p.leaf, committer)
	}
	staged := map[treemath.NodeIndex]nodeKey{}
	defer func() {
		for _, k := range staged {
			clear(k.priv)
		}
	}()
	cur := clone(pathSecret)
	for k := start; k < len(path); k++ {
		if k > start {
			next := NextPathSecret(p.suite, cur)
			clear(cur)
			cur = next
		}
		priv, pub, err := NodeKeyPair(p.suite, cur)
		if err != nil {
			clear(cur)
			return err
		}
		staged[path[k]] = nodeKey{priv: priv, pub: pub}
		// [R-12.4.3.1-4]
		if n := t.ParentNode(path[k]); n == nil || !equalKeys(n.EncryptionKey, pub) {
			clear(cur)
			return mlserr.New("R-12.4.3.1-4", mlserr.ErrInvalidWelcome, "the private key derived from the Welcome's path secret for node %d does not match the node's public key", path[k])
		}
	}
	clear(cur)
	for x, k := range staged {
		p.setKeyPair(x, k.priv, k.pub)
	}
	return nil
}
