/*
 * The restorer blob's bytes (restorer/restorer.bin, built before this
 * file; the path is relative to the top of the build tree, where make
 * runs). See src/restore/restorer-blob.h.
 */
	.section .rodata
	.balign 4096
	.globl restorer_blob
restorer_blob:
	.incbin "restorer/restorer.bin"
	.globl restorer_blob_end
restorer_blob_end:

	.section .note.GNU-stack, "", @progbits
