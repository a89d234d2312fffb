// interop: checks a lethe transparency log with the Go reference code the
// formats come from (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's
// golang-golang-x-mod-dev), not with ours.  Used by tests/log/interop.t.
//
//	interop LOGDIR VKEYFILE KEYFILE OLDSIZE PROOFFILE...
//
// 1. note.Open verifies LOGDIR/checkpoint with the vkey; note.Sign with
//    the private key file (Go's own PRIVATE+KEY format) signs the same
//    text to the same bytes (Ed25519 is deterministic).
// 2. tlog.TileHashReader reads our C2SP tiles (Go's sumdb paths are
//    tile/8/L/N; C2SP dropped the height: tile/L/N) and checks each against
//    the signed tree; tlog.TreeHash equals the checkpoint's root.
// 3. Every entry bundle's entries: tlog.ProveRecord + tlog.CheckRecord
//    with tlog.RecordHash(entry).
// 4. tlog.ProveTree(OLDSIZE -> size) is printed, one base64 hash a line,
//    to be compared with lethe-log consistency; tlog.CheckTree accepts it.
// 5. Each tlog-proof@v1 PROOFFILE: its checkpoint opens with the vkey, and
//    tlog.CheckRecord accepts its hashes for RecordHash(extra).
//
// Prints "ok ..." lines to stderr and the consistency proof to stdout;
// exits 1 at the first failure.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(f string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: FAIL: "+f+"\n", a...)
	os.Exit(1)
}

func okf(f string, a ...interface{}) { fmt.Fprintf(os.Stderr, "ok "+f+"\n", a...) }

// tiles reads C2SP tile files for Go's Tile coordinates.
type tiles struct{ dir string }

func (r tiles) Height() int { return 8 }

func (r tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		p := strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		b, err := os.ReadFile(filepath.Join(r.dir, p))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func (r tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// checkpoint opens a signed checkpoint note and parses its body.
func checkpoint(msg []byte, v note.Verifier) (tlog.Tree, *note.Note) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open: %v", err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != v.Name() {
		fail("checkpoint: origin %q, want %q", lines[0], v.Name())
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("checkpoint root: %v", err)
	}
	var h tlog.Hash
	copy(h[:], root)
	return tlog.Tree{N: size, Hash: h}, n
}

func main() {
	if len(os.Args) < 5 {
		fail("usage: interop LOGDIR VKEYFILE KEYFILE OLDSIZE PROOFFILE...")
	}
	dir := os.Args[1]
	vkey, _ := os.ReadFile(os.Args[2])
	skey, _ := os.ReadFile(os.Args[3])
	old, _ := strconv.ParseInt(os.Args[4], 10, 64)
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		fail("note.NewSigner: %v", err)
	}
	cpb, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	tree, n := checkpoint(cpb, v)
	okf("note.Open: the checkpoint's signature verifies (size %d)", tree.N)
	again, err := note.Sign(&note.Note{Text: n.Text}, s)
	if err != nil || !bytes.Equal(again, cpb) {
		fail("note.Sign with the key file does not give the checkpoint's bytes")
	}
	okf("note.Sign with our key file gives the checkpoint byte for byte")

	r := tlog.TileHashReader(tree, tiles{dir})
	th, err := tlog.TreeHash(tree.N, r)
	if err != nil || th != tree.Hash {
		fail("tlog.TreeHash over our tiles: %v (%v, want %v)", err, th, tree.Hash)
	}
	okf("tlog.TreeHash over our tiles equals the signed root")

	// entry bundles: u16 big-endian length || entry, 256 a bundle
	var i int64
	for b := int64(0); i < tree.N; b++ {
		w := tree.N - b*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: b, W: int(w)}
		p := strings.Replace(strings.Replace(t.Path(), "tile/8/", "tile/", 1), "/data/", "/entries/", 1)
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			fail("%v", err)
		}
		for len(data) > 0 {
			if len(data) < 2 {
				fail("%s: truncated", p)
			}
			l := int(data[0])<<8 | int(data[1])
			if len(data) < 2+l {
				fail("%s: truncated entry", p)
			}
			proof, err := tlog.ProveRecord(tree.N, i, r)
			if err != nil {
				fail("tlog.ProveRecord(%d): %v", i, err)
			}
			if err := tlog.CheckRecord(proof, tree.N, tree.Hash, i, tlog.RecordHash(data[2:2+l])); err != nil {
				fail("tlog.CheckRecord(entry %d): %v", i, err)
			}
			data = data[2+l:]
			i++
		}
	}
	okf("tlog.CheckRecord: all %d entries of the bundles are in the tree", i)

	if old > 0 && old < tree.N {
		tp, err := tlog.ProveTree(tree.N, old, r)
		if err != nil {
			fail("tlog.ProveTree: %v", err)
		}
		oh, err := tlog.TreeHash(old, r)
		if err != nil || tlog.CheckTree(tp, tree.N, tree.Hash, old, oh) != nil {
			fail("tlog.CheckTree %d -> %d", old, tree.N)
		}
		for _, h := range tp {
			fmt.Println(base64.StdEncoding.EncodeToString(h[:]))
		}
		okf("tlog.ProveTree/CheckTree %d -> %d", old, tree.N)
	}

	for _, f := range os.Args[5:] {
		b, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		parts := strings.SplitN(string(b), "\n\n", 2)
		if len(parts) != 2 {
			fail("%s: no blank line", f)
		}
		head := strings.Split(parts[0], "\n")
		if len(head) < 3 || head[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(head[1], "extra ") ||
			!strings.HasPrefix(head[2], "index ") {
			fail("%s: not a tlog-proof@v1 with extra and index", f)
		}
		entry, err := base64.StdEncoding.DecodeString(head[1][6:])
		if err != nil {
			fail("%s: extra: %v", f, err)
		}
		idx, _ := strconv.ParseInt(head[2][6:], 10, 64)
		var proof tlog.RecordProof
		for _, l := range head[3:] {
			hb, err := base64.StdEncoding.DecodeString(l)
			if err != nil || len(hb) != tlog.HashSize {
				fail("%s: hash line %q", f, l)
			}
			var h tlog.Hash
			copy(h[:], hb)
			proof = append(proof, h)
		}
		pt, _ := checkpoint([]byte(parts[1]), v)
		if err := tlog.CheckRecord(proof, pt.N, pt.Hash, idx, tlog.RecordHash(entry)); err != nil {
			fail("%s: tlog.CheckRecord: %v", f, err)
		}
		okf("%s: note.Open and tlog.CheckRecord accept the proof of entry %d in a tree of %d", f, idx, pt.N)
	}
}
