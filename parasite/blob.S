/*
 * The parasite blob as bytes in liblmig.a: parasite/parasite.bin is the
 * objcopy -O binary image of parasite.elf (parasite/local.mk builds it).
 * The path is relative to the build directory, where make runs the assembler.
 */
	.section .rodata.parasite, "a"
	.balign 64
	.globl parasite_blob
	.type parasite_blob, @object
parasite_blob:
	.incbin "parasite/parasite.bin"
	.size parasite_blob, . - parasite_blob
	.globl parasite_blob_end
parasite_blob_end:

	.section .note.GNU-stack, "", @progbits
