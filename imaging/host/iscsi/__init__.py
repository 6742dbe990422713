"""Windows 7 over iSCSI on an appserver (guide 3.3.2 to 3.3.5): master image volumes, a
copy-on-write disk per client per boot, and LIO targets, behind the one interface of
storage.py (lvm.py and lio.py are its real implementations)."""
