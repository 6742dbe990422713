"""Block-hash disk images (guide section 3.2, DESIGN.md contract 5): makeimage keeps a
partition's used blocks, each with its BLAKE3 hash; restoreimage hashes a target's blocks and
writes only those that differ. The format is docs/block-images.md."""
