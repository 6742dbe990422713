"""Images and boot services: the rsync distribution tree, TFTP and menuserver, block-hash
disk images, iSCSI copy-on-write targets and buildserver (DESIGN.md, imaging/)."""
