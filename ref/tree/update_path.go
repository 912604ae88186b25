package tree

import (
	"io"

	"github.com/mlsref/mlsref/ref/ciphersuite"
	"github.com/mlsref/mlsref/ref/mlserr"
	"github.com/mlsref/mlsref/ref/treemath"
)

// TreeKEM: creating and processing an UpdatePath (RFC 9420, Sections 7.4
// to 7.6, 7.9 and the path steps of 12.4.1 and 12.4.2).
//
// Both sides work in two steps, because the HPKE context of the path
// secrets is the provisional GroupContext, whose tree_hash is that of the
// tree with the path already merged:
//
//	committer                              receiver
//	p, _ := t.CreateUpdatePath(...)        m, _ := t.MergeUpdatePath(...)
//	gc := provisional GroupContext         gc := provisional GroupContext
//	      over p.Tree()                          over m.Tree()
//	path, _ := p.Encrypt(gc, rand)         d, _ := m.Decrypt(priv, gc)
//
// Neither step modifies the tree or private state it is given: each
// returns a new one, so a failure at any step leaves the caller's state
// exactly as it was.

// CreateParams are the inputs of CreateUpdatePath (RFC 9420, Sections 7.4,
// 7.5 and 12.4.1).
type CreateParams struct {
	// Leaf is the committer's leaf index in the tree the path applies to
	// (the tree after the Commit's proposals; for an external Commit, the
	// leaf assigned to the joiner).
	Leaf treemath.LeafIndex
	// LeafNode is the template of the committer's new LeafNode: its
	// signature_key, credential, capabilities and extensions are kept
	// (Section 7.5 lets the application change them). encryption_key,
	// leaf_node_source, parent_hash and signature are set by
	// CreateUpdatePath; the template is not modified.
	LeafNode *LeafNode
	// SignaturePriv is the private key matching LeafNode.SignatureKey.
	SignaturePriv []byte
	// GroupID is signed into the new LeafNode with Leaf (Section 7.2).
	GroupID []byte
	// Exclude holds the leaves added by the same Commit, which are left
	// out of every resolution the path secrets are encrypted to (Sections
	// 7.5 and 7.6).
	Exclude map[treemath.LeafIndex]bool
}

// PendingUpdatePath is a committer's UpdatePath between the update of its
// direct path and the encryption of the path secrets (RFC 9420, Section
// 12.4.1). It holds the path secrets until Erase is called.
type PendingUpdatePath struct {
	suite        *ciphersuite.Suite
	tree         *RatchetTree
	leaf         treemath.LeafIndex
	path, copath []treemath.NodeIndex
	pathSecrets  [][]byte
	commitSecret []byte
	exclude      map[treemath.LeafIndex]bool
	priv         *PrivateState
}

// CreateUpdatePath updates the direct path of the committer's leaf in a
// copy of t (RFC 9420, Sections 7.4 and 7.5): it draws a leaf secret from
// rand, derives the path secrets of the filtered direct path and their key
// pairs, blanks the direct path, sets the new parent nodes (with empty
// unmerged_leaves), computes their parent hashes (Section 7.9), and
// stores the new LeafNode, with leaf_node_source commit and its parent
// hash, signed. t is not modified. The path secrets are encrypted by
// Encrypt, once the caller has computed the provisional GroupContext over
// Tree().
func (t *RatchetTree) CreateUpdatePath(cs *ciphersuite.Suite, params CreateParams, rand io.Reader) (*PendingUpdatePath, error) {
	if params.LeafNode == nil {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "CreateUpdatePath needs a LeafNode template (RFC 9420, Section 7.5)")
	}
	if uint64(params.Leaf) >= uint64(t.NumLeaves()) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "committer leaf %d is outside a tree of %d leaves (RFC 9420, Section 7.4)", params.Leaf, t.NumLeaves())
	}
	nt := t.Fork()
	path, copath, err := nt.FilteredDirectPath(params.Leaf)
	if err != nil {
		return nil, err
	}

	// Section 7.4: a fresh leaf secret, the leaf key pair, and one path
	// secret per node of the filtered direct path.
	leafSecret, err := NewLeafSecret(cs, rand)
	if err != nil {
		return nil, err
	}
	defer clear(leafSecret)
	leafPriv, leafPub, err := NodeKeyPair(cs, leafSecret)
	if err != nil {
		return nil, err
	}
	pathSecrets, commitSecret := PathSecrets(cs, leafSecret, len(path))
	p := &PendingUpdatePath{
		suite: cs, tree: nt, leaf: params.Leaf, path: path, copath: copath,
		pathSecrets: pathSecrets, commitSecret: commitSecret,
		exclude: cloneExclude(params.Exclude),
	}
	fail := func(err error) (*PendingUpdatePath, error) {
		p.Erase()
		clear(leafPriv)
		return nil, err
	}
	if p.priv, err = NewPrivateState(cs, params.Leaf, leafPriv); err != nil {
		return fail(err)
	}
	clear(leafPriv)

	// Section 7.5, steps 1 and 2: blank the direct path, then give each
	// node of the filtered direct path its new key.
	if err := nt.BlankDirectPath(params.Leaf); err != nil {
		return fail(err)
	}
	for i, x := range path {
		priv, pub, err := NodeKeyPair(cs, pathSecrets[i])
		if err != nil {
			return fail(err)
		}
		p.priv.setKeyPair(x, priv, pub)
		clear(priv)
		if err := nt.SetParent(x, &ParentNode{EncryptionKey: pub, ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
			return fail(err)
		}
	}

	// Section 7.5, steps 3 and 4: parent hashes, then the new leaf.
	leafPH, err := nt.SetPathParentHashes(cs, params.Leaf)
	if err != nil {
		return fail(err)
	}
	leaf := params.LeafNode.Clone()
	leaf.EncryptionKey = leafPub
	leaf.LeafNodeSource = SourceCommit
	leaf.Lifetime = Lifetime{}
	leaf.ParentHash = leafPH
	if err := leaf.Sign(cs, params.SignaturePriv, params.GroupID, params.Leaf); err != nil {
		return fail(err)
	}
	if err := nt.SetLeaf(params.Leaf, leaf); err != nil {
		return fail(err)
	}
	return p, nil
}

// Tree returns the tree with the committer's path merged (RFC 9420,
// Section 12.4.1): the caller hashes it for the provisional GroupContext
// and adopts it as the new tree once the Commit is complete. It must not
// be modified before Encrypt.
func (p *PendingUpdatePath) Tree() *RatchetTree { return p.tree }

// LeafNode returns the committer's new, signed LeafNode (RFC 9420, Section
// 7.5).
func (p *PendingUpdatePath) LeafNode() *LeafNode { return p.tree.Leaf(p.leaf) }

// CommitSecret returns the commit_secret, the path secret one step above
// the last node of the filtered direct path (RFC 9420, Section 12.4.1).
func (p *PendingUpdatePath) CommitSecret() []byte { return p.commitSecret }

// PrivateState returns the committer's new private state: the private key
// of its new leaf and of every node of its filtered direct path (RFC 9420,
// Section 7.4). It replaces the committer's old state, all of whose parent
// keys belonged to nodes the update blanked or replaced (Section 7.5).
func (p *PendingUpdatePath) PrivateState() *PrivateState { return p.priv }

// FilteredDirectPath returns the committer's filtered direct path, the
// nodes the UpdatePath sets, bottom up (RFC 9420, Section 4.1.2).
func (p *PendingUpdatePath) FilteredDirectPath() []treemath.NodeIndex {
	return clone(p.path)
}

// PathSecret returns the path secret of node x of the filtered direct path
// (RFC 9420, Section 7.4), or false if x is not on it.
func (p *PendingUpdatePath) PathSecret(x treemath.NodeIndex) ([]byte, bool) {
	for i, y := range p.path {
		if y == x && p.pathSecrets != nil {
			return p.pathSecrets[i], true
		}
	}
	return nil, false
}

// PathSecretFor returns the path secret a new member at leaf joiner
// receives in its Welcome (RFC 9420, Section 12.4.3.1): that of the lowest
// common ancestor of the committer and the joiner, which is on the
// committer's filtered direct path since the joiner's leaf is in the tree.
func (p *PendingUpdatePath) PathSecretFor(joiner treemath.LeafIndex) (treemath.NodeIndex, []byte, error) {
	lca, err := treemath.CommonAncestor(p.leaf, joiner)
	if err != nil {
		return 0, nil, err
	}
	if ps, ok := p.PathSecret(lca); ok {
		return lca, ps, nil
	}
	return 0, nil, mlserr.New("", mlserr.ErrInvalidInput, "the common ancestor %d of leaves %d and %d is not on the committer's filtered direct path (RFC 9420, Section 12.4.3.1)", lca, p.leaf, joiner)
}

// Erase deletes the path secrets and the commit secret (RFC 9420, Section
// 7.5); call it once the Commit and its Welcome messages are built.
func (p *PendingUpdatePath) Erase() {
	for _, s := range p.pathSecrets {
		clear(s)
	}
	p.pathSecrets = nil
	clear(p.commitSecret)
}

// Encrypt builds the UpdatePath (RFC 9420, Sections 7.5 and 7.6): for each
// node of the filtered direct path, its new public key and its path secret
// encrypted with EncryptWithLabel(·, "UpdatePathNode", groupContext, ·) to
// every node of the resolution of the matching copath child, new leaves
// excluded. groupContext is the encoded provisional GroupContext, whose
// tree_hash is that of Tree(). The HPKE ephemeral keys are drawn from
// rand.
func (p *PendingUpdatePath) Encrypt(groupContext []byte, rand io.Reader) (*UpdatePath, error) {
	if p.pathSecrets == nil && len(p.path) > 0 {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "the path secrets have been erased (RFC 9420, Section 7.5)")
	}
	up := &UpdatePath{LeafNode: *p.LeafNode().Clone(), Nodes: make([]UpdatePathNode, len(p.path))}
	for i, x := range p.path {
		n := UpdatePathNode{
			EncryptionKey:       clone(p.tree.ParentNode(x).EncryptionKey),
			EncryptedPathSecret: []HPKECiphertext{},
		}
		// [R-7.5-3] [R-7.5-4] [R-7.6-1]
		res := p.tree.Resolution(p.copath[i], p.exclude)
		// [R-7.5-5] [R-7.6-2]
		for _, r := range res {
			kem, ct, err := p.suite.EncryptWithLabel(p.tree.Node(r).EncryptionKey(), ciphersuite.LabelUpdatePathNode, groupContext, p.pathSecrets[i], rand)
			if err != nil {
				return nil, mlserr.Wrap("R-7.5-5", mlserr.ErrInvalidTree, err, "cannot encrypt the path secret of node %d to node %d", x, r)
			}
			n.EncryptedPathSecret = append(n.EncryptedPathSecret, HPKECiphertext{KEMOutput: kem, Ciphertext: ct})
		}
		up.Nodes[i] = n
	}
	return up, nil
}

// MergeParams are the inputs of MergeUpdatePath (RFC 9420, Section
// 12.4.2).
type MergeParams struct {
	// Sender is the committer's leaf index in the tree (for an external
	// Commit, the leaf assigned to the joiner, Section 12.4.2).
	Sender treemath.LeafIndex
	// Path is the received UpdatePath. It is not modified or retained.
	Path *UpdatePath
	// Group holds the group's parameters against which the new LeafNode
	// is validated (Section 7.3): its suite must be the one passed to
	// MergeUpdatePath, and its GroupID is the signature context of the
	// LeafNode.
	Group *GroupParameters
	// Exclude holds the leaves added by the same Commit (Section 7.6).
	Exclude map[treemath.LeafIndex]bool
	// ValidateLeaf validates the new LeafNode where it appears (Section
	// 7.3); nil means ValidateLeafNode, which every member must run. Only
	// test-vector verifiers replace it, to tolerate known defects of
	// official vectors.
	ValidateLeaf func(ln *LeafNode, ctx *LeafValidationContext) error
}

// MergedUpdatePath is a received UpdatePath merged into a copy of the tree
// (RFC 9420, Section 7.5, "merges UpdatePath into the tree"), waiting for
// the provisional GroupContext to decrypt its path secrets.
type MergedUpdatePath struct {
	suite        *ciphersuite.Suite
	tree         *RatchetTree
	sender       treemath.LeafIndex
	path, copath []treemath.NodeIndex
	nodes        []UpdatePathNode
	exclude      map[treemath.LeafIndex]bool
}

// MergeUpdatePath validates a received UpdatePath against t and merges it
// into a copy of t (RFC 9420, Sections 7.5, 7.6, 7.9.2 and 12.4.2): one
// UpdatePathNode per node of the sender's filtered direct path, one
// ciphertext per node of each copath resolution (new leaves excluded), a
// valid LeafNode with leaf_node_source commit and a new encryption_key, no
// public key already in the tree; then the direct path is blanked, the
// filtered direct path takes the new keys with empty unmerged_leaves, the
// parent hashes are computed and the leaf's parent_hash is checked against
// them (R-7.9.2-2). t is not modified.
func (t *RatchetTree) MergeUpdatePath(cs *ciphersuite.Suite, params MergeParams) (*MergedUpdatePath, error) {
	up := params.Path
	if up == nil || params.Group == nil || params.Group.Suite == nil || params.Group.Suite.ID() != cs.ID() {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "MergeUpdatePath needs an UpdatePath and the group's parameters for the same cipher suite (RFC 9420, Section 12.4.2)")
	}
	sender := params.Sender
	if uint64(sender) >= uint64(t.NumLeaves()) {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "sender leaf %d is outside a tree of %d leaves (RFC 9420, Section 12.4.2)", sender, t.NumLeaves())
	}
	path, copath, err := t.FilteredDirectPath(sender)
	if err != nil {
		return nil, err
	}
	// The UpdatePath carries one node per node of the filtered direct
	// path, in its order (Sections 7.5 and 7.6).
	// [R-12.4.2-9]
	if len(up.Nodes) != len(path) {
		return nil, mlserr.New("R-12.4.2-9", mlserr.ErrInvalidCommit, "the UpdatePath has %d nodes but the filtered direct path of leaf %d has %d (RFC 9420, Sections 7.5 and 7.6)", len(up.Nodes), sender, len(path))
	}
	for i := range path {
		// [R-7.6-1] [R-7.6-2]
		if got, want := len(up.Nodes[i].EncryptedPathSecret), len(t.Resolution(copath[i], params.Exclude)); got != want {
			return nil, mlserr.New("R-7.6-2", mlserr.ErrInvalidCommit, "UpdatePath node %d (tree node %d) has %d encrypted path secrets, but the resolution of copath node %d has %d nodes", i, path[i], got, copath[i], want)
		}
	}

	// Validate the new LeafNode (Section 7.3) where it appears: in an
	// UpdatePath, replacing the sender's current leaf, which also checks
	// that its encryption_key is new (R-12.4.2-13).
	leaf := &up.LeafNode
	// [R-12.4.2-12]
	if leaf.LeafNodeSource != SourceCommit {
		return nil, mlserr.New("R-12.4.2-12", mlserr.ErrInvalidCommit, "the UpdatePath's LeafNode has leaf_node_source %s, not commit", leaf.LeafNodeSource)
	}
	validate := params.ValidateLeaf
	if validate == nil {
		validate = ValidateLeafNode
	}
	// The committer's new leaf is validated as a leaf received in a
	// Commit, under the same rules as an Update's leaf (its successor
	// credential and fresh encryption key included).
	// [R-12.4.2-11] [R-7.3-2] [R-7.5-1]
	if err := validate(leaf, &LeafValidationContext{GroupParameters: *params.Group, LeafIndex: sender, Source: SourceCommit, Tree: t}); err != nil {
		return nil, err
	}
	// ValidateLeafNode checks this too; it is repeated here so that it
	// holds whatever ValidateLeaf is.
	// [R-12.4.2-13]
	if old := t.Leaf(sender); old != nil && equalKeys(old.EncryptionKey, leaf.EncryptionKey) {
		return nil, mlserr.New("R-12.4.2-13", mlserr.ErrInvalidCommit, "the UpdatePath's LeafNode keeps the encryption_key of the committer's current leaf %d", sender)
	}
	// [R-12.4.2-14]
	if err := checkFreshKeys(t, up); err != nil {
		return nil, err
	}

	// Merge (Section 7.5): blank the direct path, set the new keys with
	// empty unmerged_leaves, compute the parent hashes.
	nt := t.Fork()
	if err := nt.BlankDirectPath(sender); err != nil {
		return nil, err
	}
	for i, x := range path {
		if err := nt.SetParent(x, &ParentNode{EncryptionKey: clone(up.Nodes[i].EncryptionKey), ParentHash: []byte{}, UnmergedLeaves: []treemath.LeafIndex{}}); err != nil {
			return nil, err
		}
	}
	leafPH, err := nt.SetPathParentHashes(cs, sender)
	if err != nil {
		return nil, err
	}
	// [R-7.9.2-2]
	if !equalKeys(leafPH, leaf.ParentHash) {
		return nil, mlserr.New("R-7.9.2-2", mlserr.ErrInvalidCommit, "the parent_hash of the committer's new LeafNode is %x; the merged path gives %x", leaf.ParentHash, leafPH)
	}
	if err := nt.SetLeaf(sender, leaf.Clone()); err != nil {
		return nil, err
	}
	m := &MergedUpdatePath{
		suite: cs, tree: nt, sender: sender, path: path, copath: copath,
		nodes: make([]UpdatePathNode, len(up.Nodes)), exclude: cloneExclude(params.Exclude),
	}
	for i := range up.Nodes {
		m.nodes[i] = up.Nodes[i].Clone()
	}
	return m, nil
}

// checkFreshKeys verifies that no HPKE public key of the UpdatePath is
// already held by a node of t, and that the path does not repeat one
// (RFC 9420, Section 12.4.2): after the merge, the tree would hold a key
// twice.
func checkFreshKeys(t *RatchetTree, up *UpdatePath) error {
	keys := [][]byte{up.LeafNode.EncryptionKey}
	for i := range up.Nodes {
		keys = append(keys, up.Nodes[i].EncryptionKey)
	}
	// The path's keys go into a set of O(log n) entries, and the tree's
	// keys are looked up in it, so the scan allocates nothing per node.
	path := make(map[string]int, len(keys))
	for i, k := range keys {
		if _, ok := path[string(k)]; ok {
			return mlserr.New("R-12.4.2-14", mlserr.ErrInvalidCommit, "public key %d of the UpdatePath (0 is the leaf's) repeats an earlier key of the same path", i)
		}
		path[string(k)] = i
	}
	for x := treemath.NodeIndex(0); uint32(x) < t.Width(); x++ {
		if n := t.Node(x); n != nil {
			if i, ok := path[string(n.EncryptionKey())]; ok {
				return mlserr.New("R-12.4.2-14", mlserr.ErrInvalidCommit, "public key %d of the UpdatePath (0 is the leaf's) is already the key of tree node %d", i, x)
			}
		}
	}
	return nil
}

// Tree returns the tree with the received path merged (RFC 9420, Section
// 12.4.2): the caller hashes it for the provisional GroupContext and adopts
// it once the whole Commit has been processed. It must not be modified
// before Decrypt.
func (m *MergedUpdatePath) Tree() *RatchetTree { return m.tree }

// FilteredDirectPath returns the sender's filtered direct path, the nodes
// the UpdatePath set, bottom up (RFC 9420, Section 4.1.2).
func (m *MergedUpdatePath) FilteredDirectPath() []treemath.NodeIndex { return clone(m.path) }

// DecryptedPath is what a receiver learns from an UpdatePath (RFC 9420,
// Sections 7.5 and 12.4.2).
type DecryptedPath struct {
	// Node is the lowest node of the sender's filtered direct path that is
	// an ancestor of the receiver, whose path secret was decrypted.
	Node treemath.NodeIndex
	// PathSecret is that path secret. The caller deletes it once it is no
	// longer needed (Section 7.5); mlsref needs it only for test vectors.
	PathSecret []byte
	// CommitSecret is the commit_secret (Section 12.4.2).
	CommitSecret []byte
	// PrivateState is the receiver's new private state: its old keys for
	// nodes on the sender's direct path are gone, and it holds the keys of
	// Node and of every node above it on the filtered direct path.
	PrivateState *PrivateState
}

// Decrypt decrypts the path secret meant for the receiver whose private
// state is priv and derives the rest (RFC 9420, Section 7.5, "decrypts the
// path secrets"; Section 12.4.2): it finds the node of the filtered direct
// path whose copath child holds the receiver, a node of that child's
// resolution whose private key priv holds (the ciphertext at the same
// position is the receiver's), decrypts with groupContext, the encoded
// provisional GroupContext over Tree(), derives the path secrets above,
// checks that each derived public key is the one in the UpdatePath, and
// derives the commit secret. priv is not modified.
func (m *MergedUpdatePath) Decrypt(priv *PrivateState, groupContext []byte) (*DecryptedPath, error) {
	cs := m.suite
	me := priv.Leaf()
	if me == m.sender {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "leaf %d is the sender of the UpdatePath; the committer keeps its own path secrets (RFC 9420, Section 12.4.1)", me)
	}
	// Step 1: the node of the filtered direct path whose copath child is
	// an ancestor of (or is) the receiver's leaf.
	start := -1
	for i, c := range m.copath {
		if c == me.Node() || treemath.IsAncestor(c, me.Node()) {
			start = i
			break
		}
	}
	if start < 0 || m.exclude[me] {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "leaf %d is under no copath node of the sender's filtered direct path, or was added by this Commit (RFC 9420, Section 7.5)", me)
	}
	// Step 2: a node of the copath resolution whose private key we hold;
	// its position in the resolution is that of our ciphertext (R-7.6-2).
	res := m.tree.Resolution(m.copath[start], m.exclude)
	pos := -1
	var key []byte
	for j, r := range res {
		if k, ok := priv.keys[r]; ok && equalKeys(k.pub, m.tree.Node(r).EncryptionKey()) {
			pos, key = j, k.priv
			break
		}
	}
	if pos < 0 {
		return nil, mlserr.New("", mlserr.ErrInvalidInput, "leaf %d holds the private key of no node in the resolution of copath node %d (RFC 9420, Section 7.5)", me, m.copath[start])
	}
	// Step 3: decrypt with the provisional GroupContext.
	ct := m.nodes[start].EncryptedPathSecret[pos]
	// [R-12.4.2-17]
	ps, err := cs.DecryptWithLabel(key, ciphersuite.LabelUpdatePathNode, groupContext, ct.KEMOutput, ct.Ciphertext)
	if err != nil {
		return nil, mlserr.Wrap("R-12.4.2-17", mlserr.ErrDecryption, err, "cannot decrypt the path secret of node %d with the key of node %d", m.path[start], res[pos])
	}

	// Steps 4 to 7, on a copy of priv: the receiver's keys for nodes on
	// the sender's direct path were replaced by the update (R-7.5-8).
	out := priv.Clone()
	dp, err := treemath.DirectPath(m.sender.Node(), m.tree.NumLeaves())
	if err != nil {
		return nil, err
	}
	// [R-7.5-6] [R-7.5-8]
	for _, x := range dp {
		out.deleteKey(x)
	}
	cur := ps
	for k := start; k < len(m.path); k++ {
		if k > start {
			next := NextPathSecret(cs, cur)
			if k-1 > start {
				clear(cur) // [R-7.5-7]
			}
			cur = next
		}
		nodePriv, nodePub, err := NodeKeyPair(cs, cur)
		if err != nil {
			out.Erase()
			return nil, err
		}
		// Section 7.5, step 6; a mismatch means the path secret does not
		// belong to this path, so the decryption of R-12.4.2-17 failed.
		// [R-12.4.2-17]
		if !equalKeys(nodePub, m.nodes[k].EncryptionKey) {
			clear(nodePriv)
			out.Erase()
			return nil, mlserr.New("R-12.4.2-17", mlserr.ErrInvalidCommit, "the public key derived for node %d from the decrypted path secret differs from the UpdatePath's (RFC 9420, Section 7.5)", m.path[k])
		}
		out.setKeyPair(m.path[k], nodePriv, nodePub)
		clear(nodePriv)
	}
	// [R-12.4.2-18]
	commitSecret := NextPathSecret(cs, cur)
	if len(m.path)-1 > start {
		clear(cur) // [R-7.5-7]
	}
	out.Prune(m.tree)
	return &DecryptedPath{Node: m.path[start], PathSecret: ps, CommitSecret: commitSecret, PrivateState: out}, nil
}

// cloneExclude copies an exclusion set.
func cloneExclude(m map[treemath.LeafIndex]bool) map[treemath.LeafIndex]bool {
	c := make(map[treemath.LeafIndex]bool, len(m))
	for l, v := range m {
		if v {
			c[l] = true
		}
	}
	return c
}
