"""lntftpd, the template-aware TFTP daemon of an appserver (guide 2.8)."""
